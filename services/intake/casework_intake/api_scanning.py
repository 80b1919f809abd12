"""Scanner cover sheets and the unfiled queue: the REST side of scanned batches (scanning/)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, Response, jsonify
from minio import Minio
from minio.error import S3Error
from pydantic import BaseModel, ConfigDict, Field

from casework.v1 import workflow_pb2
from casework_common import metrics
from casework_common.auth import Principal
from casework_common.openapi import BINARY, Reply, api
from casework_common.problems import Problem, forbidden, invalid, not_found
from casework_common.service_token import ServiceTokenProvider
from casework_common.vocabulary import STAFF_ROLES, VisibilityName
from casework_common.web import attachment, dependency, parse_json, parse_query, principal, stored_file
from casework_common.workflow_client import WorkflowClient
from casework_intake import filing
from casework_intake.api import EvidenceOut, HoldReason, HoldState
from casework_intake.evidence import EvidenceRecords, parse_id, to_json
from casework_intake.gauges import HELD_DECISIONS
from casework_intake.scanning import cover_sheets, queues
from casework_intake.settings import IntakeSettings

REFERENCE = re.compile(r"^\s*CW-\d{4}-\d{6}\s*$", re.IGNORECASE)
NO_SUCH_CASE = "No case you may add evidence to has that reference or id."


def decided() -> Problem:
    return Problem(409, "already-decided", "Already decided", "These pages were already assigned or rejected.")


_metrics = metrics.Metrics("intake")
SHEETS = _metrics.counter("cover_sheets_printed_total", "Cover sheets printed.")


class CoverSheetRequest(BaseModel):
    """A new cover sheet for the case (send {} for the defaults)."""

    model_config = ConfigDict(extra="forbid")

    visibility: VisibilityName = Field(
        default="reps",
        description="Who will see the papers scanned behind this sheet: 'reps' (union staff on the case) or "
        "'member' (the member too).",
    )


class CoverSheetOut(BaseModel):
    """A printed cover sheet. Revoked sheets file nothing: pages behind them go to the unfiled queue."""

    id: str
    case_id: str
    case_reference: str
    visibility: VisibilityName
    printed_by: str
    printed_at: str
    revoked_at: str | None
    revoked_by: str | None
    links: dict[str, str]


class CoverSheetList(BaseModel):
    """A case's cover sheets, newest first."""

    items: list[CoverSheetOut]


class UnfiledQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: HoldState = Field(default="waiting", description="Parts in this state (default: waiting).")
    limit: int = Field(default=200, ge=1, le=1000)


class UnfiledPartOut(BaseModel):
    """Consecutive pages of a scanned batch that no cover sheet filed."""

    id: str
    batch_id: str
    source_name: str = Field(description="The batch's file name in the drop, or the subject of the mail it came in.")
    received_at: str
    first_page: int = Field(description="Its first page in the batch (1-based).")
    last_page: int
    pages: int = Field(description="Pages in the part (blank pages were left out).")
    reason: HoldReason | None
    reason_text: str = Field(description="Why it is waiting, in words.")
    state: HoldState
    decided_by: str | None
    decided_at: str | None
    case_id: str | None = Field(description="Once assigned: the case it was filed to.")
    evidence_id: str | None = Field(description="Once assigned: the evidence item it became.")
    links: dict[str, str]


class UnfiledList(BaseModel):
    """Unfiled parts the caller may see, oldest first."""

    items: list[UnfiledPartOut]


class AssignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: str = Field(
        min_length=1,
        max_length=100,
        description="The case: its reference (CW-2026-000123, any case) or its id.",
    )
    visibility: VisibilityName = Field(default="reps", description="Who will see the new item.")


class Assigned(BaseModel):
    """The part, now accepted, and the evidence item it became."""

    part: UnfiledPartOut
    item: EvidenceOut


PDF = {"application/pdf": BINARY}


bp = Blueprint("scanning", __name__)


def staff_on_case(caller: Principal, case_id: str, resource: str) -> workflow_pb2.AuthorizeResponse:
    """Union staff who may add evidence to the case; 404 for whoever may not see it at all."""
    action = workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE
    decision = dependency(WorkflowClient).authorize(caller.token, case_id, action, resource)
    if not decision.visible:
        raise not_found("case")
    if not decision.allowed or not caller.has(*STAFF_ROLES):
        raise forbidden("Cover sheets are printed and managed by union staff on the case.")
    return decision


