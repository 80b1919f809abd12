"""A campaign's results as JSON (per session, branch and region) and as CSV exports.

- Officials: the whole region, with issue counts below settings.organising_small_cell suppressed.
- A branch's reps and coordinator: their own branch only, exact counts in JSON (they logged them).
- Every CSV export is suppressed, whoever asks: a file travels further than a screen.
Counts only: no person's name, contact detail or issue text is ever part of a result.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from casework_common import spreadsheet_text
from casework_common.openapi import Reply, api
from casework_common.vocabulary import CONTACT_OUTCOME_LABELS, ISSUE_CATEGORY_LABELS, SESSION_KIND_LABELS
from casework_common.web import attachment, dependency, parse_query, principal
from casework_organising import access, results
from casework_organising.api import lookup
from casework_organising.settings import OrganisingSettings

SESSION_COLUMNS = ("branch", "place", "workplace", "department", "kind", "starts_at")
COUNT_COLUMNS = ("target", "contacts", "joins", "will_join_online", "follow_ups_open")
HEADINGS = {
    "branch": "Branch",
    "place": "Place",
    "workplace": "Workplace",
    "department": "Department",
    "kind": "Kind of session",
    "starts_at": "Starts at",
    "target": "Target contacts",
    "contacts": "Contacts",
    "joins": "Joined",
    "will_join_online": "Will join online",
    "follow_ups_open": "Follow-ups open",
    "category": "Issue",
    "count": "Times raised",
}


class Totals(BaseModel):
    """Counts of a session, a branch or the region."""

    target: int = Field(description="Contacts planned (the sessions' targets).")
    contacts: int = Field(description="Conversations logged, whatever their outcome.")
    joins: int
    will_join_online: int
    follow_ups_open: int
    outcomes: dict[str, int] = Field(description="Contacts per outcome (every outcome of the vocabulary).")


class SessionResult(Totals):
    """One session's counts, with where and when it was."""

    id: str
    branch: str
    place: str
    workplace: str
    department: str
    kind: str
    starts_at: str


class BranchResult(Totals):
    """One branch's counts over its sessions."""

    branch: str


class RegionResult(Totals):
    branches: int = Field(description="Branches with a plan (in the branch view: 1 or 0).")


class IssueResult(BaseModel):
    """How often an issue was raised at a workplace."""

    category: str
    workplace: str
    count: int | None = Field(description="null when suppressed.")
    suppressed: bool = Field(description="The count is below the small-cell threshold and withheld.")


class CampaignResults(BaseModel):
    """A campaign's results in the caller's scope."""

    campaign_id: str
    scope: Literal["region", "branch"]
    branch: str | None
    small_cell: int = Field(description="Counts of issues below this are suppressed in region views and exports.")
    sessions: list[SessionResult]
    branches: list[BranchResult]
    region: RegionResult
    issues: list[IssueResult]


class CsvParams(BaseModel):
    """Which table of the results to export."""

    model_config = ConfigDict(extra="forbid")

    table: Literal["sessions", "branches", "issues"] = Field(default="sessions", description="Which table to export.")


bp = Blueprint("results", __name__)


def scoped(campaign_id: str) -> tuple[Any, dict[str, Any], str | None]:
    """The campaign, its results in the caller's scope, and the branch they are limited to (None: the region)."""
    caller = principal()
    with dependency(Engine).connect() as conn:
        row = lookup.campaign(conn, caller, campaign_id)
        branch = None if access.runs_region(caller, row.region) else caller.branch
        return row, results.campaign_results(conn, row.id, branch), branch


def small_cell_threshold() -> int:
    """Counts of issues below this are suppressed in region views and every export."""
    return dependency(OrganisingSettings).organising_small_cell


