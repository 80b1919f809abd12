"""Workflow state for dashboards and alerts: open referrals by target, state and region, and their age."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Engine, func, select

from casework_common import metrics
from casework_workflow.referrals import OPEN_STATES
from casework_workflow.tables import cases, referrals


def _open_referrals(conn: Connection) -> list[tuple[str, str, str, int, float]]:
    age = func.extract("epoch", func.now() - func.min(referrals.c.updated_at))
    query = (
        select(referrals.c.target, referrals.c.state, cases.c.region, func.count(), age)
        .join(cases, cases.c.id == referrals.c.case_id)
        .where(referrals.c.state.in_(OPEN_STATES))
        .group_by(referrals.c.target, referrals.c.state, cases.c.region)
    )
    return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def _counts(conn: Connection) -> Iterable[tuple[tuple[str, ...], float]]:
    return (((target, state, region), count) for target, state, region, count, _ in _open_referrals(conn))


def _oldest(conn: Connection) -> Iterable[tuple[tuple[str, ...], float]]:
    return (((target, state, region), float(age)) for target, state, region, _, age in _open_referrals(conn))


def register(service: str, engine: Engine) -> None:
    labels = ("target", "state", "region")
    metrics.register_state_gauges(
        service,
        engine,
        metrics.StateGauge("referrals_open", "Open referrals.", labels, _counts),
        metrics.StateGauge(
            "referrals_open_oldest_seconds", "Time since the oldest open referral last moved.", labels, _oldest
        ),
    )
