"""Append-only audit log of every change and every read of case or evidence data.

Each record carries the hash of the one before it, so editing, removing or reordering
any record breaks the chain; :func:`verify` finds the first broken link. Appends take
the chain head's row lock, so records are strictly ordered. The table also refuses
UPDATE and DELETE outright (a trigger, see migration 0002).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from casework_common.auth import Principal
from casework_workflow.tables import audit_head, audit_log

GENESIS = "genesis"


def _digest(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _hashed_fields(
    record_id: int,
    at: dt.datetime,
    actor: str,
    actor_role: str,
    action: str,
    case_id: uuid.UUID | None,
    resource: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> dict[str, Any]:
    return {
        "id": record_id,
        "at": at.astimezone(dt.UTC).isoformat(),
        "actor": actor,
        "actor_role": actor_role,
        "action": action,
        "case_id": str(case_id) if case_id else None,
        "resource": resource,
        "detail": detail,
        "prev_hash": prev_hash,
    }


def record(
    conn: Connection,
    actor: Principal,
    action: str,
    case_id: uuid.UUID | str | None = None,
    resource: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one record in the caller's transaction (it commits or vanishes with the change)."""
    head = conn.execute(select(audit_head).with_for_update()).one()
    case_uuid = uuid.UUID(str(case_id)) if case_id else None
    at = dt.datetime.now(dt.UTC)
    detail = json.loads(json.dumps(detail or {}, default=str))  # exactly what JSONB will give back
    fields = _hashed_fields(
        head.last_id + 1, at, actor.username, actor.primary_role, action, case_uuid, resource, detail, head.last_hash
    )
    digest = _digest(fields)
    conn.execute(
        audit_log.insert().values(
            id=fields["id"],
            at=at,
            actor=actor.username,
            actor_role=fields["actor_role"],
            action=action,
            case_id=case_uuid,
            resource=resource,
            detail=detail,
            prev_hash=head.last_hash,
            hash=digest,
        )
    )
    conn.execute(update(audit_head).values(last_id=fields["id"], last_hash=digest))


@dataclass(frozen=True)
class Verdict:
    intact: bool
    records: int
    broken_at: int | None = None
    reason: str = ""


def verify(conn: Connection) -> Verdict:
    """Walk the chain from the start; report the first record that does not fit."""
    expected_id, prev_hash, count = 1, GENESIS, 0
    for row in conn.execute(select(audit_log).order_by(audit_log.c.id)).yield_per(1000):
        if row.id != expected_id:
            return Verdict(False, count, expected_id, f"record {expected_id} is missing")
        if row.prev_hash != prev_hash:
            return Verdict(False, count, row.id, "does not follow the record before it")
        fields = _hashed_fields(
            row.id,
            row.at,
            row.actor,
            row.actor_role,
            row.action,
            row.case_id,
            row.resource,
            row.detail,
            row.prev_hash,
        )
        if _digest(fields) != row.hash:
            return Verdict(False, count, row.id, "its contents were changed after it was written")
        prev_hash, expected_id, count = row.hash, expected_id + 1, count + 1
    head = conn.execute(select(audit_head)).one()
    if head.last_id != count or head.last_hash != prev_hash:
        return Verdict(False, count, count + 1, "records were removed from the end of the log")
    return Verdict(True, count)
