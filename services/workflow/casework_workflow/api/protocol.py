"""The referral protocol's REST API: referrals (rules 2–5), support requests (rule 6),
member enquiries and branch tasks (rule 1), branch flags (rule 7); the rules as numbered in
docs/design.md, 'Referral protocol'."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict

from casework_common.openapi import Reply, api
from casework_common.web import dependency, parse_json, parse_query, principal
from casework_workflow.branch_tasks import BranchTasks
from casework_workflow.enquiries import Enquiries
from casework_workflow.flags import BranchFlags
from casework_workflow.referrals import Referrals
from casework_workflow.responses import Items
from casework_workflow.schemas import Answer, NewEnquiry, NewReferral, NewSupportRequest, TransitionRequest
from casework_workflow.support_requests import SupportRequests


class StateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str | None = None


class StatusQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = None


bp = Blueprint("protocol", __name__)
REFERRAL = Reply("The referral: its state, the allowed next actions and its history.")
SUPPORT_REQUEST = Reply("The support request.")
TASK = Reply("The branch task.")


@bp.post("/v1/cases/<case_id>/referrals")
@api("Ask the region to discuss a case (rule 2)", {201: REFERRAL}, body=NewReferral, errors=(403, 404, 409))
def request_discussion(case_id: str) -> tuple[Response, int]:
    return jsonify(dependency(Referrals).request_discussion(principal(), case_id, parse_json(NewReferral))), 201


@bp.get("/v1/cases/<case_id>/referrals")
@api("A case's referrals", {200: Items}, errors=(404,))
def case_referrals(case_id: str) -> Response:
    return jsonify(items=dependency(Referrals).for_case(principal(), case_id))


@bp.get("/v1/referrals")
@api("The region's referral queue (officials)", {200: Items}, query=StateQuery, errors=(403,))
def referral_queue() -> Response:
    return jsonify(items=dependency(Referrals).queue(principal(), parse_query(StateQuery).state))


@bp.get("/v1/referrals/<referral_id>")
@api("Read a referral", {200: REFERRAL}, errors=(404,))
def get_referral(referral_id: str) -> Response:
    return jsonify(dependency(Referrals).get(principal(), referral_id))


@bp.post("/v1/referrals/<referral_id>/transitions")
@api(
    "Move a referral on (agree, decline, hand over...)",
    {200: REFERRAL},
    body=TransitionRequest,
    errors=(403, 404, 409),
)
def transition(referral_id: str) -> Response:
    return jsonify(dependency(Referrals).transition(principal(), referral_id, parse_json(TransitionRequest)))


@bp.post("/v1/cases/<case_id>/support-requests")
@api(
    "Ask an official or caseworker for support (rule 6)",
    {201: SUPPORT_REQUEST},
    body=NewSupportRequest,
    errors=(403, 404, 409),
)
def request_support(case_id: str) -> tuple[Response, int]:
    return jsonify(
        dependency(SupportRequests).request_support(principal(), case_id, parse_json(NewSupportRequest))
    ), 201


@bp.get("/v1/support-requests")
@api("Support requests the caller asked or may answer", {200: Items}, errors=(403,))
def support_requests() -> Response:
    return jsonify(items=dependency(SupportRequests).requests(principal()))


@bp.post("/v1/support-requests/<request_id>/answer")
@api("Answer a support request", {200: SUPPORT_REQUEST}, body=Answer, errors=(403, 404, 409))
def answer(request_id: str) -> Response:
    return jsonify(dependency(SupportRequests).answer(principal(), request_id, parse_json(Answer).answer))


@bp.post("/v1/enquiries")
@api(
    "A member's enquiry to their branch (rule 1)",
    {201: Reply("The enquiry's id and where it went.")},
    body=NewEnquiry,
    errors=(403,),
)
def enquire() -> tuple[Response, int]:
    return jsonify(dependency(Enquiries).enquire(principal(), parse_json(NewEnquiry))), 201


@bp.get("/v1/tasks")
@api("The branch's tasks", {200: Items}, query=StatusQuery, errors=(403,))
def tasks() -> Response:
    return jsonify(items=dependency(BranchTasks).tasks(principal(), parse_query(StatusQuery).status))


@bp.post("/v1/tasks/<task_id>/done")
@api("Mark a branch task done", {200: TASK}, errors=(403, 404, 409))
def task_done(task_id: str) -> Response:
    return jsonify(dependency(BranchTasks).complete_task(principal(), task_id))


@bp.get("/v1/branch-flags")
@api("Branch flags raised in the region (rule 7, officials)", {200: Items}, errors=(403,))
def branch_flags() -> Response:
    return jsonify(items=dependency(BranchFlags).flags(principal()))
