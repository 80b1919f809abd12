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


def emit(conn: Connection, key: str, payload: Message) -> None:
    """Publish ``payload`` on case.events once the caller's transaction commits."""
    enqueue(conn, outbox, events.CASE_EVENTS, key, payload, SERVICE)
