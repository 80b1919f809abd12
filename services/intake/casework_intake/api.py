"""The evidence REST API: upload to a case, read status, list, download, read extracted text."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Literal, Self

from flask import Blueprint, Response, jsonify, request
from minio import Minio
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from werkzeug.http import parse_options_header

from casework.v1 import workflow_pb2
from casework_common import metrics, storage
from casework_common.openapi import BINARY, Reply, api
from casework_common.problems import Problem, forbidden, not_found
from casework_common.vocabulary import (
    DOCUMENT_KINDS,
    EVIDENCE_STATUSES,
    HOLD_REASONS,
    HOLD_STATES,
    INTAKE_CHANNELS,
    VISIBILITIES,
    VisibilityName,
)
from casework_common.web import dependency, parse_json, parse_query, principal, request_body, stored_file
from casework_intake import facts
from casework_intake.access import EvidenceAccess
from casework_intake.evidence import EvidenceRecords, history_json, parse_id, to_json
from casework_intake.idempotency import HEADER as IDEMPOTENCY_HEADER
from casework_intake.idempotency import parse_key
from casework_intake.multipart import MultipartForm
from casework_intake.settings import IntakeSettings
from casework_intake.uploads import Uploads

# Every status of the contracts (proto/casework/v1/events.proto EvidenceStatus), by its short name
# (casework_common.vocabulary), as intake stores it.
Status = Literal[tuple(EVIDENCE_STATUSES)]  # type: ignore[valid-type]
# Every document kind of the contracts (DocumentKind), by its short name (casework_common.vocabulary).
Kind = Literal[tuple(DOCUMENT_KINDS)]  # type: ignore[valid-type]
# How evidence came in (IntakeChannel), by short name.
Channel = Literal[tuple(INTAKE_CHANNELS)]  # type: ignore[valid-type]
# Where held mail and unfiled scanned pages stand (HoldState), and why they wait (HoldReason).
HoldState = Literal[tuple(HOLD_STATES)]  # type: ignore[valid-type]
HoldReason = Literal[tuple(HOLD_REASONS)]  # type: ignore[valid-type]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class DocumentFactsOut(BaseModel):
    """What the document itself is: its date, title and kind, each with where it came from."""

    date: str = Field(
        description="ISO date: the document's own date, or the upload date when nothing gave one "
        "(date_source 'upload')."
    )
    date_source: str | None = Field(
        description="Where the date came from: 'text' (a date line of the document), 'email-header', "
        "'exif' (when the photo was taken), 'pdf-metadata', 'upload', or 'rep' (set by a person)."
    )
    title: str | None = Field(description="The subject line or first heading; null when none was found.")
    title_source: str | None = Field(description="'subject', 'heading'... or 'rep'.")
    kind: Kind | None = Field(description="What kind of document it is; null until the item has been read.")
    kind_confidence: float | None = Field(description="0..1: the classifier's confidence; 1 when a rep set it.")
    kind_source: str | None = Field(description="'classifier'... or 'rep'.")


class FactsPatch(BaseModel):
    """A correction of an item's facts by a person: any of date, title and kind (at least one). Each
    one sent gets source 'rep' and is never overwritten by a later reading of the file."""

    model_config = ConfigDict(extra="forbid")

    # Optional but never null ("absent" is not "null"). Typed without None, so that a 422 names the
    # field itself rather than the branches of a union; the default None is never validated.
    date: str = Field(  # type: ignore[assignment]
        default=None,
        description="As people write it: 2026-03-03, 3 March 2026, 03/03/2026 (day first), 3rd March 2026; "
        "a real day between 1900 and 2100.",
        max_length=facts.MAX_DATE_TEXT,
        json_schema_extra=_no_default,
    )
    title: str = Field(  # type: ignore[assignment]
        default=None,
        description=f"1 to {facts.MAX_TITLE} characters on one line (no control characters); trimmed.",
        max_length=facts.MAX_TITLE + 100,  # room for surrounding blanks, which are trimmed
        json_schema_extra=_no_default,
    )
    kind: Kind = Field(default=None, json_schema_extra=_no_default)  # type: ignore[assignment]

    @field_validator("date", "title", "kind", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("Leave the field out instead of sending null.")
        return value

    @field_validator("date")
    @classmethod
    def _a_real_date(cls, value: str) -> str:
        return facts.parse_date(value).isoformat()

    @field_validator("title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return facts.check_title(value)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("Send at least one of date, title and kind.")
        return self


class FactsChange(BaseModel):
    field: Literal["date", "title", "kind"]
    old_value: str | None = Field(description="As shown before (for a date never found: the upload date).")
    new_value: str | None
    source: str = Field(description="Where the new value came from: 'rep', or the reader's source.")
    changed_by: str = Field(description="Who: a preferred_username, or 'ocr' for what was read from the file.")
    changed_at: str


class FactsHistory(BaseModel):
    """Every change to an item's facts, oldest first."""

    id: str
    history: list[FactsChange]


class ListAllQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    cursor: str | None = Field(default=None, pattern=r"^[0-9a-f-]{36}$")
    limit: int = Field(default=200, ge=1, le=1000)


class EvidenceOut(BaseModel):
    """An evidence item: its file's facts and where processing has got to."""

    id: str
    case_id: str
    filename: str = Field(
        description="The file's name for display: its last path part, without control characters, at most "
        "200 characters, decoded from the bytes sent (see filename_raw)."
    )
    filename_raw: str | None = Field(
        default=None,
        description="The file name's bytes exactly as the uploader sent them, base64 (from filename*= "
        "percent-decoded, else from filename=); null for items stored before names were kept.",
    )
    filename_charset: str | None = Field(
        default=None,
        description="The charset filename_raw was read in: the one filename*= names, else utf-8 when the "
        "bytes are UTF-8, else the best guess among legacy charsets (cp1252 first), else latin-1.",
    )
    content_type: str = Field(
        description="As declared by the uploader (for an archive member, which declares none: sniffed); never trusted."
    )
    size_bytes: int
    sha256: str
    visibility: VisibilityName
    status: Status = Field(
        description="received → scanning → extracting → one outcome: indexed, failed, quarantined, "
        "password_protected, unreadable, not_indexed or unpacked (an archive whose files are items of their own). "
        "Every item with pages to read shows extracting, a one-page one too."
    )
    status_reason: str | None
    pages_done: int = Field(description="Pages read so far (while extracting, reported at most every few seconds).")
    pages_total: int = Field(description="Pages the item has, once known (from extracting on).")
    detected_type: str | None = Field(
        description="The MIME type sniffed from the content, once scanned (a PNG uploaded as application/pdf "
        "shows image/png here); null before, and for items never opened (quarantined, empty)."
    )
    metadata: dict[str, str] = Field(
        description="Facts read from the file that are not its text: for an email, its 'from', 'to', 'cc', "
        "'date' and 'subject' header lines (searchable as such, never part of a page's text)."
    )
    facts: DocumentFactsOut
    duplicate_of: str | None = Field(
        description="The id of the case's first item with the same bytes (same sha256), however far that one "
        "has got; null for the first. Items of other cases are never named."
    )
    children: list[str] = Field(
        description="Ids of the items taken out of this one (email attachments, archive members), in their order."
    )
    uploaded_by: str
    uploaded_at: str
    channel: Channel = Field(
        description="How the file came in: 'upload' (through the API or portal), 'email' (sent to an intake "
        "address, or held mail a person accepted) or 'scanner' (a part of a scanned batch). Files found inside "
        "another item have that item's channel."
    )
    channel_detail: dict[str, Any] = Field(
        description="Where it came from: for email 'from', 'message_id' and 'mail_id' (the held-mail record); for "
        "a scanned part 'batch_id', 'first_page', 'last_page', 'cover_sheet_id' and 'printed_by'; for held mail "
        "or unfiled pages a person filed, also 'accepted_by'. Empty for uploads."
    )
    updated_at: str
    links: dict[str, str]
    parent_id: str | None = Field(
        default=None,
        description="Set on files found inside another item (an email's attachment, an archive's member): "
        "the id of that item, which lists this one among its children.",
    )
    branch: str | None = Field(default=None, description="Service accounts' listing only.")
    region: str | None = Field(default=None, description="Service accounts' listing only.")


