"""Append-only audit log of every change and every read of case or evidence data.

Each record carries the hash of the one before it, so editing, removing or reordering any
record breaks the chain; :func:`verify` finds the first broken link. Appends take the chain
head's row lock, so records are strictly ordered. The table refuses DELETE and every UPDATE
but one: the redaction of a record's personal content (a trigger, migrations 0002 and 0010).

Two schemes (the ``scheme`` column):

* **1**, records written before migration 0010: the hash covers the full content. They verify
  as before and cannot be redacted (their hash could no longer be checked without the content).
* **2**, every record since: the personal content (``actor``, ``resource``, ``detail`` and a
  random ``content_salt``) is reduced to ``content_digest``, and the chain is hashed over the
  digest and the record's frame (id, time, role, action, case, and the actor unless the actor is
  the member). :func:`redact_case` can then clear a case's content while the chain still verifies.
  The salt keeps the digest from confirming a guess ("was the member M100001?") once the content is
  gone; it is cleared with the content.

Why the actor is in the frame: who read or changed a case is what an audit trail is for, and
staff accountability outlives the member's data. A member acting on their own case is the
exception: their username would tie the anonymised case back to them, so for ``member`` records
the actor is only in the redactable content.

Which records an erasure redacts (:func:`redact_case`): every record *of* the case (``case_id``),
and every case-less record that puts the case next to the member's identity: a record whose
``detail.cases`` lists the case and whose actor is a member (their own case list, calendar-feed
fetch) or whose resource names a member (``member:<number>``, subject-access records). Such a
record loses its content whole (also the other cases it listed: it cannot be cut in part), keeps
``{"redacted": true, "erased_case": "<id>"}`` so the reason stays checkable, and a member actor
becomes ``[redacted]``. Staff records that list the case (a rep's case list) are not redacted: a
case id next to a staff name says nothing about the member once the case is anonymised, and it
is what an access review needs. The alternative, one subject-access record per case, was not
taken: consecutive records written in the same instant would still tie the erased case to the
member named in its neighbour. What is left: case-less member records that name no case (a
search: a count; a calendar feed created) keep the member's username; they are the member's
account activity, not the case's, and only the time of day could relate them to it.

Who may redact: only an erasure may. The trigger (migration 0010) allows the redaction only of a
record whose case (``case_id``, or ``erased_case`` for the case-less ones above, which must be in
the record's ``detail.cases``) has a ``case_record`` row in ``data_erasures``, and :func:`verify`
reports a redacted record whose case has none (a superuser who bypassed the trigger).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update

from casework_common.auth import Principal
from casework_workflow.tables import audit_head, audit_log, data_erasures

log = logging.getLogger(__name__)

GENESIS = "genesis"
LEGACY_SCHEME = 1
SCHEME = 2
# What a redacted record holds in place of its content (the trigger in migration 0010 insists on it).
REDACTED_DETAIL: dict[str, Any] = {"redacted": True}
REDACTED_ACTOR = "[redacted]"
# The one role whose actor name is personal data of the case's subject (see the module docstring).
SUBJECT_ROLE = "member"
#: How a record's resource names a member (subject access): ``member:<membership number>``.
MEMBER_RESOURCE = "member:"
#: The erasure kind whose row in ``data_erasures`` allows a case's audit records to be redacted.
ERASURE_KIND = "case_record"
#: In a redacted case-less record: the erased case it named (the reason it was redacted).
ERASED_CASE = "erased_case"


def member_resource(membership_number: str) -> str:
    """The resource of a record about a member as a whole (subject access): redacted with their cases."""
    return f"{MEMBER_RESOURCE}{membership_number}"


def _digest(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _legacy_fields(
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
    """Scheme 1: what a pre-0010 record's hash covers (everything)."""
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


def content_digest(salt: str, actor: str, resource: str | None, detail: dict[str, Any]) -> str:
    """Scheme 2: the SHA-256 of a record's redactable content."""
    return _digest({"salt": salt, "actor": actor, "resource": resource, "detail": detail})


def _frame(
    record_id: int,
    at: dt.datetime,
    actor: str,
    actor_role: str,
    action: str,
    case_id: uuid.UUID | None,
    digest: str,
    prev_hash: str,
) -> dict[str, Any]:
    """Scheme 2: what the chain hash covers (never the content itself, only its digest)."""
    return {
        "scheme": SCHEME,
        "id": record_id,
        "at": at.astimezone(dt.UTC).isoformat(),
        "actor": None if actor_role == SUBJECT_ROLE else actor,
        "actor_role": actor_role,
        "action": action,
        "case_id": str(case_id) if case_id else None,
        "content_digest": digest,
        "prev_hash": prev_hash,
    }


# The three statements every record runs, built once: with the values passed at execution rather
# than baked into the statement, SQLAlchemy compiles each once and skips rebuilding its cache key.
# Every search's scope lookup writes a record, so this is on the search API's path (measured in
# one process against Postgres: 2.2 ms -> 1.4 ms per record and commit).
_HEAD = select(audit_head).with_for_update()
_INSERT = audit_log.insert()
_MOVE_HEAD = update(audit_head)


