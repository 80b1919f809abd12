"""The mailroom's records: cases' intake addresses and the messages received (``mail_messages``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update
from sqlalchemy.dialects.postgresql import insert

from casework_common.vocabulary import HOLD_REASON_LABELS
from casework_intake.mailroom import addresses
from casework_intake.tables import intake_addresses, mail_messages


class Duplicate(Exception):
    """The same message came to the same address before (a redelivery)."""


class AddressBook:
    """Cases' private intake addresses: at most one live per case."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def live_case(self, token: str) -> uuid.UUID | None:
        """The case whose live address has this token (None when unknown or revoked)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(intake_addresses.c.case_id).where(
                    intake_addresses.c.token == token, intake_addresses.c.revoked_at.is_(None)
                )
            ).scalar()

    def current(self, case_id: uuid.UUID) -> Row[Any] | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(intake_addresses).where(
                    intake_addresses.c.case_id == case_id, intake_addresses.c.revoked_at.is_(None)
                )
            ).first()

    def renew(self, case_id: uuid.UUID, by: str) -> Row[Any]:
        """A new live address for the case; the one it had stops working at once."""
        with self.engine.begin() as conn:
            # Two renewals at once take turns (the unique index on live addresses would refuse the second).
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"intake-address:{case_id}", 0))))
            self._revoke(conn, case_id, by)
            return conn.execute(
                intake_addresses.insert()
                .values(id=uuid.uuid4(), case_id=case_id, token=addresses.new_token(), created_by=by)
                .returning(intake_addresses)
            ).one()

    def revoke(self, case_id: uuid.UUID, by: str) -> bool:
        """Stop the case's live address; False when it had none."""
        with self.engine.begin() as conn:
            return self._revoke(conn, case_id, by)

    @staticmethod
    def _revoke(conn: Connection, case_id: uuid.UUID, by: str) -> bool:
        done = conn.execute(
            update(intake_addresses)
            .where(intake_addresses.c.case_id == case_id, intake_addresses.c.revoked_at.is_(None))
            .values(revoked_at=func.now(), revoked_by=by)
        )
        return done.rowcount > 0


class MailLog:
    """Every message taken in, once per (dedupe key, recipient)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def seen(self, dedupe_key: str, recipient: str) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(mail_messages.c.id).where(
                        mail_messages.c.dedupe_key == dedupe_key, mail_messages.c.recipient == recipient
                    )
                ).first()
                is not None
            )

    @staticmethod
    def claim(conn: Connection, values: dict[str, Any]) -> None:
        """Record a message in ``conn``'s transaction; raises Duplicate when another delivery of it
        got there first (the unique (dedupe_key, recipient) decides, so two at once record one)."""
        inserted = conn.execute(
            insert(mail_messages)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_mail_messages_dedupe")
            .returning(mail_messages.c.id)
        ).first()
        if inserted is None:
            raise Duplicate(values["dedupe_key"])

    def get(self, mail_id: uuid.UUID) -> Row[Any] | None:
        with self.engine.connect() as conn:
            return conn.execute(select(mail_messages).where(mail_messages.c.id == mail_id)).first()

    def held_for_case(self, case_id: uuid.UUID, waiting_only: bool) -> list[Row[Any]]:
        query = select(mail_messages).where(mail_messages.c.case_id == case_id, mail_messages.c.state != "filed")
        if waiting_only:
            query = query.where(mail_messages.c.state == "waiting")
        with self.engine.connect() as conn:
            return list(conn.execute(query.order_by(mail_messages.c.received_at, mail_messages.c.id)))

    def waiting_cases(self) -> list[uuid.UUID]:
        """Every case with a waiting message, the one waiting longest first: one row per case, so
        however many messages one case has, every other case is still among them."""
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(mail_messages.c.case_id)
                    .where(mail_messages.c.state == "waiting", mail_messages.c.case_id.is_not(None))
                    .group_by(mail_messages.c.case_id)
                    .order_by(func.min(mail_messages.c.received_at), mail_messages.c.case_id)
                ).scalars()
            )

    def waiting(self, case_ids: list[uuid.UUID], limit: int) -> list[Row[Any]]:
        """The oldest waiting messages of the cases ``case_ids`` (those the caller may decide)."""
        if not case_ids:
            return []
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(mail_messages)
                    .where(mail_messages.c.state == "waiting", mail_messages.c.case_id.in_(case_ids))
                    .order_by(mail_messages.c.received_at, mail_messages.c.id)
                    .limit(limit)
                )
            )

    @staticmethod
    def decide(conn: Connection, mail_id: uuid.UUID, state: str, by: str, evidence_id: uuid.UUID | None) -> bool:
        """Move a waiting message to ``state`` (accepted/rejected) in ``conn``'s transaction; False
        when someone decided it first."""
        done = conn.execute(
            update(mail_messages)
            .where(mail_messages.c.id == mail_id, mail_messages.c.state == "waiting")
            .values(state=state, decided_by=by, decided_at=func.now(), evidence_id=evidence_id)
        )
        return done.rowcount == 1


def held_json(row: Row[Any], case_reference: str | None) -> dict[str, Any]:
    """The API view of a held message (HeldMail)."""
    return {
        "id": str(row.id),
        "case_id": str(row.case_id) if row.case_id else None,
        "case_reference": case_reference,
        "recipient": row.recipient,
        "route": row.route,
        "sender": row.sender,
        "subject": row.subject,
        "received_at": row.received_at.isoformat(),
        "size_bytes": row.size_bytes,
        "attachments": [
            {"filename": str(a.get("filename", "")), "size_bytes": int(a.get("size_bytes", 0))}
            for a in row.attachments or []
        ],
        "reason": row.reason,
        "reason_text": HOLD_REASON_LABELS.get(row.reason or "", None),
        "authentication": row.authentication,
        "state": row.state,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "evidence_id": str(row.evidence_id) if row.evidence_id else None,
    }
