"""Organising's metrics (casework_organising_*): recruitment campaigns' counts for the chart's
"Recruitment campaigns" Grafana dashboard, read from the database by a custom collector.

- casework_organising_contacts{campaign, region, branch, outcome}: conversations logged;
- casework_organising_contact_target{campaign, region, branch}: contacts planned (sessions' targets);
- casework_organising_follow_ups_open{campaign, region, branch};
- casework_organising_issues_raised{campaign, region, category}.

The campaign label is the campaign's name (two campaigns of one region with the same name add up).
Labels are scope and vocabulary only: never a person, never a workplace (a small workplace and a
rare issue could point at someone), so the metrics hold no personal data and need no suppression.
Campaigns that ended more than ENDED_WITHIN_DAYS ago leave the metrics, so series do not pile up.

The counts come from results.py, the queries the API's results use. They are cached for
CACHE_SECONDS, so several Prometheus replicas scraping every few seconds cost one set of queries.
A committed change this process made to a table the gauges count (campaigns, plans, sessions,
contacts, follow-ups) makes the next scrape read again: a conversation logged here shows at once,
one logged through another replica within CACHE_SECONDS. (Not any commit: the outbox relay commits
every second, which would make the cache useless.)
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, event

from casework_organising import results

log = logging.getLogger(__name__)

PREFIX = "casework_organising_"
CACHE_SECONDS = 15.0
ENDED_WITHIN_DAYS = 180
BRANCH_LABELS = ("campaign", "region", "branch")
# The tables the gauges count: a write to one of them makes the cache stale once committed.
COUNTED_TABLES = frozenset({"campaigns", "plans", "sessions", "contacts", "follow_ups"})
_CHANGED = "casework_organising_counted_tables_changed"  # flag in the connection's info, until commit


@dataclass(frozen=True)
class Snapshot:
    """One reading of every gauge: label tuple -> value, per gauge."""

    contacts: dict[tuple[str, ...], float]
    contact_target: dict[tuple[str, ...], float]
    follow_ups_open: dict[tuple[str, ...], float]
    issues_raised: dict[tuple[str, ...], float]


def read(conn: Connection) -> Snapshot:
    """Every gauge's samples, from the database (see the module's docstring)."""
    found = results.recent_campaigns(conn, ENDED_WITHIN_DAYS)
    scope = results.Scope(list(found))
    contacts: dict[tuple[str, ...], float] = defaultdict(float)
    target: dict[tuple[str, ...], float] = defaultdict(float)
    follow_ups: dict[tuple[str, ...], float] = defaultdict(float)
    issues: dict[tuple[str, ...], float] = defaultdict(float)
    if not found:
        return Snapshot(contacts, target, follow_ups, issues)
    for campaign_id, branch, total in results.branch_targets(conn, scope):
        key = found[campaign_id]
        target[(key.name, key.region, branch)] += total
        follow_ups[(key.name, key.region, branch)] += 0  # zero, not absent: graphs and alerts need the series
        for outcome in results.OUTCOMES:
            contacts[(key.name, key.region, branch, outcome)] += 0
    for campaign_id, branch, _, outcome, count in results.outcome_counts(conn, scope):
        key = found[campaign_id]
        contacts[(key.name, key.region, branch, outcome)] += count
    for campaign_id, branch, _, count in results.open_follow_ups(conn, scope):
        key = found[campaign_id]
        follow_ups[(key.name, key.region, branch)] += count
    for campaign_id, category, _, count in results.issue_counts(conn, scope, by_workplace=False):
        key = found[campaign_id]
        issues[(key.name, key.region, category)] += count
    return Snapshot(contacts, target, follow_ups, issues)


class CampaignCollector(Collector):
    """The campaign gauges, read through :func:`read` at most once per CACHE_SECONDS (see the module)."""

    def __init__(self, engine: Engine, cache_seconds: float = CACHE_SECONDS) -> None:
        self.engine = engine
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._read_at = 0.0
        self._stale = True
        event.listen(engine, "after_cursor_execute", _note_counted_write)
        event.listen(engine, "commit", self._committed)
        event.listen(engine, "rollback", _forget_write)

    def _committed(self, conn: Connection) -> None:
        if conn.info.pop(_CHANGED, False):
            self._stale = True

    def _current(self) -> Snapshot | None:
        with self._lock:
            fresh = not self._stale and time.monotonic() - self._read_at < self.cache_seconds
            if self._snapshot is None or not fresh:
                self._stale = False  # before reading: a commit during the read marks it stale again
                try:
                    with self.engine.connect() as conn:
                        self._snapshot = read(conn)
                    self._read_at = time.monotonic()
                except Exception:  # a scrape must not fail because the database is away; readiness says so
                    self._stale = True
                    log.warning("organising's campaign gauges could not be read", exc_info=True)
            return self._snapshot

    def describe(self) -> Iterable[GaugeMetricFamily]:
        """The families without samples: registering must not query the database."""
        return list(self._families(None))

    def collect(self) -> Iterable[GaugeMetricFamily]:
        return list(self._families(self._current()))

    def _families(self, snapshot: Snapshot | None) -> Iterable[GaugeMetricFamily]:
        specs = (
            ("contacts", "Conversations logged in a campaign, by branch and outcome.", (*BRANCH_LABELS, "outcome")),
            ("contact_target", "Contacts a branch planned in a campaign (its sessions' targets).", BRANCH_LABELS),
            ("follow_ups_open", "Follow-ups (call again, will join online) still open, by branch.", BRANCH_LABELS),
            ("issues_raised", "Issues raised in conversations, by category.", ("campaign", "region", "category")),
        )
        for name, doc, labels in specs:
            family = GaugeMetricFamily(PREFIX + name, doc, labels=list(labels))
            if snapshot is not None:
                for values, value in sorted(getattr(snapshot, name).items()):
                    family.add_metric(list(values), value)
            yield family


def _note_counted_write(
    conn: Connection, _cursor: object, _statement: str, _parameters: object, context: Any, _many: bool
) -> None:
    """Remember, until the transaction ends, that it inserted, updated or deleted a counted table."""
    if context is None or not (context.isinsert or context.isupdate or context.isdelete):
        return
    table = getattr(getattr(context.compiled, "statement", None), "table", None)
    if getattr(table, "name", None) in COUNTED_TABLES:
        conn.info[_CHANGED] = True


def _forget_write(conn: Connection) -> None:
    conn.info.pop(_CHANGED, None)


_registered: list[CampaignCollector] = []


def register(engine: Engine) -> None:
    """Expose the campaign gauges on this process's /metrics (once per process)."""
    if _registered:
        return
    collector = CampaignCollector(engine)
    REGISTRY.register(collector)
    _registered.append(collector)
    log.info("campaign gauges registered (cached %.0f s)", CACHE_SECONDS)
