"""Accesses to bundles shared by link (events on audit.shares, from the bundle service's outbox) become
audit records ``bundle.share.<action>``. The recipient has no account, so the actor is the share itself
(``share:<id>``, role ``external``) and the detail names the recipient. Each event is recorded once
however often it arrives (the unique index of migration 0005)."""

from __future__ import annotations

from sqlalchemy import Engine, exists, select, text

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_common.events import Event
from casework_workflow import audit
from casework_workflow.tables import audit_log

ACTION = "bundle.share"


class ShareLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def handle(self, accessed: events_pb2.ShareAccessed, event: Event) -> None:
        """Append the access to the audit log, unless this event is there already (a redelivery)."""
        name = f"share:{accessed.share_id}"
        actor = Recipient(subject=name, username=name, roles=frozenset())
        detail = {
            "event_id": event.event_id,
            "bundle_id": accessed.bundle_id,
            "share_id": accessed.share_id,
            "outcome": accessed.outcome,
            "recipient_name": accessed.recipient_name,
            "recipient_email": accessed.recipient_email,
            "remote_address": accessed.remote_address or None,
            "attempts": accessed.attempts,
            "trace_id": accessed.trace_id or event.trace_id,
        }
        with self.engine.begin() as conn:
            # Written as the partial unique index is (literal action pattern and key), so it is used.
            seen = (
                exists()
                .select_from(audit_log)
                .where(
                    text(f"action LIKE '{ACTION}.%' AND detail->>'event_id' = :event_id").bindparams(
                        event_id=event.event_id
                    )
                )
            )
            if conn.execute(select(seen)).scalar():
                return
            audit.record(
                conn,
                actor,
                f"{ACTION}.{accessed.action}",
                accessed.case_id or None,
                accessed.resource or None,
                detail,
            )


class Recipient(Principal):
    """A share's external recipient as an audit actor: no role of the realm, so 'external'."""

    @property
    def primary_role(self) -> str:
        return "external"