class EvidenceList(BaseModel):
    """Evidence items; the service listing pages with ``next_cursor``."""

    items: list[EvidenceOut]
    next_cursor: str | None = None


class StatusEntry(BaseModel):
    status: Status
    reason: str | None
    pages_done: int
    pages_total: int
    at: str


class StatusHistory(BaseModel):
    """Every status an item was moved to, oldest first (progress of long documents is throttled)."""

    id: str
    history: list[StatusEntry]


class PageText(BaseModel):
    page: int
    text: str


class EvidenceText(BaseModel):
    """The text extracted from each page (empty until the item is indexed)."""

    id: str
    filename: str
    status: str
    pages: list[PageText]


UPLOAD_FORM = {
    "type": "object",
    "properties": {
        "visibility": {"type": "string", "enum": list(VISIBILITIES), "default": "member"},
        "file": {"type": "array", "items": BINARY, "minItems": 1},
    },
    "required": ["file"],
    "additionalProperties": False,
}
CHILD_FORM = {
    "type": "object",
    "properties": {"index": {"type": "integer", "minimum": 0}, "file": BINARY},
    "required": ["index", "file"],
    "additionalProperties": False,
}
UPLOAD_ERRORS = (400, 403, 404, 408, 413, 415)
IDEMPOTENCY_KEY_DOC = (
    "Optional. A key the client makes up for this upload (draft-ietf-httpapi-idempotency-key-header), "
    'sent as a quoted string, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324" (1-255 printable ASCII '
    "characters; unquoted is accepted too). Sending the same request again with the same key returns "
    "the first answer (same items, same status) instead of new items; the same key with a different "
    "request is a 422 problem. Keys are the caller's own (another caller's same key is another key) "
    "and are remembered for the intake setting idempotency_key_ttl_s (default 24 hours)."
)

log = logging.getLogger(__name__)
_metrics = metrics.Metrics("intake")
UPLOADS = _metrics.counter("evidence_uploads_total", "Evidence files stored.", ("role",))
UPLOAD_BYTES = _metrics.counter("evidence_upload_bytes_total", "Bytes of evidence stored.")


bp = Blueprint("evidence", __name__)


def _form_boundary(detail: str) -> str:
    """The multipart boundary of the request; 415 (with ``detail``) for any other kind of body."""
    mimetype, options = parse_options_header(request.headers.get("Content-Type", ""))
    if mimetype != "multipart/form-data" or not options.get("boundary"):
        raise Problem(415, "unsupported-media-type", "Unsupported media type", detail)
    return options["boundary"]


def _readable(evidence_id: str, what: str, *, erased_too: bool = True) -> Any:
    """The item, if the caller may read it (``what``: which part of it); 404 otherwise. An erased
    item's stub is listed and read, but its file and text are gone (erasure.py)."""
    row = dependency(EvidenceRecords).get(evidence_id)
    if row is None or (not erased_too and row.erased_at is not None):
        raise not_found("evidence")
    if not dependency(EvidenceAccess).may_read(principal(), row, what):
        raise not_found("evidence")
    return row


def page_texts(s3: Minio, settings: IntakeSettings, row: Any) -> list[dict[str, Any]]:
    """The text read from each page of a searchable item (none before it is)."""
    if row.status != "indexed":
        return []
    return [
        {"page": n, "text": storage.read_text(s3, settings.text_bucket, storage.page_text_key(str(row.id), n))}
        for n in range(1, row.pages_total + 1)
    ]


