"""Intake state for dashboards and alerts: evidence not yet finished, by status, and how long it has
waited; the mailroom's queues (held mail, unfiled scanned pages), how much waits and for how long."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Column, Connection, Engine, Table, func, select

from casework_common import metrics
from casework_common.vocabulary import EVIDENCE_IN_PROGRESS, HOLD_STATES
from casework_intake.tables import evidence, mail_messages, scan_parts

WAITING = "waiting"
# What people decide about the queues, counted where they decide (intake's API: api_mail, api_scanning).
HELD_DECISIONS = metrics.Metrics("intake").counter(
    "held_decisions_total",
    "Held mail and unfiled scanned pages a person accepted or rejected.",
    ("queue", "decision"),
)
if WAITING not in HOLD_STATES:  # the states are defined in events.proto: fail at start, not at every scrape
    raise RuntimeError(f"HOLD_STATES has no {WAITING!r}: {sorted(HOLD_STATES)}")
# Queue name (as in held_decisions_total's `queue` label) -> its table and when a row joined it.
QUEUES: dict[str, tuple[Table, Column]] = {
    "mail": (mail_messages, mail_messages.c.received_at),
    "unfiled": (scan_parts, scan_parts.c.created_at),
}


def _unfinished(conn: Connection) -> Iterator[tuple[tuple[str, ...], tuple[float, ...]]]:
    oldest = func.extract("epoch", func.now() - func.min(evidence.c.updated_at))
    query = select(evidence.c.status, func.count(), oldest).where(evidence.c.status.in_(EVIDENCE_IN_PROGRESS))
    found = {status: (count, float(age)) for status, count, age in conn.execute(query.group_by(evidence.c.status))}
    for status in EVIDENCE_IN_PROGRESS:  # zero, not absent, when nothing waits: alerts and graphs need the series
        yield (status,), found.get(status, (0, 0.0))


def _queues(conn: Connection) -> Iterator[tuple[tuple[str, ...], tuple[float, ...]]]:
    for queue, (table, since) in QUEUES.items():
        oldest = func.coalesce(func.extract("epoch", func.now() - func.min(since)), 0)
        count, age = conn.execute(select(func.count(), oldest).where(table.c.state == WAITING)).one()
        yield (queue,), (count, float(age))  # zero when empty, as above


def register(service: str, engine: Engine) -> None:
    """Expose the gauges on this process's /metrics (the API process: one reading per replica)."""
    evidence_gauges = {
        "evidence_unfinished": "Evidence items not yet finished, by status.",
        "evidence_unfinished_oldest_seconds": "Time the longest-waiting unfinished item has been in its status.",
    }
    metrics.register_state_gauges(service, engine, metrics.StateGauges(("status",), evidence_gauges, _unfinished))
    queue_gauges = {
        "queue_waiting": "Held mail (queue=mail) and unfiled scanned parts (queue=unfiled) waiting for a person.",
        "queue_waiting_oldest_seconds": "How long the longest-waiting item of each queue has waited.",
    }
    metrics.register_state_gauges(service, engine, metrics.StateGauges(("queue",), queue_gauges, _queues))