def record(
    conn: Connection,
    actor: Principal,
    action: str,
    case_id: uuid.UUID | str | None = None,
    resource: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one record in the caller's transaction (it commits or vanishes with the change)."""
    head = conn.execute(_HEAD).one()
    case_uuid = uuid.UUID(str(case_id)) if case_id else None
    at = dt.datetime.now(dt.UTC)
    detail = json.loads(json.dumps(detail or {}, default=str))  # exactly what JSONB will give back
    salt = secrets.token_hex(16)
    digest = content_digest(salt, actor.username, resource, detail)
    record_id = head.last_id + 1
    chain_hash = _digest(
        _frame(record_id, at, actor.username, actor.primary_role, action, case_uuid, digest, head.last_hash)
    )
    conn.execute(
        _INSERT,
        {
            "id": record_id,
            "at": at,
            "actor": actor.username,
            "actor_role": actor.primary_role,
            "action": action,
            "case_id": case_uuid,
            "resource": resource,
            "detail": detail,
            "prev_hash": head.last_hash,
            "hash": chain_hash,
            "scheme": SCHEME,
            "content_salt": salt,
            "content_digest": digest,
        },
    )
    conn.execute(_MOVE_HEAD, {"last_id": record_id, "last_hash": chain_hash})


class NotErased(Exception):
    """The case has no ``case_record`` erasure: its audit records may not be redacted."""


def redact_case(conn: Connection, case_id: uuid.UUID | str) -> int:
    """Clear the personal content of an erased case's audit records, in the caller's transaction.

    The case must already have its ``case_record`` row in ``data_erasures`` (the erasure inserts it
    first, in the same transaction); otherwise :class:`NotErased`, and the trigger would refuse too.
    Each scheme-2 record of the case keeps its frame, ``content_digest`` and ``hash`` (so
    :func:`verify` still walks the chain) and loses ``detail``, ``resource``, ``content_salt`` and,
    when the actor was the member, ``actor``; ``redacted_at`` says when. Case-less records that list
    the case next to the member's identity go the same way (the module docstring says which), with
    ``detail`` ``{"redacted": true, "erased_case": <id>}``. Idempotent. Scheme-1 records (written
    before migration 0010) cannot be redacted without breaking the chain: they are left as they are
    and logged. Returns the number of records redacted now.
    """
    case_uuid = uuid.UUID(str(case_id))
    erased = select(data_erasures.c.case_id).where(
        data_erasures.c.case_id == case_uuid, data_erasures.c.kind == ERASURE_KIND
    )
    if conn.execute(erased).first() is None:
        raise NotErased(f"case {case_uuid} has no {ERASURE_KIND} erasure; its audit records stay as written")
    now = dt.datetime.now(dt.UTC)
    pending = audit_log.c.redacted_at.is_(None) & (audit_log.c.scheme == SCHEME)
    mine = pending & (audit_log.c.case_id == case_uuid)
    naming = (
        pending
        & audit_log.c.case_id.is_(None)
        & audit_log.c.detail["cases"].contains([str(case_uuid)])
        & ((audit_log.c.actor_role == SUBJECT_ROLE) | audit_log.c.resource.startswith(MEMBER_RESOURCE))
    )
    member = audit_log.c.actor_role == SUBJECT_ROLE
    cleared: dict[str, Any] = {"resource": None, "content_salt": None, "redacted_at": now}
    redacted = 0
    for which, detail in ((mine, REDACTED_DETAIL), (naming, {**REDACTED_DETAIL, ERASED_CASE: str(case_uuid)})):
        redacted += conn.execute(update(audit_log).where(which & ~member).values(detail=detail, **cleared)).rowcount
        redacted += conn.execute(
            update(audit_log).where(which & member).values(detail=detail, actor=REDACTED_ACTOR, **cleared)
        ).rowcount
    legacy = conn.execute(
        select(func.count())
        .select_from(audit_log)
        .where((audit_log.c.case_id == case_uuid) & (audit_log.c.scheme == LEGACY_SCHEME))
    ).scalar_one()
    if legacy:
        log.warning(
            "audit records from before content digests keep their content",
            extra={"case_id": str(case_uuid), "records": legacy},
        )
    return redacted


@dataclass(frozen=True)
class Verdict:
    intact: bool
    records: int
    broken_at: int | None = None
    reason: str = ""
    head_id: int = 0
    head_hash: str = GENESIS


def _chain_hash(row: Any) -> str:
    if row.scheme == LEGACY_SCHEME:
        fields = _legacy_fields(
            row.id, row.at, row.actor, row.actor_role, row.action, row.case_id, row.resource, row.detail, row.prev_hash
        )
        return _digest(fields)
    return _digest(
        _frame(row.id, row.at, row.actor, row.actor_role, row.action, row.case_id, row.content_digest, row.prev_hash)
    )


def _content_intact(row: Any) -> bool:
    if row.scheme == LEGACY_SCHEME or row.redacted_at is not None:
        return True  # scheme 1: the chain hash covers the content; redacted: nothing left to check
    salt = row.content_salt or ""
    return content_digest(salt, row.actor, row.resource, row.detail) == row.content_digest


def _redacted_case(row: Any) -> str | None:
    """The erased case a redacted record was redacted for: its own, or the one its marker names."""
    if row.case_id is not None:
        return str(row.case_id)
    named = row.detail.get(ERASED_CASE) if isinstance(row.detail, dict) else None
    return named if isinstance(named, str) else None


def _redaction_well_formed(row: Any) -> bool:
    """A redacted record holds exactly the marker (else someone wrote content after redaction):
    ``{"redacted": true}`` for a case's record, plus the erased case's id for a case-less one."""
    if row.redacted_at is None:
        return True
    marker = REDACTED_DETAIL if row.case_id is not None else {**REDACTED_DETAIL, ERASED_CASE: _redacted_case(row)}
    return (
        row.scheme == SCHEME
        and row.detail == marker
        and _redacted_case(row) is not None
        and row.resource is None
        and row.content_salt is None
        and (row.actor_role != SUBJECT_ROLE or row.actor == REDACTED_ACTOR)
    )


def _first_redacted_without_erasure(conn: Connection, redactions: list[tuple[int, str]]) -> int | None:
    """The first record redacted for a case with no ``case_record`` erasure (the trigger refuses
    those, so only someone who bypassed it made one). Read after the walk: erasures are never
    deleted, so this sees every erasure that was committed before any redaction the walk saw."""
    if not redactions:
        return None
    erased = {
        str(case_id)
        for case_id in conn.execute(
            select(data_erasures.c.case_id).where(data_erasures.c.kind == ERASURE_KIND)
        ).scalars()
    }
    return next((record_id for record_id, case in redactions if case not in erased), None)


# The isolation level of a connection that walks the whole chain (verify, verify_with_hashes without
# ``upto``): the walk and the head it ends at must be one snapshot, or a record appended (committed)
# between the two statements reads as "records were removed from the end of the log".
ONE_SNAPSHOT = "REPEATABLE READ"


def verify(conn: Connection) -> Verdict:
    """Walk the chain from the start; report the first record that does not fit. ``conn``: one
    snapshot (``ONE_SNAPSHOT``) while the service appends."""
    return verify_with_hashes(conn, set())[0]


def verify_with_hashes(
    conn: Connection,
    wanted: set[int],
    start: tuple[int, str] | None = None,
    upto: int | None = None,
) -> tuple[Verdict, dict[int, str]]:
    """:func:`verify`, also returning the stored hash of each record id in ``wanted`` that exists
    (the anchors' ids, held against the anchors by audit_anchors.verify_against_anchors).

    ``start``: (id, hash) of a record already known good (the last anchor this process wrote):
    only the records after it are walked. ``upto``: stop after that record and leave the head
    alone (appends may have moved it since). The verdict's ``records`` counts from the start.
    """
    first_id, prev_hash = (start[0] + 1, start[1]) if start else (1, GENESIS)
    query = select(audit_log).where(audit_log.c.id >= first_id).order_by(audit_log.c.id)
    if upto is not None:
        query = query.where(audit_log.c.id <= upto)
    verdict, found, redactions = _walk(conn, query, first_id, prev_hash, upto, wanted)
    unerased = _first_redacted_without_erasure(conn, redactions)
    if unerased is not None and (verdict.intact or verdict.broken_at is None or unerased < verdict.broken_at):
        return Verdict(False, unerased - 1, unerased, "it was redacted, but its case was never erased"), found
    return verdict, found


def _walk(
    conn: Connection, query: Any, first_id: int, prev_hash: str, upto: int | None, wanted: set[int]
) -> tuple[Verdict, dict[int, str], list[tuple[int, str]]]:
    """The chain walk of :func:`verify_with_hashes`: its verdict, the hashes of ``wanted`` ids, and
    (id, erased case) of each redacted record walked, for the erasure check after the walk."""
    found: dict[int, str] = {}
    redactions: list[tuple[int, str]] = []
    expected_id, count = first_id, first_id - 1
    for row in conn.execute(query).yield_per(1000):
        if row.id != expected_id:
            return Verdict(False, count, expected_id, f"record {expected_id} is missing"), found, redactions
        if row.prev_hash != prev_hash:
            return Verdict(False, count, row.id, "does not follow the record before it"), found, redactions
        if _chain_hash(row) != row.hash or not _content_intact(row) or not _redaction_well_formed(row):
            return Verdict(False, count, row.id, "its contents were changed after it was written"), found, redactions
        if row.redacted_at is not None:
            redactions.append((row.id, _redacted_case(row) or ""))
        if row.id in wanted:
            found[row.id] = row.hash
        prev_hash, expected_id, count = row.hash, expected_id + 1, count + 1
    if upto is not None:
        if count != upto:
            return Verdict(False, count, count + 1, f"record {count + 1} is missing"), found, redactions
        return Verdict(True, count, head_id=count, head_hash=prev_hash), found, redactions
    head = conn.execute(select(audit_head)).one()
    if head.last_id != count or head.last_hash != prev_hash:
        return Verdict(False, count, count + 1, "records were removed from the end of the log"), found, redactions
    return Verdict(True, count, head_id=count, head_hash=prev_hash), found, redactions