@bp.post("/v1/cases/<case_id>/evidence")
@api(
    "Upload evidence files to a case",
    {
        201: Reply(
            "The new items; a retry with the same Idempotency-Key repeats the first answer "
            "(with Idempotent-Replayed: true).",
            EvidenceList,
            headers={"Idempotent-Replayed": "'true' when this answer repeats the first one given to the key."},
        )
    },
    form=UPLOAD_FORM,
    errors=UPLOAD_ERRORS,
    headers={IDEMPOTENCY_HEADER: IDEMPOTENCY_KEY_DOC},
)
def upload(case_id: str) -> tuple[Response, int]:
    """multipart/form-data: optional field ``visibility`` (member|reps) before one or more ``file`` parts.
    All or nothing: the items exist only once the whole body has arrived; a request refused or
    broken at any point stores nothing. Each item keeps its file name's bytes as sent
    (``filename_raw``; ``filename*=`` is read as RFC 6266 says) and their decoded text (``filename``)."""
    caller = principal()
    settings = dependency(IntakeSettings)
    boundary = _form_boundary("Send files as multipart/form-data.")
    key = parse_key(request.headers.get(IDEMPOTENCY_HEADER))
    decision = dependency(EvidenceAccess).case(
        caller, case_id, workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE, "evidence:upload"
    )
    form = MultipartForm(
        request_body(),
        boundary,
        max_body_bytes=settings.max_file_bytes * settings.max_files_per_upload + 1024 * 1024,
        max_file_bytes=settings.max_file_bytes,
    )
    answer = dependency(Uploads).receive(caller, decision.case, form, key)
    for row in answer.stored:
        UPLOADS.labels(caller.primary_role).inc()
        UPLOAD_BYTES.inc(row.size_bytes)
    response = jsonify(answer.body)
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, answer.status


@bp.post("/v1/evidence/<parent_id>/children")
@api(
    "Add a file found inside an evidence item (ocr's service account)",
    {200: Reply("That file was added before.", EvidenceOut), 201: Reply("The new item.", EvidenceOut)},
    form=CHILD_FORM,
    errors=UPLOAD_ERRORS,
)
def add_child(parent_id: str) -> tuple[Response, int]:
    """For ocr: a file found inside an evidence item (archive member, attachment) becomes an item of
    its own. multipart: ``index`` (its position in the parent, for idempotency), then ``file``."""
    if not principal().is_service:
        raise forbidden("Only casework services add files found inside evidence.")
    parent = dependency(EvidenceRecords).get(parent_id)
    if parent is None:
        raise not_found("evidence")
    boundary = _form_boundary("Send multipart/form-data.")
    settings = dependency(IntakeSettings)
    form = MultipartForm(request_body(), boundary, settings.max_file_bytes + 1024 * 1024, settings.max_file_bytes)
    row, created = dependency(Uploads).add_child(parent, form)
    return jsonify(to_json(row)), 201 if created else 200


@bp.get("/v1/cases/<case_id>/evidence")
@api("A case's evidence", {200: EvidenceList}, errors=(403, 404))
def list_for_case(case_id: str) -> Response:
    caller = principal()
    access = dependency(EvidenceAccess)
    access.case(caller, case_id, workflow_pb2.CASE_ACTION_VIEW_EVIDENCE, "evidence:list")
    reps = access.allowed(caller, case_id, workflow_pb2.CASE_ACTION_VIEW_REPS_EVIDENCE, "evidence:list-reps-only")
    rows = dependency(EvidenceRecords).list_for_case(case_id, include_reps_only=reps)
    return jsonify(items=[to_json(row) for row in rows])


