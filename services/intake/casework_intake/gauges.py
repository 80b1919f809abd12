"""Intake state for dashboards and alerts: evidence not yet finished, by status, and how long it has waited."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, Engine, func, select

from casework_common import metrics
from casework_intake.evidence import IN_PROGRESS
from casework_intake.tables import evidence


def _unfinished(conn: Connection) -> Iterator[tuple[tuple[str, ...], tuple[float, ...]]]:
    oldest = func.extract("epoch", func.now() - func.min(evidence.c.updated_at))
    query = select(evidence.c.status, func.count(), oldest).where(evidence.c.status.in_(IN_PROGRESS))
    found = {status: (count, float(age)) for status, count, age in conn.execute(query.group_by(evidence.c.status))}
    for status in IN_PROGRESS:  # zero, not absent, when nothing waits: alerts and graphs need the series
        yield (status,), found.get(status, (0, 0.0))


def register(service: str, engine: Engine) -> None:
    gauges = {
        "evidence_unfinished": "Evidence items not yet finished, by status.",
        "evidence_unfinished_oldest_seconds": "Time the longest-waiting unfinished item has been in its status.",
    }
    metrics.register_state_gauges(service, engine, metrics.StateGauges(("status",), gauges, _unfinished))