@bp.get("/v1/campaigns/<campaign_id>/results")
@api("A campaign's results: per session, branch and region", {200: CampaignResults}, errors=(403, 404))
def campaign_results(campaign_id: str) -> Response:
    """Contacts against target, joins, will-join-online, follow-ups open and outcomes per session and
    branch, the totals, and issues raised by category and workplace. Officials see the whole region
    with issue counts below the small-cell threshold suppressed; a branch's staff see their branch."""
    row, found, branch = scoped(campaign_id)
    threshold = small_cell_threshold()
    issues = found["issues"] if branch else results.suppress_issues(found["issues"], threshold)
    return jsonify(
        campaign_id=str(row.id),
        scope="branch" if branch else "region",
        branch=branch,
        small_cell=threshold,
        **{**found, "issues": issues},
    )


@bp.get("/v1/campaigns/<campaign_id>/results.csv")
@api(
    "Export a campaign's results as CSV (small cells suppressed)",
    {
        200: Reply(
            'One table (sessions, branches or issues) as CSV; an issue count below the threshold is "<N".',
            media={"text/csv": {"type": "string"}},
            headers={"X-Suppression-Threshold": "The small-cell threshold applied."},
        )
    },
    query=CsvParams,
    errors=(403, 404),
)
def export(campaign_id: str) -> Response:
    """The same scope as the JSON results (officials: the region; branch staff: their branch),
    with small issue counts suppressed whoever asks."""
    params = parse_query(CsvParams)
    row, found, branch = scoped(campaign_id)
    threshold = small_cell_threshold()
    text = to_csv(params.table, found, threshold)
    name = f"{_slug(row.name)}-{_slug(branch) + '-' if branch else ''}{params.table}.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={
            # attachment() gives an ASCII fallback and the exact name in filename* (a name like
            # "Ŵyl" cannot go into a Latin-1 header as it is).
            "Content-Disposition": attachment(name),
            "X-Suppression-Threshold": str(threshold),
        },
    )


def to_csv(table: str, found: dict[str, Any], small_cell: int) -> str:
    """One table of ``found`` (campaign_results) as CSV for a spreadsheet: labelled columns, one
    column per outcome, issue counts below ``small_cell`` as "<small_cell"."""
    out = io.StringIO()
    writer = _SafeWriter(csv.writer(out, lineterminator="\r\n"))
    outcomes = list(results.OUTCOMES)
    outcome_headings = [CONTACT_OUTCOME_LABELS.get(name, name) for name in outcomes]
    if table == "issues":
        writer.writerow([HEADINGS["category"], HEADINGS["workplace"], HEADINGS["count"]])
        for item in results.suppress_issues(found["issues"], small_cell):
            count = f"<{small_cell}" if item["suppressed"] else item["count"]
            writer.writerow([ISSUE_CATEGORY_LABELS.get(item["category"], item["category"]), item["workplace"], count])
    elif table == "branches":
        writer.writerow([HEADINGS["branch"], *(HEADINGS[c] for c in COUNT_COLUMNS), *outcome_headings])
        for item in found["branches"]:
            writer.writerow(
                [item["branch"], *(item[c] for c in COUNT_COLUMNS), *(item["outcomes"][o] for o in outcomes)]
            )
    else:
        columns = SESSION_COLUMNS
        writer.writerow([*(HEADINGS[c] for c in columns), *(HEADINGS[c] for c in COUNT_COLUMNS), *outcome_headings])
        for item in found["sessions"]:
            cells = [SESSION_KIND_LABELS.get(item[c], item[c]) if c == "kind" else item[c] for c in columns]
            writer.writerow([*cells, *(item[c] for c in COUNT_COLUMNS), *(item["outcomes"][o] for o in outcomes)])
    return out.getvalue()


class _SafeWriter:
    """A csv writer that neutralises spreadsheet formulas in typed-in cells (places, workplaces,
    branch names): casework_common.spreadsheet_text.safe_cell on every cell."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow([spreadsheet_text.safe_cell(cell) for cell in row])


def _slug(text: str | None) -> str:
    cleaned = "".join(ch.lower() if ch.isalnum() else "-" for ch in (text or ""))
    return "-".join(part for part in cleaned.split("-") if part)[:60] or "campaign"
