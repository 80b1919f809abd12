"""Refused requests of every service (events on audit.refusals, see casework_common.refusals) become
audit records: ``request.refused`` for one refusal, ``request.refused.suppressed`` for the count a
service held back for one caller and window. Each event is recorded once however often it arrives."""

from __future__ import annotations

from sqlalchemy import Engine, exists, select, text

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_common.events import Event
from casework_workflow import audit
from casework_workflow.tables import audit_log

ACTION = "request.refused"


class RefusalLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def handle(self, refused: events_pb2.RequestRefused, event: Event) -> None:
        """Append the refusal to the audit log, unless this event is there already (a redelivery)."""
        action = f"{ACTION}.suppressed" if refused.suppressed else ACTION
        caller = Principal(
            subject=refused.subject,
            username=refused.username or "anonymous",
            roles=frozenset({refused.role}) if refused.role and refused.role != "none" else frozenset(),
            client=refused.client or None,
        )
        detail = {
            "event_id": event.event_id,
            "service": refused.service,
            "status": refused.status,
            "reason": refused.reason,
            "subject": refused.subject or None,
            "client": refused.client or None,
            "remote_address": refused.remote_address or None,
            "method": refused.method,
            "route": refused.route,
            "path": refused.path,
            "trace_id": refused.trace_id or event.trace_id,
        }
        if refused.suppressed:
            detail |= {"suppressed": refused.suppressed, "window_seconds": refused.window_seconds}
        with self.engine.begin() as conn:
            # Written as the unique index of migration 0004 is (literal action pattern and key), so it is used.
            seen = (
                exists()
                .select_from(audit_log)
                .where(
                    text(f"action LIKE '{ACTION}%' AND detail->>'event_id' = :event_id").bindparams(
                        event_id=event.event_id
                    )
                )
            )
            if conn.execute(select(seen)).scalar():
                return
            audit.record(conn, caller, action, refused.case_id or None, refused.resource or None, detail)
