"""Data protection (docs/design.md, 'Data protection'): legal holds (``/v1/cases/{id}/legal-hold``),
what retention would remove (``/v1/data-protection/retention/due``), erasure requests and rectification
(``/v1/data-protection/erasure-requests``, ``/v1/data-protection/members/{membership_number}``).

Bodies are read before roles and cases are checked, so a malformed body is the same 422 whoever
sends it and whether or not the case exists.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, jsonify

from casework_common.openapi import Reply, api
from casework_common.web import dependency, parse_json, parse_query, principal
from casework_workflow.retention.models import (
    DueList,
    DueQuery,
    ErasureRequestIn,
    ErasureRequestList,
    ErasureRequestOut,
    HoldIn,
    HoldOut,
    Rectification,
    RectificationOut,
)
from casework_workflow.retention.service import DataProtection

bp = Blueprint("data_protection", __name__)


@bp.get("/v1/cases/<case_id>/legal-hold")
@api("A case's legal hold (the region's officials, administrators, the DPO)", {200: HoldOut}, errors=(403, 404))
def get_hold(case_id: str) -> Response:
    return jsonify(dependency(DataProtection).hold(principal(), case_id))


@bp.put("/v1/cases/<case_id>/legal-hold")
@api(
    "Put a case under a legal hold: nothing about it is removed until it is released",
    {200: HoldOut},
    body=HoldIn,
    errors=(403, 404),
)
def put_hold(case_id: str) -> Response:
    """For the region's officials, administrators and the data-protection officer; a second PUT
    replaces the reason. Audited (dataprotection.legal_hold_set)."""
    body = parse_json(HoldIn)
    return jsonify(dependency(DataProtection).set_hold(principal(), case_id, body.reason))


@bp.delete("/v1/cases/<case_id>/legal-hold")
@api("Release a case's legal hold", {200: HoldOut}, errors=(403, 404))
def delete_hold(case_id: str) -> Response:
    return jsonify(dependency(DataProtection).release_hold(principal(), case_id))


@bp.get("/v1/data-protection/retention/due")
@api(
    "What a retention run would remove on a day (a dry run: nothing changes)",
    {200: DueList},
    query=DueQuery,
    errors=(403,),
)
def retention_due() -> Response:
    """The data-protection officer and administrators; audited (dataprotection.retention_run)."""
    query = parse_query(DueQuery)
    report = dependency(DataProtection).dry_run(principal(), query.as_of or dt.datetime.now(dt.UTC).date())
    return jsonify(as_of=report.as_of.isoformat(), items=[d.to_json() for d in report.due], held=report.held)


@bp.post("/v1/data-protection/erasure-requests")
@api(
    "Record a member's erasure request for a case, and carry it out or refuse it",
    {201: Reply("Accepted: every kind of the case's data is being removed.", ErasureRequestOut)},
    body=ErasureRequestIn,
    errors=(403, 404, 409),
)
def request_erasure() -> tuple[Response, int, dict[str, str]]:
    """The data-protection officer. Refused with a 409 problem naming the reason (``refusal``:
    ``legal_hold`` or ``case_open``) when the case is under a legal hold or still open; the
    refusal is recorded and audited too."""
    body = parse_json(ErasureRequestIn)
    result = dependency(DataProtection).request_erasure(principal(), body.case_id, body.reason)
    return jsonify(result), 201, {"Location": f"/v1/data-protection/erasure-requests/{result['id']}"}


@bp.get("/v1/data-protection/erasure-requests")
@api("Recent erasure requests, newest first (the DPO)", {200: ErasureRequestList}, errors=(403,))
def list_requests() -> Response:
    return jsonify(items=dependency(DataProtection).requests(principal()))


@bp.get("/v1/data-protection/erasure-requests/<request_id>")
@api(
    "An erasure request and its progress: each kind, and which holding services have answered",
    {200: ErasureRequestOut},
    errors=(403, 404),
)
def get_request(request_id: str) -> Response:
    return jsonify(dependency(DataProtection).progress(principal(), request_id))


@bp.patch("/v1/data-protection/members/<membership_number>")
@api(
    "Correct a member's name, email or phone on every case of theirs (the DPO)",
    {200: RectificationOut},
    body=Rectification,
    errors=(403, 404, 409),
)
def rectify(membership_number: str) -> Response:
    """Each corrected case gets a member-visible timeline entry and an audit record
    (dataprotection.rectified), and search is told of the change. A request that would change the
    name on a case under a legal hold is refused as a whole with a 409 problem (``refusal``:
    ``legal_hold``; ``held_cases``: their references), audited on each held case
    (dataprotection.rectification_refused); email and phone alone are never refused."""
    body = parse_json(Rectification)
    changes = {k: (str(v) if v is not None else None) for k, v in body.model_dump(exclude_unset=True).items()}
    return jsonify(dependency(DataProtection).rectify(principal(), membership_number, changes))
