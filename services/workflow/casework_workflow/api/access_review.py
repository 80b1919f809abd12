"""Access reviews (``/v1/data-protection/access-review``): who could read which cases in a period,
and who did (access_review.py). The query is validated before the caller's role is checked, so a
malformed query is the same 422 whoever sends it."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from casework_common.openapi import api
from casework_common.web import dependency, parse_query, principal
from casework_workflow.access_review import AccessReview, AccessReviewOut, AccessReviewQuery

bp = Blueprint("access_review", __name__)


@bp.get("/v1/data-protection/access-review")
@api(
    "Who could read each case in a period, and who did (the DPO and administrators)",
    {200: AccessReviewOut},
    query=AccessReviewQuery,
    errors=(403, 404, 503),
)
def access_review() -> Response:
    """Cases with an audit record or created in the period (or the one ``case_id``), at most 200
    a page (``next_after``). ``could_read`` is derived from the platform's records by the scope
    rules, each entry naming its ``basis`` (explained in ``derivation``); ``did_read`` counts the
    audit log's read records and case lists per actor. ``limits`` says what the report cannot
    know. Audited (dataprotection.access_review)."""
    query = parse_query(AccessReviewQuery)
    return jsonify(dependency(AccessReview).report(principal(), query))
