"""Issues raised in recruitment conversations, as the trends page shows them beside the casework
trends (issue 20: "a signal the union uses beside the casework trends").

Everything comes from organising's results API (``/v1/campaigns`` and
``/v1/campaigns/{id}/results``), which decides the scope (officials: their region, a branch's reps
and coordinator: their branch) and suppresses small counts for the region view. Nothing here counts
anything or reads a contact: it picks the campaign, labels the rows, and says what to show when
there is no campaign or organising does not answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from casework_common.vocabulary import ISSUE_CATEGORY_LABELS, ORGANISING_ROLES
from casework_portal.backend import ApiError
from casework_portal.deadlines import long_date

State = Literal["shown", "no_campaign", "unavailable"]


@dataclass(frozen=True)
class IssuesRaised:
    """What the trends page's "Issues raised in recruitment conversations" section shows.

    ``state``: "shown" (a campaign and its issues, possibly none raised yet), "no_campaign" (the
    viewer's region has none, or organising is not theirs to use) or "unavailable" (organising
    did not answer; the casework trends still show)."""

    state: State
    campaign: dict[str, Any] | None = None
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    scope: str | None = None
    branch: str | None = None
    small_cell: int | None = None

    @property
    def dates(self) -> str:
        """The chosen campaign's dates as people write them: "12 May 2031 to 16 May 2031"."""
        if not self.campaign:
            return ""
        return f"{long_date(self.campaign.get('starts_on'))} to {long_date(self.campaign.get('ends_on'))}"


def shown_to(roles: Callable[..., bool]) -> bool:
    """Whether the section belongs on the viewer's trends page: organising's users only (reps,
    coordinators, officials); caseworkers and admin see the casework trends alone."""
    return roles(*ORGANISING_ROLES)


def default_campaign(campaigns: Sequence[Mapping[str, Any]], today: dt.date) -> Mapping[str, Any] | None:
    """The viewer's region's most recent campaign: the one that started last on or before ``today``;
    when none has started yet, the next to start. ``campaigns`` come in organising's order (newest
    opened first), which breaks ties."""
    started, upcoming = [], []
    for campaign in campaigns:
        try:
            starts = dt.date.fromisoformat(str(campaign.get("starts_on")))
        except ValueError:
            continue
        (started if starts <= today else upcoming).append((starts, campaign))
    if started:
        latest = max(starts for starts, _ in started)
        return next(c for starts, c in started if starts == latest)
    if upcoming:
        soonest = min(starts for starts, _ in upcoming)
        return next(c for starts, c in upcoming if starts == soonest)
    return None


def chosen_campaign(
    campaigns: Sequence[Mapping[str, Any]], wanted: str | None, today: dt.date
) -> Mapping[str, Any] | None:
    """The campaign the viewer chose, if it is one of theirs; otherwise the most recent."""
    for campaign in campaigns:
        if wanted and campaign.get("id") == wanted:
            return campaign
    return default_campaign(campaigns, today)


def issue_rows(issues: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The table's rows (and the chart's bars) in organising's order: ``label`` "Pay · Holloway
    depot", ``category`` and ``workplace`` as labelled, ``count`` (None when organising withheld it)."""
    rows = []
    for item in issues:
        category = str(item.get("category") or "")
        label = ISSUE_CATEGORY_LABELS.get(category, category.replace("_", " ").capitalize())
        workplace = str(item.get("workplace") or "")
        suppressed = bool(item.get("suppressed")) or item.get("count") is None
        rows.append(
            {
                "label": f"{label} · {workplace}" if workplace else label,
                "category": label,
                "workplace": workplace,
                "count": None if suppressed else int(item["count"]),
            }
        )
    return rows


def gather(get: Callable[[str], Any], wanted: str | None, today: dt.date) -> IssuesRaised:
    """Ask organising (``get``: a path under its URL -> the JSON answer, raising ApiError) for the
    viewer's campaigns and the chosen one's results. A refusal to list campaigns at all (403) is
    "no campaign"; anything else that fails is "unavailable", so the page still shows the casework
    trends. An expired session (401) is raised, as on every page."""
    try:
        campaigns = list(get("/v1/campaigns").get("items") or [])
    except ApiError as error:
        if error.status == 401:
            raise
        return IssuesRaised("no_campaign" if error.status == 403 else "unavailable")
    campaign = chosen_campaign(campaigns, wanted, today)
    if campaign is None:
        return IssuesRaised("no_campaign")
    try:
        found = get(f"/v1/campaigns/{quote(str(campaign['id']), safe='')}/results")
    except ApiError as error:
        if error.status == 401:
            raise
        return IssuesRaised("unavailable")  # the campaign is there: its results could not be read
    return IssuesRaised(
        "shown",
        campaign=dict(campaign),
        campaigns=campaigns,
        rows=issue_rows(found.get("issues") or []),
        scope=found.get("scope"),
        branch=found.get("branch"),
        small_cell=found.get("small_cell"),
    )
