"""A campaign's results: contacts against target, joins, follow-ups open, outcomes and issues raised,
per session, branch and region. The API (api/results.py) and the Prometheus collector (metrics.py)
both count through the queries here, so a dashboard and a CSV export never disagree.

Every count is a GROUP BY in the database over the scope columns denormalised onto each row
(campaign_id, branch): nothing here reads a person's details, so the counts stay the same after the
retention pass empties them. A contact is every conversation logged, whatever its outcome.

Small-cell suppression (:func:`suppress_issues`): in the region view and every CSV export, an issue
count below settings.organising_small_cell is withheld (count None, suppressed True), so a rare
issue at a small workplace cannot point at the one person who raised it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, select

from casework_common.vocabulary import CONTACT_OUTCOMES, JOIN_OUTCOME, WILL_JOIN_ONLINE_OUTCOME
from casework_organising.tables import campaigns, contacts, follow_ups, plans, sessions

OUTCOMES: tuple[str, ...] = tuple(CONTACT_OUTCOMES)


@dataclass(frozen=True)
class Scope:
    """Whose results: campaigns (None: every campaign) and one branch (None: every branch)."""

    campaign_ids: Sequence[uuid.UUID] | None = None
    branch: str | None = None

    def where(self, table: Any) -> Any:
        """The filter on a table carrying campaign_id and branch."""
        conditions = []
        if self.campaign_ids is not None:
            conditions.append(table.c.campaign_id.in_(list(self.campaign_ids)))
        if self.branch is not None:
            conditions.append(table.c.branch == self.branch)
        return and_(True, *conditions)


def outcome_counts(conn: Connection, scope: Scope) -> list[tuple[uuid.UUID, str, uuid.UUID, str, int]]:
    """(campaign_id, branch, session_id, outcome, contacts) for every pair that has any."""
    query = (
        select(contacts.c.campaign_id, contacts.c.branch, contacts.c.session_id, contacts.c.outcome, func.count())
        .where(scope.where(contacts))
        .group_by(contacts.c.campaign_id, contacts.c.branch, contacts.c.session_id, contacts.c.outcome)
    )
    return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def open_follow_ups(conn: Connection, scope: Scope) -> list[tuple[uuid.UUID, str, uuid.UUID, int]]:
    """(campaign_id, branch, session_id, follow-ups open)."""
    query = (
        select(follow_ups.c.campaign_id, follow_ups.c.branch, follow_ups.c.session_id, func.count())
        .where(scope.where(follow_ups), follow_ups.c.state == "open")
        .group_by(follow_ups.c.campaign_id, follow_ups.c.branch, follow_ups.c.session_id)
    )
    return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def session_targets(conn: Connection, scope: Scope) -> list[Any]:
    """Every session in scope with its target (rows: id, campaign_id, branch, place, workplace,
    department, kind, starts_at, target_contacts), in order of time."""
    query = (
        select(
            sessions.c.id,
            sessions.c.campaign_id,
            sessions.c.branch,
            sessions.c.place,
            sessions.c.workplace,
            sessions.c.department,
            sessions.c.kind,
            sessions.c.starts_at,
            sessions.c.target_contacts,
        )
        .where(scope.where(sessions))
        .order_by(sessions.c.starts_at, sessions.c.place, sessions.c.id)
    )
    return list(conn.execute(query))


def planned_branches(conn: Connection, scope: Scope) -> list[tuple[uuid.UUID, str]]:
    """(campaign_id, branch) of every plan in scope, so a branch with a plan but nothing logged shows zeros."""
    query = select(plans.c.campaign_id, plans.c.branch).where(scope.where(plans))
    return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def issue_counts(conn: Connection, scope: Scope, by_workplace: bool = True) -> list[tuple[Any, ...]]:
    """(campaign_id, category, workplace, count) of issues raised — or (campaign_id, branch, category,
    count) with ``by_workplace=False`` (the metrics: workplaces never become labels)."""
    place = contacts.c.workplace if by_workplace else contacts.c.branch
    query = (
        select(contacts.c.campaign_id, contacts.c.issue_category, place, func.count())
        .where(scope.where(contacts), contacts.c.issue_category.is_not(None))
        .group_by(contacts.c.campaign_id, contacts.c.issue_category, place)
    )
    return [tuple(row) for row in conn.execute(query)]


def _totals(outcomes: dict[str, int], target: int, follow_ups_open: int) -> dict[str, Any]:
    return {
        "target": target,
        "contacts": sum(outcomes.values()),
        "joins": outcomes.get(JOIN_OUTCOME, 0),
        "will_join_online": outcomes.get(WILL_JOIN_ONLINE_OUTCOME, 0),
        "follow_ups_open": follow_ups_open,
        "outcomes": {name: outcomes.get(name, 0) for name in OUTCOMES},
    }


def campaign_results(conn: Connection, campaign_id: uuid.UUID, branch: str | None) -> dict[str, Any]:
    """One campaign's results: every branch (``branch`` None, the region view) or one branch's.

    Sessions in order of time, branches by name, the region's totals, and issues raised by category
    and workplace (most raised first), unsuppressed: the caller applies :func:`suppress_issues`."""
    scope = Scope([campaign_id], branch)
    by_session: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for _, _, session_id, outcome, count in outcome_counts(conn, scope):
        by_session[session_id][outcome] = count
    open_by_session = {session_id: count for _, _, session_id, count in open_follow_ups(conn, scope)}
    session_rows = []
    branches: dict[str, dict[str, Any]] = {}
    for _, name in planned_branches(conn, scope):
        branches.setdefault(name, {"target": 0, "outcomes": defaultdict(int), "follow_ups_open": 0})
    for row in session_targets(conn, scope):
        outcomes = by_session.get(row.id, {})
        follow_ups_open = open_by_session.get(row.id, 0)
        session_rows.append(
            {
                "id": str(row.id),
                "branch": row.branch,
                "place": row.place,
                "workplace": row.workplace,
                "department": row.department,
                "kind": row.kind,
                "starts_at": row.starts_at.isoformat(),
                **_totals(outcomes, row.target_contacts, follow_ups_open),
            }
        )
        totals = branches.setdefault(row.branch, {"target": 0, "outcomes": defaultdict(int), "follow_ups_open": 0})
        totals["target"] += row.target_contacts
        totals["follow_ups_open"] += follow_ups_open
        for outcome, count in outcomes.items():
            totals["outcomes"][outcome] += count
    branch_rows = [
        {"branch": name, **_totals(dict(t["outcomes"]), t["target"], t["follow_ups_open"])}
        for name, t in sorted(branches.items())
    ]
    region_outcomes: dict[str, int] = defaultdict(int)
    for row in branch_rows:
        for outcome, count in row["outcomes"].items():
            region_outcomes[outcome] += count
    region = _totals(
        dict(region_outcomes),
        sum(row["target"] for row in branch_rows),
        sum(row["follow_ups_open"] for row in branch_rows),
    )
    region["branches"] = len(branch_rows)
    issues = [
        {"category": category, "workplace": workplace, "count": count, "suppressed": False}
        for _, category, workplace, count in issue_counts(conn, scope)
    ]
    issues.sort(key=lambda item: (-item["count"], item["category"], item["workplace"]))
    return {"sessions": session_rows, "branches": branch_rows, "region": region, "issues": issues}


def suppress_issues(issues: Iterable[dict[str, Any]], small_cell: int) -> list[dict[str, Any]]:
    """The issues with every count below ``small_cell`` withheld (count None, suppressed True); the
    suppressed rows go last, so the order gives away nothing of their size."""
    shown, hidden = [], []
    for item in issues:
        if item["count"] is not None and item["count"] < small_cell:
            hidden.append({**item, "count": None, "suppressed": True})
        else:
            shown.append({**item, "suppressed": False})
    hidden.sort(key=lambda item: (item["category"], item["workplace"]))
    return shown + hidden


# -- across campaigns: what the metrics export ----------------------------------------------------


@dataclass(frozen=True)
class CampaignKey:
    """The labels a campaign's series carry: its name (what people call it) and region."""

    name: str
    region: str


def recent_campaigns(conn: Connection, ended_within_days: int) -> dict[uuid.UUID, CampaignKey]:
    """Campaigns not yet ended, or ended within ``ended_within_days`` (older ones leave the metrics,
    so the series do not grow without bound; the API still answers for them)."""
    query = select(campaigns.c.id, campaigns.c.name, campaigns.c.region).where(
        campaigns.c.ends_on >= func.current_date() - ended_within_days
    )
    return {row.id: CampaignKey(row.name, row.region) for row in conn.execute(query)}


def branch_targets(conn: Connection, scope: Scope) -> list[tuple[uuid.UUID, str, int]]:
    """(campaign_id, branch, sum of its sessions' targets) for every planned branch (0 with no sessions)."""
    target = func.coalesce(func.sum(sessions.c.target_contacts), 0)
    query = (
        select(plans.c.campaign_id, plans.c.branch, target)
        .select_from(plans.outerjoin(sessions, sessions.c.plan_id == plans.c.id))
        .where(scope.where(plans))
        .group_by(plans.c.campaign_id, plans.c.branch)
    )
    return [(campaign_id, branch, int(total)) for campaign_id, branch, total in conn.execute(query)]
