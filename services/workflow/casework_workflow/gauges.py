"""Workflow state for dashboards and alerts: open referrals by target, state and region, and their age."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, Engine, func, select

from casework_common import metrics
from casework_common.vocabulary import REFERRAL_OPEN_STATES
from casework_workflow.tables import cases, referrals


def _open_referrals(conn: Connection) -> Iterator[tuple[tuple[str, ...], tuple[float, ...]]]:
    oldest = func.extract("epoch", func.now() - func.min(referrals.c.updated_at))
    query = (
        select(referrals.c.target, referrals.c.state, cases.c.region, func.count(), oldest)
        .join(cases, cases.c.id == referrals.c.case_id)
        .where(referrals.c.state.in_(REFERRAL_OPEN_STATES))
        .group_by(referrals.c.target, referrals.c.state, cases.c.region)
    )
    for target, state, region, count, age in conn.execute(query):
        yield (target, state, region), (count, float(age))


def register(service: str, engine: Engine) -> None:
    gauges = {
        "referrals_open": "Open referrals.",
        "referrals_open_oldest_seconds": "Time since the oldest open referral last moved.",
    }
    metrics.register_state_gauges(
        service, engine, metrics.StateGauges(("target", "state", "region"), gauges, _open_referrals)
    )