def sheet_for(caller: Principal, sheet_id: str, what: str) -> Any:
    """The cover sheet, if the caller is union staff on its case; 404 otherwise."""
    parsed = parse_id(sheet_id)
    if parsed is None:
        raise not_found("cover sheet")
    with dependency(EvidenceRecords).engine.connect() as conn:
        row = cover_sheets.get(conn, parsed)
    if row is None:
        raise not_found("cover sheet")
    try:
        staff_on_case(caller, str(row.case_id), f"cover-sheet:{row.id}{what}")
    except Problem as problem:
        if problem.status == 404:
            raise not_found("cover sheet") from problem
        raise
    return row


@bp.post("/v1/cases/<case_id>/cover-sheets")
@api(
    "Print a cover sheet for a case's scanned papers",
    {
        201: Reply(
            "The sheet to print (A4). Put it on top of the case's papers in a scanned batch.",
            media=PDF,
            headers={"Location": "The sheet's record: /v1/cover-sheets/{id}."},
        )
    },
    body=CoverSheetRequest,
    errors=(403, 404),
)
def print_sheet(case_id: str) -> tuple[Response, int]:
    """Union staff who may add evidence to the case (reps, coordinators, officials, caseworkers;
    not members). The sheet's QR code carries a signed token naming the sheet, the case and who
    printed it (never the member's name); pages scanned behind it are filed to the case as long
    as the sheet is not revoked and its printer may still add evidence to the case."""
    secret = dependency(IntakeSettings).cover_sheet_secret.get_secret_value()
    if not secret:
        raise Problem(503, "unavailable", "Unavailable", "Cover sheets are not configured (no signing secret).")
    caller = principal()
    wanted = parse_json(CoverSheetRequest)
    decision = staff_on_case(caller, case_id, "cover-sheet:print")
    with dependency(EvidenceRecords).engine.begin() as conn:
        row = cover_sheets.record(
            conn,
            case_id=decision.case.case_id,
            case_reference=decision.case.reference,
            visibility=wanted.visibility,
            printed_by=caller.username,
            printed_by_sub=caller.subject,
        )
    token = cover_sheets.SheetToken(row.id, row.case_id, row.printed_by)
    pdf = cover_sheets.render_pdf(row, cover_sheets.Signer(secret).payload(token), decision.case.branch)
    SHEETS.inc()
    response = Response(pdf, status=201, content_type="application/pdf")
    response.headers["Location"] = f"/v1/cover-sheets/{row.id}"
    response.headers["Content-Disposition"] = attachment(f"cover-sheet-{row.case_reference}.pdf")
    return response, 201


@bp.get("/v1/cases/<case_id>/cover-sheets")
@api("A case's cover sheets", {200: CoverSheetList}, errors=(403, 404))
def list_sheets(case_id: str) -> Response:
    """Every sheet printed for the case, newest first, revoked ones too (union staff on the case)."""
    decision = staff_on_case(principal(), case_id, "cover-sheet:list")
    with dependency(EvidenceRecords).engine.connect() as conn:
        rows = cover_sheets.for_case(conn, uuid.UUID(decision.case.case_id))
    return jsonify(items=[cover_sheets.to_json(row) for row in rows])


@bp.get("/v1/cover-sheets/<sheet_id>")
@api("A cover sheet", {200: CoverSheetOut}, errors=(403, 404))
def get_sheet(sheet_id: str) -> Response:
    return jsonify(cover_sheets.to_json(sheet_for(principal(), sheet_id, "")))


@bp.delete("/v1/cover-sheets/<sheet_id>")
@api("Revoke a cover sheet", {200: Reply("The sheet, revoked.", CoverSheetOut)}, errors=(403, 404))
def revoke_sheet(sheet_id: str) -> Response:
    """A lost or wrong sheet files nothing from now on: pages scanned behind it go to the
    unfiled queue (reason revoked_sheet). Revoking again changes nothing."""
    caller = principal()
    row = sheet_for(caller, sheet_id, ":revoke")
    with dependency(EvidenceRecords).engine.begin() as conn:
        cover_sheets.revoke(conn, row.id, caller.username)
        row = cover_sheets.get(conn, row.id)
    return jsonify(cover_sheets.to_json(row))


# -- the unfiled queue ----------------------------------------------------------------


def visible_part(caller: Principal, part_id: str) -> Any:
    """The unfiled part, if the caller may see it; 404 otherwise."""
    part = queues.get(dependency(EvidenceRecords).engine, part_id, caller)
    if part is None:
        raise not_found("unfiled part")
    return part


def waiting(part: Any) -> None:
    """409 unless the part still waits for a decision."""
    if part.state != "waiting":
        raise decided()


