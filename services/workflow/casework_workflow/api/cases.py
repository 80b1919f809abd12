"""Cases, their timeline, the people on them, and the generated summary (``/v1/cases``)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from casework_common.openapi import Reply, api
from casework_common.problems import not_found
from casework_common.web import dependency, parse_json, parse_query, principal
from casework_workflow import summary
from casework_workflow.cases import Cases
from casework_workflow.responses import CaseList, CaseOut, Timeline, TimelineEntryOut
from casework_workflow.schemas import CaseListQuery, CaseUpdate, Colleague, NewCase, NewEntry

bp = Blueprint("cases", __name__)
CREATED = Reply("The new case.", CaseOut, headers={"Location": "The case's URL."})


@bp.post("/v1/cases")
@api("Open a case (reps and coordinators)", {201: CREATED}, body=NewCase, errors=(403,))
def create_case() -> tuple[Response, int, dict[str, str]]:
    view = dependency(Cases).create(principal(), parse_json(NewCase))
    return jsonify(view.to_json()), 201, {"Location": f"/v1/cases/{view.id}"}


@bp.get("/v1/cases")
@api("List the cases visible to the caller", {200: CaseList}, query=CaseListQuery, errors=(400,))
def list_cases() -> Response:
    views, cursor = dependency(Cases).list(principal(), parse_query(CaseListQuery))
    return jsonify(items=[v.to_json() for v in views], next_cursor=cursor)


@bp.get("/v1/cases/<case_id>")
@api("Read a case", {200: CaseOut}, errors=(404,))
def get_case(case_id: str) -> Response:
    view = dependency(Cases).get(principal(), case_id)
    if view is None:
        raise not_found("case")
    return jsonify(view.to_json())


@bp.patch("/v1/cases/<case_id>")
@api(
    "Change a case's fields (each change is a timeline entry)",
    {200: CaseOut},
    body=CaseUpdate,
    errors=(403, 404, 409),
)
def update_case(case_id: str) -> Response:
    """409 for an erased case (``case-erased``), and for a change of the member's name on a case under a
    legal hold (``update-refused``, ``refusal``: ``legal_hold``): the whole edit is refused, nothing changes;
    the name stays as filed until the hold is released."""
    return jsonify(dependency(Cases).update(principal(), case_id, parse_json(CaseUpdate)).to_json())


@bp.get("/v1/cases/<case_id>/timeline")
@api("Read a case's timeline", {200: Timeline}, errors=(404,))
def get_timeline(case_id: str) -> Response:
    return jsonify(items=dependency(Cases).read_timeline(principal(), case_id))


@bp.post("/v1/cases/<case_id>/timeline")
@api("Add a timeline entry", {201: TimelineEntryOut}, body=NewEntry, errors=(403, 404))
def add_entry(case_id: str) -> tuple[Response, int]:
    caller = principal()
    entry = parse_json(NewEntry)
    return jsonify(dependency(Cases).add_entry(caller, case_id, entry)), 201


def _people_response(kind: str, case_id: str) -> Response:
    colleague = parse_json(Colleague)
    return jsonify(dependency(Cases).add_rep(principal(), case_id, colleague.username, kind).to_json())


@bp.post("/v1/cases/<case_id>/reps")
@api("Assign a rep to a case", {200: CaseOut}, body=Colleague, errors=(403, 404))
def assign_rep(case_id: str) -> Response:
    return _people_response("assigned", case_id)


@bp.post("/v1/cases/<case_id>/shares")
@api("Share a case with a colleague", {200: CaseOut}, body=Colleague, errors=(403, 404))
def share(case_id: str) -> Response:
    return _people_response("shared", case_id)


@bp.delete("/v1/cases/<case_id>/reps/<username>")
@bp.delete("/v1/cases/<case_id>/shares/<username>")
@api("Take a rep or a share off a case", {200: CaseOut}, errors=(403, 404))
def remove_rep(case_id: str, username: str) -> Response:
    return jsonify(dependency(Cases).remove_rep(principal(), case_id, username).to_json())


@bp.get("/v1/cases/<case_id>/summary")
@api(
    "The generated case summary (reps' view)",
    {200: Reply("The summary: facts, dates and timeline highlights.")},
    errors=(403, 404),
)
def case_summary(case_id: str) -> Response:
    return jsonify(summary.for_caller(dependency(Cases), principal(), case_id))
