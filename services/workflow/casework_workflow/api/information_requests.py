"""Subject access and freedom of information requests of a case, and the guidance on them
(``/v1/cases/{id}/information-requests``, ``/v1/information-requests/guidance``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from casework_common.openapi import Reply, api
from casework_common.web import dependency, parse_json, principal
from casework_workflow.information_requests import InformationRequests
from casework_workflow.request_letters import Guidance, guidance
from casework_workflow.request_responses import ComplaintOut, InformationRequestList, InformationRequestOut
from casework_workflow.request_schemas import (
    ClockStart,
    Extension,
    NewInformationRequest,
    ReplyReceived,
    SentRequest,
    Withdrawal,
)

BASE = "/v1/cases/<case_id>/information-requests"


bp = Blueprint("information_requests", __name__)
ONE = Reply(
    "The request: its letter, state, dates, its deadline (as on the case's deadline list) once sent, whether "
    "it is overdue, the reply's documents, and the caller's allowed actions.",
    InformationRequestOut,
)


@bp.post(BASE)
@api(
    "Draft a subject access or FOI request (its letter generated from the case)",
    {
        201: Reply(
            "The draft request with its letter.", InformationRequestOut, headers={"Location": "The request's URL."}
        )
    },
    body=NewInformationRequest,
    errors=(403, 404),
)
def create(case_id: str) -> tuple[Response, int, dict[str, str]]:
    body = dependency(InformationRequests).create(principal(), case_id, parse_json(NewInformationRequest))
    return jsonify(body), 201, {"Location": f"/v1/cases/{case_id}/information-requests/{body['id']}"}


@bp.get(BASE)
@api(
    "A case's information requests, newest first",
    {200: InformationRequestList},
    errors=(404,),
)
def list_requests(case_id: str) -> Response:
    return jsonify(items=dependency(InformationRequests).for_case(principal(), case_id))


@bp.get(f"{BASE}/<request_id>")
@api("Read an information request", {200: ONE}, errors=(404,))
def get_request(case_id: str, request_id: str) -> Response:
    return jsonify(dependency(InformationRequests).get(principal(), case_id, request_id))


@bp.post(f"{BASE}/<request_id>/sent")
@api(
    "Record that a request was sent (starts its statutory deadline)",
    {200: ONE},
    body=SentRequest,
    errors=(403, 404, 409),
)
def sent(case_id: str, request_id: str) -> Response:
    return jsonify(dependency(InformationRequests).send(principal(), case_id, request_id, parse_json(SentRequest)))


@bp.post(f"{BASE}/<request_id>/received")
@api(
    "Change the day a sent request's time runs from (receipt of a posted letter; proof of identity or a fee asked for)",
    {200: ONE},
    body=ClockStart,
    errors=(403, 404, 409),
)
def received(case_id: str, request_id: str) -> Response:
    return jsonify(dependency(InformationRequests).restart(principal(), case_id, request_id, parse_json(ClockStart)))


@bp.post(f"{BASE}/<request_id>/extension")
@api(
    "Record the controller's extension of a subject access request (two further months)",
    {200: ONE},
    body=Extension,
    errors=(403, 404, 409),
)
def extension(case_id: str, request_id: str) -> Response:
    return jsonify(dependency(InformationRequests).extend(principal(), case_id, request_id, parse_json(Extension)))


@bp.post(f"{BASE}/<request_id>/reply")
@api(
    "Record the reply and its documents (evidence of the case); the deadline is met",
    {200: ONE},
    body=ReplyReceived,
    errors=(403, 404, 409),
)
def reply(case_id: str, request_id: str) -> Response:
    return jsonify(dependency(InformationRequests).reply(principal(), case_id, request_id, parse_json(ReplyReceived)))


@bp.post(f"{BASE}/<request_id>/withdraw")
@api(
    "Withdraw a request (its deadline is withdrawn)",
    {200: ONE},
    body=Withdrawal,
    errors=(403, 404, 409),
)
def withdraw(case_id: str, request_id: str) -> Response:
    return jsonify(dependency(InformationRequests).withdraw(principal(), case_id, request_id, parse_json(Withdrawal)))


@bp.get(f"{BASE}/<request_id>/complaint")
@api(
    "The next step for an overdue request: the complaint letters (ICO; for FOISA a review, then the "
    "Scottish Information Commissioner)",
    {200: ComplaintOut},
    errors=(404, 409),
)
def complaint(case_id: str, request_id: str) -> Response:
    return jsonify(dependency(InformationRequests).complaint(principal(), case_id, request_id))


@bp.get("/v1/information-requests/guidance")
@api(
    "What subject access and FOI requests can obtain, their deadlines and how to complain",
    {200: Guidance},
)
def request_guidance() -> Response:
    body: dict[str, Any] = guidance()
    return jsonify(body)