@bp.get("/v1/evidence")
@api("Every evidence item (service accounts)", {200: EvidenceList}, query=ListAllQuery, errors=(403,))
def list_all() -> Response:
    """Every evidence record, for casework services rebuilding derived data (service accounts only)."""
    if not principal().is_service:
        raise forbidden("Only casework services may list all evidence.")
    query = parse_query(ListAllQuery)
    after = parse_id(query.cursor) if query.cursor else None
    rows = dependency(EvidenceRecords).list_all(query.status, after, query.limit)
    return jsonify(
        items=[to_json(row, internal=True) for row in rows],
        next_cursor=str(rows[-1].id) if len(rows) == query.limit else None,
    )


@bp.get("/v1/evidence/<evidence_id>")
@api("Read an evidence item", {200: EvidenceOut}, errors=(404,))
def get(evidence_id: str) -> Response:
    return jsonify(to_json(_readable(evidence_id, "")))


@bp.get("/v1/evidence/<evidence_id>/history")
@api("An evidence item's status history", {200: StatusHistory}, errors=(404,))
def history(evidence_id: str) -> Response:
    """Every status the item went through, with its reason and page counts, oldest first."""
    row = _readable(evidence_id, "/history")
    entries = dependency(EvidenceRecords).history(row.id)
    return jsonify(id=str(row.id), history=[history_json(entry) for entry in entries])


@bp.patch("/v1/evidence/<evidence_id>/facts")
@api("Correct an evidence item's date, title or kind", {200: EvidenceOut}, body=FactsPatch, errors=(403, 404))
def correct_facts(evidence_id: str) -> Response:
    """Set any of ``date``, ``title`` and ``kind``: each gets source ``rep`` (a kind confidence 1),
    is recorded in the facts history with its old value and who changed it, and is never
    overwritten by a later reading of the file. Answers the item as it now is."""
    caller = principal()
    records = dependency(EvidenceRecords)
    row = records.get(evidence_id)
    if row is None:
        raise not_found("evidence")
    dependency(EvidenceAccess).require_edit(caller, row, "/facts:edit")
    patch = parse_json(FactsPatch)
    changes = patch.model_dump(include=patch.model_fields_set)
    if "date" in changes:
        changes["date"] = dt.date.fromisoformat(changes["date"])
    updated = records.correct_facts(row.id, changes, caller.username)
    if updated is None:
        raise not_found("evidence")
    return jsonify(to_json(updated))


@bp.get("/v1/evidence/<evidence_id>/facts/history")
@api("Who changed an evidence item's date, title or kind", {200: FactsHistory}, errors=(403, 404))
def facts_history(evidence_id: str) -> Response:
    """Every change to the item's facts, oldest first: what ocr read (``changed_by`` 'ocr') and
    each correction, with the value before and after."""
    records = dependency(EvidenceRecords)
    row = records.get(evidence_id)
    if row is None:
        raise not_found("evidence")
    dependency(EvidenceAccess).require_edit(
        principal(), row, "/facts/history", workflow_pb2.CASE_ACTION_VIEW_REPS_EVIDENCE
    )
    return jsonify(id=str(row.id), history=[facts.history_json(entry) for entry in records.facts_history(row.id)])


@bp.get("/v1/evidence/<evidence_id>/content")
@api(
    "Download an evidence item's file",
    {200: Reply("The file as uploaded.", media={"application/octet-stream": BINARY})},
    errors=(404,),
)
def content(evidence_id: str) -> Response:
    row = _readable(evidence_id, "/content", erased_too=False)
    return stored_file(
        dependency(Minio),
        row.bucket,
        row.object_key,
        row.version_id,
        size_bytes=row.size_bytes,
        content_type="application/octet-stream",
        filename=row.filename,
    )


@bp.get("/v1/evidence/<evidence_id>/text")
@api("An evidence item's extracted text", {200: EvidenceText}, errors=(404,))
def text(evidence_id: str) -> Response:
    """The text extracted from each page, once the item is searchable (empty before)."""
    row = _readable(evidence_id, "/text", erased_too=False)
    pages = page_texts(dependency(Minio), dependency(IntakeSettings), row)
    return jsonify(id=str(row.id), filename=row.filename, status=row.status, pages=pages)
