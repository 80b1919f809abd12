"""Intake state for dashboards and alerts: evidence not yet finished, by status, and how long it has waited."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Engine, func, select

from casework_common import metrics
from casework_intake.evidence import IN_PROGRESS
from casework_intake.tables import evidence


def _unfinished(conn: Connection) -> list[tuple[str, int, float]]:
    age = func.extract("epoch", func.now() - func.min(evidence.c.updated_at))
    query = (
        select(evidence.c.status, func.count(), age)
        .where(evidence.c.status.in_(IN_PROGRESS))
        .group_by(evidence.c.status)
    )
    found = {status: (count, float(oldest)) for status, count, oldest in conn.execute(query)}
    return [(status, *found.get(status, (0, 0.0))) for status in IN_PROGRESS]


def _counts(conn: Connection) -> Iterable[tuple[tuple[str, ...], float]]:
    return (((status,), count) for status, count, _ in _unfinished(conn))


def _oldest(conn: Connection) -> Iterable[tuple[tuple[str, ...], float]]:
    return (((status,), oldest) for status, _, oldest in _unfinished(conn))


def register(service: str, engine: Engine) -> None:
    metrics.register_state_gauges(
        service,
        engine,
        metrics.StateGauge("evidence_unfinished", "Evidence items not yet finished, by status.", ("status",), _counts),
        metrics.StateGauge(
            "evidence_unfinished_oldest_seconds",
            "Time the longest-waiting unfinished item has been in its status.",
            ("status",),
            _oldest,
        ),
    )
