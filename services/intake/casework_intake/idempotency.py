"""The ``Idempotency-Key`` request header (IETF draft-ietf-httpapi-idempotency-key-header).

A client that did not see the answer to an upload sends it again with the same key and gets the
first answer (same items, same status) instead of a second copy. Keys belong to the caller who
sent them (the token's subject): another caller's same key is simply a different key. The same
key with a different request is a 422 problem, as the draft says. A key is remembered for
``idempotency_key_ttl_s``; after that the same request makes new items.

The key is claimed in the transaction that stores the items, so two copies of one request sent at
once cannot both store: the second waits for the first to commit and then answers with its result.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert

from casework_common.problems import Problem, bad_request
from casework_intake.tables import idempotency_keys

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# An sf-string (RFC 8941 3.3.3): printable ASCII in double quotes, with \" and \\ escaped. Clients
# that send the key unquoted (as many payment APIs' clients do) are taken too, if it has no
# quote, comma, space or backslash.
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_BARE_KEY = re.compile(r"[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+")


def parse_key(value: str | None) -> str | None:
    """The key an ``Idempotency-Key`` header carries (None: no header); a malformed one is a 400 problem."""
    if value is None:
        return None
    value = value.strip(" \t")
    quoted = _SF_STRING.fullmatch(value)
    key = re.sub(r"\\(.)", r"\1", quoted.group(1)) if quoted else value if _BARE_KEY.fullmatch(value) else None
    if not key or len(key) > MAX_KEY_LENGTH:
        raise bad_request(
            f"{HEADER} must be one string of 1 to {MAX_KEY_LENGTH} printable ASCII characters, "
            'such as "8e03978e-40d5-43e8-bc93-6894a57f9324".'
        )
    return key


def fingerprint(path: str, fields: dict[str, str], files: Sequence[dict[str, Any]]) -> str:
    """What makes two uploads the same request: the target, the form fields and each file's name
    (its bytes), declared type, size and hash. The multipart boundary, which clients choose
    afresh for every attempt, is not part of it."""
    canonical = json.dumps({"path": path, "fields": fields, "files": list(files)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def file_facts(name_raw: bytes, content_type: str, size: int, sha256: str) -> dict[str, Any]:
    """One file's part of a :func:`fingerprint`."""
    return {"name": base64.b64encode(name_raw).decode(), "type": content_type, "size": size, "sha256": sha256}


def reused(key: str) -> Problem:
    return Problem(
        422,
        "idempotency-key-reused",
        "Idempotency key reused",
        f"This {HEADER} was used for a different request; send a new key for a new upload.",
        key=key,
    )


@dataclass(frozen=True)
class Outcome:
    """The answer first given to a request with this key."""

    fingerprint: str
    status: int
    body: dict[str, Any]

    def replay(self, fingerprint: str, key: str) -> tuple[dict[str, Any], int]:
        """The first answer again, for the same request; a different request under the key is refused."""
        if fingerprint != self.fingerprint:
            raise reused(key)
        return self.body, self.status


class IdempotencyKeys:
    """Keys and the answers given to them, in intake's database."""

    def __init__(self, engine: Engine, ttl_s: int) -> None:
        self.engine = engine
        self.ttl_s = ttl_s

    def _live(self) -> Any:
        return idempotency_keys.c.created_at >= func.now() - text(f"interval '{int(self.ttl_s)} seconds'")

    def find(self, subject: str, key: str) -> Outcome | None:
        """The answer given to this caller's key, unless it has expired."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.subject == subject, idempotency_keys.c.key == key, self._live()
                )
            ).first()
        return _outcome(row) if row is not None else None

    def claim(self, conn: Connection, subject: str, key: str, print_: str) -> Outcome | None:
        """Claim the key for this request inside ``conn``'s transaction (None: claimed, go on and store).
        If a live claim exists (committed, or committed meanwhile by a concurrent copy of the request),
        its outcome is returned instead. Expired keys are dropped here."""
        conn.execute(delete(idempotency_keys).where(~self._live()))
        inserted = conn.execute(
            insert(idempotency_keys)
            .values(subject=subject, key=key, fingerprint=print_, status=0, response={})
            .on_conflict_do_nothing(index_elements=["subject", "key"])
            .returning(idempotency_keys.c.key)
        ).first()
        if inserted is not None:
            return None
        row = conn.execute(
            select(idempotency_keys).where(idempotency_keys.c.subject == subject, idempotency_keys.c.key == key)
        ).one()
        return _outcome(row)

    def answer(self, conn: Connection, subject: str, key: str, status: int, body: dict[str, Any]) -> None:
        """Record the answer to a claimed key, in the transaction that stored what it answers about."""
        conn.execute(
            idempotency_keys.update()
            .where(idempotency_keys.c.subject == subject, idempotency_keys.c.key == key)
            .values(status=status, response=body)
        )


def _outcome(row: Row[Any]) -> Outcome:
    return Outcome(row.fingerprint, row.status, row.response)
