"""The referral protocol's REST API: referrals (rules 2–5), support requests (rule 6),
member enquiries and branch tasks (rule 1), branch flags (rule 7); rules as numbered in
docs/design.md#referral-protocol."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict

from casework_common.web import parse_json, parse_query, principal
from casework_workflow.referrals import ReferralStore
from casework_workflow.schemas import Answer, NewEnquiry, NewReferral, NewSupportRequest, TransitionRequest
from casework_workflow.support import SupportStore


class StateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str | None = None


class StatusQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = None


def blueprint(referrals: ReferralStore, support: SupportStore) -> Blueprint:
    bp = Blueprint("protocol", __name__)

    @bp.post("/v1/cases/<case_id>/referrals")
    def request_discussion(case_id: str) -> tuple[Response, int]:
        return jsonify(referrals.request_discussion(principal(), case_id, parse_json(NewReferral))), 201

    @bp.get("/v1/cases/<case_id>/referrals")
    def case_referrals(case_id: str) -> Response:
        return jsonify(items=referrals.for_case(principal(), case_id))

    @bp.get("/v1/referrals")
    def referral_queue() -> Response:
        return jsonify(items=referrals.queue(principal(), parse_query(StateQuery).state))

    @bp.get("/v1/referrals/<referral_id>")
    def get_referral(referral_id: str) -> Response:
        return jsonify(referrals.get(principal(), referral_id))

    @bp.post("/v1/referrals/<referral_id>/transitions")
    def transition(referral_id: str) -> Response:
        return jsonify(referrals.transition(principal(), referral_id, parse_json(TransitionRequest)))

    @bp.post("/v1/cases/<case_id>/support-requests")
    def request_support(case_id: str) -> tuple[Response, int]:
        return jsonify(support.request_support(principal(), case_id, parse_json(NewSupportRequest))), 201

    @bp.get("/v1/support-requests")
    def support_requests() -> Response:
        return jsonify(items=support.requests(principal()))

    @bp.post("/v1/support-requests/<request_id>/answer")
    def answer(request_id: str) -> Response:
        return jsonify(support.answer(principal(), request_id, parse_json(Answer).answer))

    @bp.post("/v1/enquiries")
    def enquire() -> tuple[Response, int]:
        return jsonify(support.enquire(principal(), parse_json(NewEnquiry))), 201

    @bp.get("/v1/tasks")
    def tasks() -> Response:
        return jsonify(items=support.tasks(principal(), parse_query(StatusQuery).status))

    @bp.post("/v1/tasks/<task_id>/done")
    def task_done(task_id: str) -> Response:
        return jsonify(support.complete_task(principal(), task_id))

    @bp.get("/v1/branch-flags")
    def branch_flags() -> Response:
        return jsonify(items=support.flags(principal()))

    return bp