@bp.get("/v1/unfiled")
@api("Unfiled scanned pages", {200: UnfiledList}, query=UnfiledQuery)
def list_unfiled() -> Response:
    """Parts of scanned batches no cover sheet could file, that the caller may see: the
    caseworkers of the drop's region, the coordinators of its branch, and whoever emailed the
    batch. Everyone else gets an empty list."""
    query = parse_query(UnfiledQuery)
    rows = queues.listing(dependency(EvidenceRecords).engine, principal(), query.state, query.limit)
    return jsonify(items=[queues.to_json(row) for row in rows])


@bp.get("/v1/unfiled/<part_id>")
@api("An unfiled part", {200: UnfiledPartOut}, errors=(404,))
def get_unfiled(part_id: str) -> Response:
    return jsonify(queues.to_json(visible_part(principal(), part_id)))


@bp.get("/v1/unfiled/<part_id>/content")
@api("An unfiled part's pages", {200: Reply("The part's pages as scanned.", media=PDF)}, errors=(404,))
def unfiled_content(part_id: str) -> Response:
    """The PDF of the part's original pages, while it waits (a decided part has none)."""
    part = visible_part(principal(), part_id)
    if part.object_key is None:
        raise not_found("unfiled part's pages")
    s3 = dependency(Minio)
    try:
        stat = s3.stat_object(part.bucket, part.object_key)
    except S3Error as exc:  # decided meanwhile (its PDF deleted), or lost
        raise not_found("unfiled part's pages") from exc
    return stored_file(
        s3,
        part.bucket,
        part.object_key,
        None,
        size_bytes=stat.size or 0,
        content_type="application/pdf",
        filename=f"unfiled-{part.id}.pdf",
    )


@bp.post("/v1/unfiled/<part_id>/assign")
@api("File an unfiled part to a case", {200: Assigned}, body=AssignRequest, errors=(403, 404, 409))
def assign_unfiled(part_id: str) -> Response:
    """The part becomes an evidence item of the case, uploaded by the caller, who must be union
    staff allowed to add evidence to it. An unknown case and a case the caller may not add to get
    the same 422 (naming the field 'case'). Decided already: 409."""
    caller = principal()
    # The body first: a malformed one is the same 422 whether or not the part exists.
    wanted = parse_json(AssignRequest)
    part = visible_part(caller, part_id)
    waiting(part)
    if not caller.has(*STAFF_ROLES):
        raise forbidden("Unfiled pages are filed by union staff.")
    case = find_case(caller, wanted.case)
    try:
        item = queues.assign(dependency(filing.Filing), dependency(Minio), part, caller, case, wanted.visibility)
    except filing.AlreadyDecided as exc:
        raise decided() from exc
    HELD_DECISIONS.labels("unfiled", "accepted").inc()
    records = dependency(EvidenceRecords)
    return jsonify(
        part=queues.to_json(queues.get(records.engine, part_id, caller)), item=to_json(records.get(str(item.id)))
    )


@bp.post("/v1/unfiled/<part_id>/reject")
@api("Reject an unfiled part", {200: UnfiledPartOut}, errors=(403, 404, 409))
def reject_unfiled(part_id: str) -> Response:
    """The pages are not evidence for any case: their PDF is deleted; the record (who, when) stays."""
    caller = principal()
    part = visible_part(caller, part_id)
    waiting(part)
    if not caller.has(*STAFF_ROLES):
        raise forbidden("Unfiled pages are decided by union staff.")
    try:
        queues.reject(dependency(EvidenceRecords).engine, dependency(Minio), part, caller)
    except filing.AlreadyDecided as exc:
        raise decided() from exc
    HELD_DECISIONS.labels("unfiled", "rejected").inc()
    return jsonify(queues.to_json(queues.get(dependency(EvidenceRecords).engine, part_id, caller)))


def find_case(caller: Principal, wanted: str) -> workflow_pb2.CaseSummary:
    """The case ``wanted`` names, if the caller may add evidence to it; else one 422 for both."""
    refused = invalid([{"field": "case", "message": NO_SUCH_CASE}])
    workflow = dependency(WorkflowClient)
    case_id = wanted.strip()
    if REFERENCE.match(wanted):
        try:
            case_id = workflow.find_case(dependency(ServiceTokenProvider).token(), wanted).case_id
        except Problem as problem:
            if problem.status == 404:
                raise refused from problem
            raise
    elif parse_id(case_id) is None:
        raise refused
    decision = workflow.authorize(caller.token, case_id, workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE, "unfiled:assign")
    if not decision.visible or not decision.allowed:
        raise refused
    return decision.case
