"""Search's REST API: evidence search, comparators, trends and the rebuild switch."""

from __future__ import annotations

from typing import Any

import msgspec
from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict, Field

from casework_common.openapi import Reply, api
from casework_common.problems import forbidden
from casework_common.web import dependency, parse_json, parse_query, principal
from casework_search import availability
from casework_search.evidence_search import SearchParams
from casework_search.indices import SPECS, Indices
from casework_search.rebuild import Rebuilder
from casework_search.service import SearchService
from casework_search.trends import TrendParams, to_csv

# Search results are the largest answers here (tens of kB: hits with highlights, facets), and the
# search API's cost over the query itself is kept within 10 ms at the median (bench/search_latency.py
# measures it): encoded by msgspec, keys sorted as Flask's jsonify sorts them, in about a seventh of
# the standard library's time (1.1 ms against 0.14 ms for 50 hits with facets, measured).
_RESULTS = msgspec.json.Encoder(order="sorted")


def json_results(result: dict[str, Any]) -> Response:
    """``result`` as a JSON response, like ``jsonify`` (UTF-8 rather than escaped non-ASCII)."""
    return Response(_RESULTS.encode(result), mimetype="application/json")


class ComparatorParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    size: int = Field(default=10, ge=1, le=50)


class SaveComparator(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(pattern=r"^[0-9a-f]{32}$")


bp = Blueprint("search", __name__)
availability.register(bp)
_JSON_OR_CSV = {"application/json": {"type": "object"}, "text/csv": {"type": "string"}}


@bp.get("/v1/search")
@api(
    "Search the evidence the caller may see",
    {
        200: Reply(
            "Hits with highlights and their document's facts (document_date, document_kind, title), facets"
            " (case, employer, case_type, doc_type, branch, region, and kinds: pages per kind of document,"
            " each with its label) and next_cursor; fuzzy is true (and showing_results_for the query as"
            " matched) when nothing matched as typed and these are the loosened words' results."
        )
    },
    query=SearchParams,
    errors=(400, 503),
)
def search() -> Response:
    return json_results(dependency(SearchService).search(principal(), parse_query(SearchParams)))


@bp.get("/v1/cases/<case_id>/comparators")
@api(
    "Comparator cases for a case, with what matched and differed",
    {200: Reply("The comparators.")},
    query=ComparatorParams,
    errors=(403, 404, 409, 503),
)
def comparators(case_id: str) -> Response:
    params = parse_query(ComparatorParams)
    return jsonify(dependency(SearchService).find_comparators(principal(), case_id, params.size))


@bp.post("/v1/cases/<case_id>/comparators")
@api(
    "Save a comparator to the case's timeline",
    {201: Reply("The saved timeline entry.")},
    body=SaveComparator,
    errors=(403, 404, 503),
)
def save_comparator(case_id: str) -> tuple[Response, int]:
    body = parse_json(SaveComparator)
    return jsonify(dependency(SearchService).save_comparator(principal(), case_id, body.key)), 201


@bp.get("/v1/trends")
@api(
    "Case counts by period, type and employer at the caller's level",
    {200: Reply("The counts (JSON), or CSV with format=csv; small buckets are suppressed.", media=_JSON_OR_CSV)},
    query=TrendParams,
    errors=(403, 503),
)
def trends() -> Response:
    params = parse_query(TrendParams)
    result = dependency(SearchService).count_trends(principal(), params)
    if params.format == "csv":
        name = f"casework-trends-{result['level']}-{result['period']}.csv"
        return Response(
            to_csv(result),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Suppressed-Buckets": str(result["suppressed_buckets"]),
                "X-Suppression-Threshold": str(result["threshold"]),
            },
        )
    return jsonify(result)


def _require_admin() -> None:
    if not principal().has("admin"):
        raise forbidden("Only administrators rebuild the search indices.")


@bp.post("/v1/admin/reindex")
@api("Rebuild the search indices (administrators)", {202: Reply("The rebuild is requested.")}, errors=(403,))
def reindex() -> tuple[Response, int]:
    _require_admin()
    rebuilder = dependency(Rebuilder)
    rebuilder.requested.set()
    return jsonify(requested=True, completed=rebuilder.completed), 202


@bp.get("/v1/admin/reindex")
@api("The rebuild's state and the live indices (administrators)", {200: Reply("The state.")}, errors=(403,))
def reindex_status() -> Response:
    _require_admin()
    rebuilder, indices = dependency(Rebuilder), dependency(Indices)
    return jsonify(
        completed=rebuilder.completed,
        running=rebuilder.lock.locked() or rebuilder.requested.is_set(),
        indices={indices.alias(spec): indices.current_index(spec) for spec in SPECS},
    )
