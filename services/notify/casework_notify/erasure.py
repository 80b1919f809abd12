"""Erasure of a case's notifications, from workflow's ``CaseDataDue`` on ``dataprotection.erasures``;
one ``CaseDataErased`` receipt for kind ``notifications`` (docs/design.md, 'Erasure in search and notify').

In one transaction: the case's inbox items, their digest entries (matched by the item's event and
recipient, or by a link to the case), the delivery records of those events and of the case's
deadline reminders, the reminders sent, and the deadlines (which carry the reference, the
membership number, reps and labels) are deleted, and the case is recorded in ``erased_cases``.
Preferences are a person's, not a case's: they stay.

A late or redelivered event about the case (or a reminder pass that read a deadline before the
erasure) must not bring anything back: :func:`refused` is asked inside the writer's transaction
under a shared advisory lock on the case, which the erasure takes exclusively, so a write either
finishes before the erasure (and is deleted by it) or sees the case erased and writes nothing.

The receipt goes after the commit; a failure before it raises and the request is handled again
(the repeat deletes nothing more and still answers). A database outage waits without spending
the record's attempts.
"""

from __future__ import annotations

import logging
import re
import uuid

from kafka import KafkaProducer
from sqlalchemy import Connection, Engine, delete, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import OperationalError

from casework.v1 import events_pb2
from casework_common import erasure, kafka, metrics
from casework_common.events import Event
from casework_notify.tables import deadlines, deliveries, digest_items, erased_cases, inbox_items, reminders_sent

log = logging.getLogger(__name__)
_metrics = metrics.Metrics("notify")
ERASED = _metrics.counter("erasures_total", "Cases whose notifications were erased.")
REFUSED = _metrics.counter(
    "erased_case_writes_refused_total", "Notifications or deadlines of erased cases not written."
)

SERVICE = "notify"
GROUP = "notify-erasure"
KIND = erasure.held_kind(SERVICE, "notifications")
# Reminders' event ids: reminder.<deadline_id>.<due date>.<lead> (see reminders.ReminderLoop._remind).
REMINDER_EVENT_PREFIX = "reminder."


def _lock(conn: Connection, case_id: str, *, shared: bool) -> None:
    """A transaction-level advisory lock on the case: shared for writers, exclusive for erasure."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    conn.execute(text(f"SELECT {function}(hashtextextended(:key, 0))"), {"key": f"notify-erasure:{case_id}"})


def refused(conn: Connection, case_id: str | None) -> bool:
    """For a writer, inside its transaction: True when the case's notifications were erased, and
    nothing about it may be written. Holds the case's shared lock until the transaction ends."""
    if not case_id:
        return False
    _lock(conn, case_id, shared=True)
    if conn.execute(select(erased_cases.c.case_id).where(erased_cases.c.case_id == case_id)).first() is None:
        return False
    REFUSED.inc()
    return True


def erase_case(conn: Connection, case_id: str, request_id: str) -> dict[str, int]:
    """Delete everything notify holds about the case and mark it erased; rows deleted per table."""
    _lock(conn, case_id, shared=False)
    conn.execute(insert(erased_cases).values(case_id=case_id, request_id=request_id).on_conflict_do_nothing())
    try:
        case_uuid: uuid.UUID | None = uuid.UUID(case_id)
    except ValueError:
        case_uuid = None  # inbox items hold UUIDs: a case id that is not one has none
    items = (
        conn.execute(
            select(inbox_items.c.event_id, inbox_items.c.recipient).where(inbox_items.c.case_id == case_uuid)
        ).all()
        if case_uuid
        else []
    )
    event_ids = sorted({row.event_id for row in items})
    deadline_ids = list(conn.execute(select(deadlines.c.deadline_id).where(deadlines.c.case_id == case_id)).scalars())
    reminder_events = list(
        conn.execute(select(reminders_sent.c.event_id).where(reminders_sent.c.deadline_id.in_(deadline_ids))).scalars()
    )
    # Digest entries: those of the case's inbox items (written with them, same event and recipient),
    # and any whose link names the case.
    digest_match = [digest_items.c.link.op("~")(f"/cases/{re.escape(case_id)}([/?#]|$)")]
    if items:
        digest_match.append(tuple_(digest_items.c.event_id, digest_items.c.recipient).in_([tuple(r) for r in items]))
    # Delivery records: of the case's events and of its deadlines' reminders (sent or claimed).
    delivery_match = [deliveries.c.event_id.in_(sorted({*event_ids, *reminder_events}))]
    delivery_match += [
        deliveries.c.event_id.startswith(f"{REMINDER_EVENT_PREFIX}{d}.", autoescape=True) for d in deadline_ids
    ]
    removed = {
        "digest_items": conn.execute(delete(digest_items).where(or_(*digest_match))).rowcount,
        "deliveries": conn.execute(delete(deliveries).where(or_(*delivery_match))).rowcount,
        "reminders_sent": conn.execute(
            delete(reminders_sent).where(reminders_sent.c.deadline_id.in_(deadline_ids))
        ).rowcount,
        "deadlines": conn.execute(delete(deadlines).where(deadlines.c.case_id == case_id)).rowcount,
        "inbox_items": (
            conn.execute(delete(inbox_items).where(inbox_items.c.case_id == case_uuid)).rowcount if case_uuid else 0
        ),
    }
    return removed


class NotifyErasure:
    """The ``notify-erasure`` consumer's handler."""

    def __init__(self, engine: Engine, producer: KafkaProducer, service: str = SERVICE) -> None:
        self.engine = engine
        self.producer = producer
        self.service = service

    def handle(self, due: events_pb2.CaseDataDue, _event: Event) -> None:
        if not due.case_id or KIND not in erasure.kinds_held(SERVICE, due):
            return  # nothing this service holds
        try:
            with self.engine.begin() as conn:
                removed = erase_case(conn, due.case_id, due.request_id)
        except OperationalError as exc:  # the database is down: wait, do not spend attempts
            raise kafka.RetryLater(f"database: {exc.orig}") from exc
        detail = ", ".join(f"{count} {table.replace('_', ' ')}" for table, count in removed.items()) + " deleted"
        receipt = erasure.receipt(due.case_id, KIND, self.service, due.request_id, sum(removed.values()), detail)
        # After the commit; waits for the broker, and an unsent receipt raises (handled again).
        erasure.send_receipt(self.producer, receipt)
        ERASED.inc()
        log.info("case %s: notifications erased (%s; request %s)", due.case_id, detail, due.request_id)
