"""Deadlines (docs/design.md, 'Deadlines'): a case's deadline facts and deadlines, the caller's deadlines across cases,
and the deadline rule set (``/v1/cases/{id}/deadline-facts``, ``/v1/cases/{id}/deadlines``,
``/v1/deadlines``, ``/v1/deadline-rules``)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from casework_common.openapi import Reply, api
from casework_common.web import dependency, json_body, parse_json, parse_query, principal
from casework_workflow.deadlines.service import CaseDeadlines
from casework_workflow.responses import (
    DeadlineFactsOut,
    DeadlineFactsSaved,
    DeadlineList,
    DeadlineOut,
    RuleSetOut,
    RuleSetVersions,
)
from casework_workflow.schemas import DeadlineChange, DeadlineFactsIn, DeadlinesQuery, NewDeadline

# Checked by deadlines.ruleset.parse_rule_set, which names every problem; described here in outline
# (the whole schema would let a fuzzer store a random rule set in force for everyone).
RULE_SET_BODY = {
    "type": "object",
    "description": "A rule set document in the form GET /v1/deadline-rules returns as `document`, "
    "with a new `version` id.",
    "required": ["schema_version", "version", "published", "title", "jurisdictions", "appeal", "claim_types"],
}


bp = Blueprint("deadlines", __name__)


@bp.get("/v1/cases/<case_id>/deadline-facts")
@api("A case's deadline facts (staff working on the case)", {200: DeadlineFactsOut}, errors=(403, 404))
def get_facts(case_id: str) -> Response:
    return jsonify(dependency(CaseDeadlines).facts(principal(), case_id))


@bp.put("/v1/cases/<case_id>/deadline-facts")
@api(
    "Record a case's deadline facts and recompute its deadlines",
    {200: DeadlineFactsSaved},
    body=DeadlineFactsIn,
    errors=(403, 404),
)
def put_facts(case_id: str) -> Response:
    """New computed deadlines are added, changed ones updated and those that no longer follow from
    the facts withdrawn; deadlines marked met are left alone."""
    return jsonify(dependency(CaseDeadlines).put_facts(principal(), case_id, parse_json(DeadlineFactsIn)))


@bp.get("/v1/cases/<case_id>/deadlines")
@api("A case's deadlines, most urgent first", {200: DeadlineList}, errors=(404,))
def case_deadlines(case_id: str) -> Response:
    """Members see the member-visible ones only."""
    return jsonify(items=dependency(CaseDeadlines).for_case(principal(), case_id))


@bp.post("/v1/cases/<case_id>/deadlines")
@api("Enter a deadline by hand", {201: DeadlineOut}, body=NewDeadline, errors=(403, 404))
def add_deadline(case_id: str) -> tuple[Response, int]:
    return jsonify(dependency(CaseDeadlines).add(principal(), case_id, parse_json(NewDeadline))), 201


@bp.patch("/v1/cases/<case_id>/deadlines/<deadline_id>")
@api(
    "Mark a deadline met, withdrawn or open again, or change who sees it",
    {200: DeadlineOut},
    body=DeadlineChange,
    errors=(403, 404, 409),
)
def change_deadline(case_id: str, deadline_id: str) -> Response:
    return jsonify(dependency(CaseDeadlines).change(principal(), case_id, deadline_id, parse_json(DeadlineChange)))


@bp.get("/v1/deadlines")
@api(
    "Open deadlines due soon (and overdue) on every case the caller works on",
    {200: DeadlineList},
    query=DeadlinesQuery,
    errors=(403,),
)
def due_soon() -> Response:
    return jsonify(items=dependency(CaseDeadlines).due_soon(principal(), parse_query(DeadlinesQuery).within_days))


@bp.get("/v1/deadline-rules")
@api("The deadline rule set in force", {200: RuleSetOut})
def rules() -> Response:
    return jsonify(dependency(CaseDeadlines).rules())


@bp.put("/v1/deadline-rules")
@api(
    "Upload a new version of the deadline rule set (administrators)",
    {201: Reply("The rule set now in force.", RuleSetOut)},
    body_schema=RULE_SET_BODY,
    errors=(403, 409),
)
def upload_rules() -> tuple[Response, int]:
    """Versions are kept, never overwritten; the newest applies from the next computation."""
    caller = principal()
    return jsonify(dependency(CaseDeadlines).upload_rules(caller, json_body())), 201


@bp.get("/v1/deadline-rules/versions")
@api("Every version of the deadline rule set", {200: RuleSetVersions}, errors=(403,))
def rule_versions() -> Response:
    return jsonify(items=dependency(CaseDeadlines).history(principal()))
