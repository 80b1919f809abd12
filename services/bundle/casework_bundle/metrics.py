"""The bundle service's metrics (casework_bundle_*): builds by outcome, their duration and pages, and
the bundles waiting or being built (read from the database at scrape time)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, Engine, func, select

from casework_bundle.tables import bundles
from casework_common import metrics

SERVICE = "bundle"
_factory = metrics.Metrics(SERVICE)

REQUESTED = _factory.counter("requests_total", "Bundles asked for, by the asker's role.", ("role",))
BUILDS = _factory.counter(
    "builds_total", "Bundle builds finished, by outcome (ready, failed, skipped: already finished).", ("outcome",)
)
BUILD_SECONDS = _factory.histogram(
    "build_duration_seconds",
    "Time to build one bundle, from the worker taking the job to the volumes stored.",
    buckets=(1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800),
)
PAGES = _factory.counter("pages_total", "Numbered pages of the bundles built.")
DOWNLOADS = _factory.counter("volume_downloads_total", "Bundle volumes downloaded.")
UNFINISHED = ("queued", "building")


def _unfinished(conn: Connection) -> Iterator[tuple[tuple[str, ...], tuple[float, ...]]]:
    oldest = func.extract("epoch", func.now() - func.min(bundles.c.updated_at))
    query = select(bundles.c.status, func.count(), oldest).where(bundles.c.status.in_(UNFINISHED))
    found = {status: (count, float(age)) for status, count, age in conn.execute(query.group_by(bundles.c.status))}
    for status in UNFINISHED:  # zero, not absent, when nothing waits: alerts and graphs need the series
        yield (status,), found.get(status, (0, 0.0))


def register_state_gauges(engine: Engine) -> None:
    """Bundles queued or building, and how long the oldest has waited (the API process exposes them)."""
    gauges = {
        "bundles_unfinished": "Bundles queued or being built, by status.",
        "bundles_unfinished_oldest_seconds": "Time the longest-waiting unfinished bundle has been in its status.",
    }
    metrics.register_state_gauges(SERVICE, engine, metrics.StateGauges(("status",), gauges, _unfinished))
