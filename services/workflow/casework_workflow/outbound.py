"""Events workflow publishes on ``case.events``, always through the outbox (same transaction)."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from sqlalchemy import Connection

from casework.v1 import events_pb2
from casework_common import events
from casework_common.outbox import enqueue
from casework_workflow.tables import outbox

SERVICE = "workflow"


def case_ref(row: Any, reps: list[str]) -> events_pb2.CaseRef:
    return events_pb2.CaseRef(
        case_id=str(row.id),
        reference=row.reference,
        branch=row.branch,
        region=row.region,
        membership_number=row.membership_number,
        reps=reps,
    )


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def case_facts(row: Any) -> events_pb2.CaseFacts:
    """The case's structured facts for search: never names, contact details or free text
    (sanction, which is free text, stays out of results shown outside the caller's scope)."""
    return events_pb2.CaseFacts(
        case_id=str(row.id),
        reference=row.reference,
        status=row.status,
        case_type=row.case_type,
        branch=row.branch,
        region=row.region,
        employer=row.employer or "",
        workplace=row.workplace or "",
        sector=row.sector or "",
        allegations=list(row.allegations or []),
        outcome=row.outcome or "",
        sanction=row.sanction or "",
        incident_date=_iso(row.incident_date),
        hearing_date=_iso(row.hearing_date),
        outcome_date=_iso(row.outcome_date),
        opened_on=_iso(row.created_at.date()),
        version=int(row.updated_at.timestamp() * 1_000_000),
    )


def emit(conn: Connection, key: str, payload: Message) -> None:
    """Publish ``payload`` on case.events once the caller's transaction commits."""
    enqueue(conn, outbox, events.CASE_EVENTS, key, payload, SERVICE)
