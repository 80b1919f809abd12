"""Employer trends: counts of cases by employer × case type × outcome × period, for a
branch, a region or the whole union depending on the caller's role, with small buckets
suppressed so no count points at an individual."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any, Literal

from opensearchpy import OpenSearch
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from casework_common import spreadsheet_text
from casework_common.auth import Principal
from casework_common.problems import forbidden
from casework_search.evidence_search import Values, _as_list
from casework_search.index_documents import employer_key
from casework_search.indices import CASES, Indices

Level = Literal["branch", "region", "national"]
# The levels each role may count at; the first is its default. Counts are aggregates with
# small buckets suppressed, so a rep may see their branch and region, not only their cases.
ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    "admin": ("national",),
    "official": ("region", "national"),
    "caseworker": ("region", "national"),
    "coordinator": ("branch", "region"),
    "rep": ("branch", "region"),
}
NOT_RECORDED = "(not recorded)"


class TrendParams(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    level: Level | None = None
    period: Literal["month", "quarter", "year"] = "quarter"
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None
    employer: Values = Field(default_factory=list, max_length=20)
    case_type: Annotated[list[str], BeforeValidator(_as_list)] = Field(default_factory=list, max_length=20)
    format: Literal["json", "csv"] = "json"


def allowed_levels(caller: Principal) -> list[str]:
    levels: list[str] = []
    for role, role_levels in ROLE_LEVELS.items():
        if caller.has(role):
            levels += [level for level in role_levels if level not in levels]
    return levels


def level_filter(caller: Principal, requested: str | None) -> tuple[str, str, list[dict[str, Any]]]:
    """(level, the branch/region counted, filters) for the caller, or 403."""
    levels = allowed_levels(caller)
    if not levels:
        raise forbidden("Trends are for union staff: reps, coordinators, officials, caseworkers and admins.")
    level = requested or levels[0]
    if level not in levels:
        raise forbidden(f"Your role counts trends at these levels: {', '.join(levels)}.")
    if level == "national":
        return level, "", []
    value = caller.branch if level == "branch" else caller.region
    if not value:
        raise forbidden(f"Your account has no {level}; ask an administrator.")
    return level, value, [{"term": {level: value}}]


def period_label(epoch_ms: int, period: str) -> str:
    day = dt.datetime.fromtimestamp(epoch_ms / 1000, dt.UTC).date()
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


class Trends:
    def __init__(self, client: OpenSearch, indices: Indices, threshold: int) -> None:
        self.client = client
        self.indices = indices
        self.threshold = threshold

    def count(self, caller: Principal, params: TrendParams) -> dict[str, Any]:
        level, value, filters = level_filter(caller, params.level)
        if params.opened_from or params.opened_to:
            bounds = {}
            if params.opened_from:
                bounds["gte"] = params.opened_from.isoformat()
            if params.opened_to:
                bounds["lte"] = params.opened_to.isoformat()
            filters.append({"range": {"opened_on": bounds}})
        if params.employer:
            filters.append({"terms": {"employer_key": [employer_key(e) for e in params.employer]}})
        if params.case_type:
            filters.append({"terms": {"case_type": params.case_type}})
        sources = [
            {"employer": {"terms": {"field": "employer", "missing_bucket": True}}},
            {"case_type": {"terms": {"field": "case_type"}}},
            {"outcome": {"terms": {"field": "outcome", "missing_bucket": True}}},
            {"period": {"date_histogram": {"field": "opened_on", "calendar_interval": params.period}}},
        ]
        buckets: list[dict[str, Any]] = []
        suppressed = 0
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": 1000, "sources": sources, **({"after": after} if after else {})}
            result = self.client.search(
                index=self.indices.alias(CASES),
                body={"size": 0, "query": {"bool": {"filter": filters}}, "aggs": {"t": {"composite": composite}}},
            )
            agg = result["aggregations"]["t"]
            for b in agg["buckets"]:
                if b["doc_count"] < self.threshold:
                    suppressed += 1
                    continue
                key = b["key"]
                buckets.append(
                    {
                        "period": period_label(key["period"], params.period),
                        "employer": key["employer"] or NOT_RECORDED,
                        "case_type": key["case_type"],
                        "outcome": key["outcome"] or NOT_RECORDED,
                        "count": b["doc_count"],
                    }
                )
            after = agg.get("after_key")
            if not agg["buckets"] or not after:
                break
        buckets.sort(key=lambda b: (b["period"], b["employer"], b["case_type"], b["outcome"]))
        return {
            "level": level,
            "levels": allowed_levels(caller),  # what the caller may ask for instead
            "scope": value,
            "period": params.period,
            "threshold": self.threshold,
            "buckets": buckets,
            "suppressed_buckets": suppressed,
        }


CSV_COLUMNS = ("period", "employer", "case_type", "outcome", "count")


def to_csv(trends: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for bucket in trends["buckets"]:
        # Employer names are user input: neutralise spreadsheet formulas (CSV injection).
        writer.writerow({k: spreadsheet_text.safe_cell(v) for k, v in bucket.items()})
    return out.getvalue()
