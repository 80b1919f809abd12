"""Shares: a ready bundle given by link to a named external recipient, with a one-time code sent apart.

The secrets and what is kept of them:
- the link's token: 256 random bits (``secrets.token_urlsafe(32)``), kept as its SHA-256 (a token that
  long cannot be guessed, so a fast hash is enough, and looking it up by hash leaks nothing by timing);
- the one-time code: 6 to 8 digits, kept as scrypt with a salt of its own (a code that short could be
  found from a fast hash if the table leaked), compared with ``hmac.compare_digest``; cleared once used,
  so a code opens one session; after ``max_wrong`` wrong codes the share is locked for good;
- a recipient's session: 256 random bits, kept as SHA-256, lasting ``session_minutes``.

Every access (a view, a code tried, a new code, a download, a refusal) is written to the outbox as a
``ShareAccessed`` event in the same transaction as its effect (the counters), and workflow appends it to
the audit log (docs/design.md, 'Bundles shared with solicitors').
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Row, func, select, update

from casework.v1 import events_pb2
from casework_bundle.tables import bundles, share_sessions, shares
from casework_bundle.tables import outbox as outbox_table
from casework_common import events, tracing
from casework_common.auth import Principal
from casework_common.outbox import enqueue

SERVICE = "bundle"
State = Literal["active", "expired", "revoked", "locked"]


def hash_token(token: str) -> str:
    """SHA-256 of a link or session token (hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_code(code: str, salt: bytes) -> str:
    """scrypt of a one-time code (hex): slow on purpose, see the module's docstring."""
    return hashlib.scrypt(code.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


def new_code(digits: int) -> str:
    return str(secrets.randbelow(10**digits)).zfill(digits)


def state_of(row: Any, now: dt.datetime) -> State:
    """What a share is now: revoked beats expired beats locked."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= now:
        return "expired"
    if row.locked_at is not None:
        return "locked"
    return "active"


@dataclass(frozen=True)
class Access:
    """Who is at the door, for the audit record: the address the portal reported."""

    remote_address: str = ""


@dataclass(frozen=True)
class Created:
    row: Row[Any]
    token: str
    code: str


@dataclass(frozen=True)
class CodeResult:
    """A code tried: ``session`` (its token) when right; else why not and how many tries are left."""

    state: State
    session: str | None = None
    session_expires_at: dt.datetime | None = None
    wrong: bool = False
    no_code: bool = False
    attempts_left: int = 0


class Shares:
    """The bundles' shares as the service handles them: created, revoked, opened by code, and every
    access audited (a ``ShareAccessed`` event through the outbox)."""

    def __init__(self, engine: Engine, max_wrong: int, session_minutes: int, code_digits: int) -> None:
        self.engine = engine
        self.max_wrong = max_wrong
        self.session_minutes = session_minutes
        self.code_digits = code_digits

    def now(self) -> dt.datetime:
        """The database's clock, which expiry and sessions are measured by."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.now())).scalar_one()

    # -- staff ------------------------------------------------------------------

    def create(self, conn: Connection, caller: Principal, bundle: Any, name: str, email: str, days: int) -> Created:
        """Record a share in ``conn``'s transaction (the caller sends the mails before it commits)."""
        token, code, salt = secrets.token_urlsafe(32), new_code(self.code_digits), secrets.token_bytes(16)
        row = conn.execute(
            shares.insert()
            .values(
                id=uuid.uuid4(),
                bundle_id=bundle.id,
                case_id=bundle.case_id,
                recipient_name=name,
                recipient_email=email,
                token_hash=hash_token(token),
                code_hash=hash_code(code, salt),
                code_salt=salt.hex(),
                code_sent_at=func.now(),
                codes_sent=1,
                created_by=caller.username,
                created_by_sub=caller.subject,
                expires_at=func.now() + dt.timedelta(days=days),
            )
            .returning(*shares.c)
        ).one()
        return Created(row, token, code)

    def list_for_bundle(self, bundle_id: uuid.UUID) -> list[Row[Any]]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(select(shares).where(shares.c.bundle_id == bundle_id).order_by(shares.c.created_at.desc()))
            )

    def revoke(self, bundle_id: uuid.UUID, share_id: uuid.UUID, caller: Principal) -> Row[Any] | None:
        """Revoke the share (once: a second revocation keeps the first's time and name) and end its sessions."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(shares).where(shares.c.id == share_id, shares.c.bundle_id == bundle_id).with_for_update()
            ).first()
            if row is None:
                return None
            if row.revoked_at is None:
                row = conn.execute(
                    update(shares)
                    .where(shares.c.id == share_id)
                    .values(revoked_at=func.now(), revoked_by=caller.username, code_hash=None)
                    .returning(*shares.c)
                ).one()
            conn.execute(share_sessions.delete().where(share_sessions.c.share_id == share_id))
            return row

    # -- the recipient ------------------------------------------------------------

    def find(self, token: str) -> Row[Any] | None:
        with self.engine.connect() as conn:
            return conn.execute(select(shares).where(shares.c.token_hash == hash_token(token))).first()

    def bundle_of(self, share: Any) -> Row[Any]:
        with self.engine.connect() as conn:
            return conn.execute(select(bundles).where(bundles.c.id == share.bundle_id)).one()

    def session_valid(self, share: Any, session: str) -> dt.datetime | None:
        """When the session ends, if ``session`` is a live session of this share; else None."""
        if not session:
            return None
        with self.engine.connect() as conn:
            return conn.execute(
                select(share_sessions.c.expires_at).where(
                    share_sessions.c.token_hash == hash_token(session),
                    share_sessions.c.share_id == share.id,
                    share_sessions.c.expires_at > func.now(),
                )
            ).scalar()

    def record(
        self,
        share: Any,
        action: str,
        outcome: str,
        access: Access,
        resource: str = "",
        conn: Connection | None = None,
    ) -> None:
        """Count an access and send it to the audit log (in ``conn``'s transaction, or a new one)."""
        if conn is None:
            with self.engine.begin() as own:
                self.record(share, action, outcome, access, resource, own)
            return
        attempts = conn.execute(
            update(shares)
            .where(shares.c.id == share.id)
            .values(access_count=shares.c.access_count + 1, last_access_at=func.now())
            .returning(shares.c.wrong_attempts)
        ).scalar_one()
        event = events_pb2.ShareAccessed(
            share_id=str(share.id),
            bundle_id=str(share.bundle_id),
            case_id=str(share.case_id),
            action=action,
            outcome=outcome,
            recipient_name=share.recipient_name,
            recipient_email=share.recipient_email,
            resource=resource or f"bundle:{share.bundle_id}",
            remote_address=access.remote_address[:100],
            attempts=attempts,
            trace_id=tracing.current_trace_id() or "",
        )
        enqueue(conn, outbox_table, events.AUDIT_SHARES, str(share.id), event, SERVICE)

    def try_code(self, share_id: uuid.UUID, code: str, access: Access) -> CodeResult:
        """Check a code under the share's row lock (two tries at once cannot both pass the limit)."""
        with self.engine.begin() as conn:
            row = conn.execute(select(shares).where(shares.c.id == share_id).with_for_update()).one()
            now = conn.execute(select(func.now())).scalar_one()
            state = state_of(row, now)
            if state != "active":
                self.record(row, "code-refused", state, access, conn=conn)
                return CodeResult(state)
            if row.code_hash is None:  # used already: a new one must be asked for
                self.record(row, "code-refused", "no-code", access, conn=conn)
                return CodeResult(state, no_code=True, attempts_left=self.max_wrong - row.wrong_attempts)
            right = hmac.compare_digest(hash_code(code, bytes.fromhex(row.code_salt)), row.code_hash)
            if not right:
                wrong = row.wrong_attempts + 1
                locked = wrong >= self.max_wrong
                conn.execute(
                    update(shares)
                    .where(shares.c.id == share_id)
                    .values(
                        wrong_attempts=wrong,
                        locked_at=func.now() if locked else None,
                        code_hash=None if locked else row.code_hash,
                    )
                )
                if locked:
                    conn.execute(share_sessions.delete().where(share_sessions.c.share_id == share_id))
                self.record(row, "code-refused", "locked" if locked else "wrong-code", access, conn=conn)
                return CodeResult("locked" if locked else "active", wrong=True, attempts_left=self.max_wrong - wrong)
            session = secrets.token_urlsafe(32)
            expires = now + dt.timedelta(minutes=self.session_minutes)
            conn.execute(update(shares).where(shares.c.id == share_id).values(code_hash=None))  # single use
            conn.execute(
                share_sessions.insert().values(
                    id=uuid.uuid4(), share_id=share_id, token_hash=hash_token(session), expires_at=expires
                )
            )
            conn.execute(share_sessions.delete().where(share_sessions.c.expires_at < now))  # tidy as we go
            self.record(row, "code-accepted", "ok", access, conn=conn)
            return CodeResult("active", session=session, session_expires_at=expires)

    def replace_code(self, conn: Connection, share_id: uuid.UUID) -> str:
        """A new code for the share, in ``conn``'s transaction (the caller mails it before committing)."""
        code, salt = new_code(self.code_digits), secrets.token_bytes(16)
        conn.execute(
            update(shares)
            .where(shares.c.id == share_id)
            .values(
                code_hash=hash_code(code, salt),
                code_salt=salt.hex(),
                code_sent_at=func.now(),
                codes_sent=shares.c.codes_sent + 1,
            )
        )
        return code

    def lock_for_update(self, conn: Connection, share_id: uuid.UUID) -> tuple[Row[Any], dt.datetime]:
        row = conn.execute(select(shares).where(shares.c.id == share_id).with_for_update()).one()
        return row, conn.execute(select(func.now())).scalar_one()


def to_json(row: Any, now: dt.datetime) -> dict[str, Any]:
    """The staff's view of a share (never its token or code)."""

    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": str(row.id),
        "bundle_id": str(row.bundle_id),
        "recipient_name": row.recipient_name,
        "recipient_email": row.recipient_email,
        "state": state_of(row, now),
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "expires_at": iso(row.expires_at),
        "revoked_at": iso(row.revoked_at),
        "revoked_by": row.revoked_by,
        "locked_at": iso(row.locked_at),
        "wrong_codes": row.wrong_attempts,
        "codes_sent": row.codes_sent,
        "last_access_at": iso(row.last_access_at),
        "access_count": row.access_count,
        "links": {"self": f"/v1/bundles/{row.bundle_id}/shares/{row.id}"},
    }
