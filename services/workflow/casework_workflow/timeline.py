"""The case timeline: append-only entries with author, time and visibility.

Corrections are new entries that name the entry they correct; nothing is ever edited
(the table refuses UPDATE and DELETE).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.dialects.postgresql import insert

from casework.v1 import events_pb2
from casework_common.vocabulary import VISIBILITIES
from casework_workflow import erased
from casework_workflow.outbound import emit
from casework_workflow.tables import timeline_entries


def add(
    conn: Connection,
    case: events_pb2.CaseRef,
    *,
    author: str,
    author_role: str,
    kind: str,
    body: str,
    visibility: str,
    occurred_on: dt.date | None = None,
    corrects: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    source_key: str | None = None,
) -> uuid.UUID | None:
    """Append an entry in the caller's transaction. With ``source_key`` (an entry made from an
    event), a second call with the same key adds nothing and returns None. Every change to a case
    adds an entry, so this is also the last guard for an erased case: the ``case-erased`` problem
    (erased.py), which rolls the caller's whole change back."""
    erased.refuse_if_erased(conn, uuid.UUID(case.case_id))
    entry_id = uuid.uuid4()
    inserted = conn.execute(
        insert(timeline_entries)
        .values(
            id=entry_id,
            case_id=uuid.UUID(case.case_id),
            kind=kind,
            visibility=visibility,
            author=author,
            author_role=author_role,
            body=body,
            occurred_on=occurred_on,
            corrects=corrects,
            data=data or {},
            source_event_id=source_key,
        )
        .on_conflict_do_nothing(index_elements=["source_event_id"])
        .returning(timeline_entries.c.id)
    ).first()
    if not inserted:
        return None
    emit(
        conn,
        case.case_id,
        events_pb2.TimelineEntryAdded(
            case=case,
            entry_id=str(entry_id),
            kind=kind,
            visibility=VISIBILITIES[visibility],
            author=author,
            author_role=author_role,
        ),
    )
    return entry_id


def entries(conn: Connection, case_id: uuid.UUID, include_reps_only: bool) -> list[Row[Any]]:
    query = select(timeline_entries).where(timeline_entries.c.case_id == case_id)
    if not include_reps_only:
        query = query.where(timeline_entries.c.visibility == "member")
    return list(conn.execute(query.order_by(timeline_entries.c.created_at, timeline_entries.c.id)))


def entry_exists(conn: Connection, case_id: uuid.UUID, entry_id: uuid.UUID, include_reps_only: bool) -> bool:
    query = select(timeline_entries.c.id).where(
        timeline_entries.c.case_id == case_id, timeline_entries.c.id == entry_id
    )
    if not include_reps_only:
        query = query.where(timeline_entries.c.visibility == "member")
    return conn.execute(query).first() is not None


def to_json(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "kind": row.kind,
        "visibility": row.visibility,
        "author": row.author,
        "author_role": row.author_role,
        "body": row.body,
        "occurred_on": row.occurred_on.isoformat() if row.occurred_on else None,
        "corrects": str(row.corrects) if row.corrects else None,
        "data": row.data,
        "created_at": row.created_at.isoformat(),
    }
