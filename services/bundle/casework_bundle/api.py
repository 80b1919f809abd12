"""The bundles REST API: ask for a bundle of a case's evidence, follow it, list, download, share with the member.

Who may do what is workflow's decision (CaseAuthority.Authorize), asked on every request:
- asking for a bundle and changing it: full access to the case (its reps, coordinator, and the
  official or caseworker it was brought to), as for reps-only evidence; not service accounts;
- reading and downloading: full access, or member access to a bundle marked member-visible;
- anyone else gets 404, as for any case they may not see.
Every authorisation is written to workflow's audit log with the bundle as its resource, so every
download is audited (``bundle:<id>/volumes/<n>``) like intake's evidence downloads.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

from flask import Blueprint, Response, jsonify
from minio import Minio
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from casework.v1 import workflow_pb2
from casework_bundle import metrics
from casework_bundle.selection import DEFAULT_SECTIONS, RedactionRequest, choose, kind_label
from casework_bundle.settings import BundleSettings
from casework_bundle.store import Bundles, CaseErased, NewBundle
from casework_bundle.tables import STATUSES
from casework_common.auth import Principal
from casework_common.intake_client import IntakeClient
from casework_common.openapi import Reply, api
from casework_common.problems import Problem, forbidden, invalid, not_found
from casework_common.web import dependency, parse_json, principal, stored_file
from casework_common.workflow_client import WorkflowClient

log = logging.getLogger(__name__)

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
Status = Literal[STATUSES]  # type: ignore[valid-type]
_SPACES = re.compile(r"\s+")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RedactionIn(Strict):
    """Black out ``text`` (every occurrence in the item, or on ``page`` only), or an area ``box`` of one ``page``."""

    evidence_id: str = Field(pattern=UUID_PATTERN)
    text: str | None = Field(default=None, min_length=1, max_length=200)
    page: int | None = Field(default=None, ge=1, le=100_000, description="1-based page of the item.")
    box: tuple[float, float, float, float] | None = Field(
        default=None,
        description="x0, y0, x1, y1 as fractions 0..1 of the page from its top-left corner; needs 'page'.",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> RedactionIn:
        if (self.text is None) == (self.box is None):
            raise ValueError("give either 'text' or 'box' (with 'page')")
        if self.box is not None:
            if self.page is None:
                raise ValueError("an area ('box') needs its 'page'")
            x0, y0, x1, y1 = self.box
            if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
                raise ValueError("'box' must be x0 < x1 and y0 < y1, each within 0..1")
        return self


class BundleRequestIn(Strict):
    """What to build. Only ``title`` is required."""

    title: str = Field(min_length=1, max_length=200, description="Asking again with the same title makes version n+1.")
    details: list[str] = Field(
        default_factory=list, max_length=20, description="Lines for the title page (case reference, hearing date...)."
    )
    items: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="Evidence ids. Default: every item of the case you may read that was read completely, "
        "byte-identical copies left out.",
    )
    sections: dict[str, str] | None = Field(
        default=None,
        max_length=1000,
        description="Evidence id -> section name. Default: witness statements in 'Witness statements', the rest "
        "in 'Documents'. Sections come in that order, any others after them.",
    )
    order: Literal["chronological", "as_listed"] = Field(
        default="chronological",
        description="chronological: within each section by document date (undated last), ties by kind and title; "
        "as_listed: in the order of 'items'.",
    )
    max_pages_per_volume: int | None = Field(
        default=None, ge=1, le=100_000, description="Volumes split between documents near this many pages."
    )
    redactions: list[RedactionIn] = Field(default_factory=list, max_length=500)
    member_visible: bool = Field(default=False, description="Show the bundle to the member (no reps-only items).")

    @field_validator("title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return _SPACES.sub(" ", value)

    @field_validator("details")
    @classmethod
    def _short_lines(cls, value: list[str]) -> list[str]:
        for line in value:
            if len(line) > 300:
                raise ValueError("each line of 'details' is at most 300 characters")
        return [_SPACES.sub(" ", line.strip()) for line in value]

    @field_validator("items")
    @classmethod
    def _ids(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for evidence_id in value:
            if not re.fullmatch(UUID_PATTERN, evidence_id):
                raise ValueError(f"{evidence_id[:60]!r} is not an evidence id")
        if len(set(value)) != len(value):
            raise ValueError("an item is listed twice")
        return value

    @field_validator("sections")
    @classmethod
    def _section_names(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        cleaned = {}
        for evidence_id, section in value.items():
            if not re.fullmatch(UUID_PATTERN, evidence_id):
                raise ValueError(f"{evidence_id[:60]!r} is not an evidence id")
            name = _SPACES.sub(" ", section.strip())
            if not 1 <= len(name) <= 100:
                raise ValueError("a section name is 1 to 100 characters")
            cleaned[evidence_id] = name
        return cleaned


class VisibilityIn(Strict):
    member_visible: bool


class ItemOut(BaseModel):
    evidence_id: str
    filename: str | None
    title: str
    title_source: str
    date: str
    date_source: str
    kind: str
    kind_label: str
    section: str
    redactions: int


class IndexRowOut(BaseModel):
    number: int
    evidence_id: str = Field(description="The evidence item this document is.")
    section: str
    date: str = Field(description="ISO date; '' when undated.")
    title: str
    kind: str
    volume: int
    first_page: int
    last_page: int


class VolumeOut(BaseModel):
    number: int
    sha256: str
    size_bytes: int
    first_page: int | None
    last_page: int | None
    links: dict[str, str]


class BundleOut(BaseModel):
    """A bundle version: what was asked for and how far building has got."""

    id: str
    case_id: str
    title: str
    version: int
    latest: bool = Field(description="Whether this is the newest version of its title.")
    status: Status = Field(description="queued -> building (pages_done of pages_total) -> ready, or failed (reason).")
    reason: str | None
    pages_done: int
    pages_total: int = Field(description="Estimated from the items until ready; then the bundle's numbered pages.")
    member_visible: bool
    requested_by: str
    created_at: str
    updated_at: str
    finished_at: str | None
    options: dict[str, Any]
    items: list[ItemOut]
    index: list[IndexRowOut] | None = Field(description="Once ready (reading one bundle only; null in lists).")
    volumes: list[VolumeOut]
    sha256: str | None = Field(
        description="Once ready: the volume's SHA-256 when there is one volume, else the SHA-256 of the volumes' "
        "hex digests joined by newlines, in order."
    )
    size_bytes: int | None
    links: dict[str, str]


class BundleList(BaseModel):
    """A case's bundles, newest first (every version of every title)."""

    items: list[BundleOut]


bp = Blueprint("bundles", __name__)


def authorize(caller: Principal, case_id: str, action: int, resource: str) -> workflow_pb2.AuthorizeResponse:
    """Workflow's decision on the caller's ``action`` on the case, audited as ``resource``; 404 if they cannot
    see the case."""
    decision = dependency(WorkflowClient).authorize(caller.token, case_id, action, resource)
    if not decision.visible:
        raise not_found("case")
    return decision


def full_access(caller: Principal, case_id: str, resource: str, what: str) -> workflow_pb2.AuthorizeResponse:
    """The caller has full access to the case (404 if they cannot see it, 403 if only as its member)."""
    # Audited as "evidence.edit": asking for or changing a bundle makes something of the evidence.
    decision = authorize(caller, case_id, workflow_pb2.CASE_ACTION_EDIT_EVIDENCE, resource)
    if not decision.allowed or caller.is_service:
        raise forbidden(f"Only the case's reps, coordinator, official or caseworker {what}.")
    return decision


def readable(caller: Principal, bundle_id: str, what: str) -> Any:
    """The bundle, if the caller may read it: full access, or member access when member-visible.
    Anything else is 404, the same as a bundle that does not exist."""
    row = dependency(Bundles).get(bundle_id)
    if row is None:
        raise not_found("bundle")
    action = (
        workflow_pb2.CASE_ACTION_VIEW_EVIDENCE if row.member_visible else workflow_pb2.CASE_ACTION_VIEW_REPS_EVIDENCE
    )
    decision = dependency(WorkflowClient).authorize(caller.token, str(row.case_id), action, f"bundle:{row.id}{what}")
    if not decision.allowed:
        raise not_found("bundle")
    return row


def new_bundle(
    caller: Principal,
    case_id: str,
    decision: workflow_pb2.AuthorizeResponse,
    request: BundleRequestIn,
    settings: BundleSettings,
) -> NewBundle:
    """What to record for ``request``: its items chosen from the case's evidence the caller may read (422 over
    the limits), its options, and the case as workflow named it."""
    if len(request.redactions) > settings.max_redactions:
        raise invalid([{"field": "redactions", "message": f"At most {settings.max_redactions} redactions."}])
    redactions = [RedactionRequest(r.evidence_id, r.text, r.page, r.box) for r in request.redactions]
    items = choose(
        dependency(IntakeClient).case_evidence(caller.token, case_id),
        request.items,
        request.sections,
        redactions,
        request.member_visible,
    )
    if len(items) > settings.max_items:
        raise invalid([{"field": "items", "message": f"A bundle takes at most {settings.max_items} items."}])
    options = {
        "details": request.details,
        "order": request.order,
        "sections": list(DEFAULT_SECTIONS),
        "max_pages_per_volume": request.max_pages_per_volume,
        "case_reference": decision.case.reference,
    }
    return NewBundle(
        case_id=decision.case.case_id,
        branch=decision.case.branch,
        region=decision.case.region,
        title=request.title,
        options=options,
        items=items,
        member_visible=request.member_visible,
    )


def reps_only_refusal(row: Any) -> Problem | None:
    """Why the bundle ``row`` cannot be shown to the member (422 naming each reps-only item), or None."""
    reps_only = [item["evidence_id"] for item in row.items if item.get("visibility") != "member"]
    if not reps_only:
        return None
    return Problem(
        422,
        "validation",
        "Invalid request",
        "The bundle holds reps-only evidence, which members are not shown.",
        errors=[
            {"field": "member_visible", "message": f"Item {evidence_id} is reps-only."} for evidence_id in reps_only
        ],
    )


def is_latest(row: Any) -> bool:
    """Whether ``row`` is the newest version of its title."""
    return dependency(Bundles).latest_versions(str(row.case_id)).get(row.title) == row.version


@bp.post("/v1/cases/<case_id>/bundles")
@api(
    "Ask for a bundle of the case's evidence (reps, coordinators, officials, caseworkers)",
    {202: Reply("The bundle, queued; follow it at links.self.", BundleOut)},
    body=BundleRequestIn,
    errors=(403, 404, 409, 503),
)
def create(case_id: str) -> tuple[Response, int]:
    """The bundle is built by a worker: one PDF (or several volumes) with a title page, a linked index,
    the documents in order with page numbers 1..N stamped on every page, bookmarks, a text layer on
    every page and the redactions applied. Asking again with the same title makes the next version;
    earlier versions are kept."""
    caller = principal()
    decision = full_access(caller, case_id, "bundle:create", "ask for bundles")
    new = new_bundle(caller, case_id, decision, parse_json(BundleRequestIn), dependency(BundleSettings))
    try:
        row = dependency(Bundles).create(caller, new)
    except CaseErased:
        raise Problem(
            409, "case-erased", "Case erased", "The case's bundles were erased: no bundle is made of it."
        ) from None
    metrics.REQUESTED.labels(caller.primary_role).inc()
    log.info(
        "bundle %s (%s v%d) of case %s queued, %d item(s)", row.id, row.title, row.version, case_id, len(new.items)
    )
    return jsonify(to_json(row, latest=True, with_index=True)), 202


@bp.get("/v1/cases/<case_id>/bundles")
@api("A case's bundles", {200: BundleList}, errors=(404,))
def list_for_case(case_id: str) -> Response:
    """Every version of every bundle of the case, newest first; a member sees those marked member-visible."""
    caller = principal()
    authorize(caller, case_id, workflow_pb2.CASE_ACTION_VIEW_EVIDENCE, "bundle:list")
    full = (
        dependency(WorkflowClient)
        .authorize(caller.token, case_id, workflow_pb2.CASE_ACTION_VIEW_REPS_EVIDENCE, "bundle:list-all")
        .allowed
    )
    bundles = dependency(Bundles)
    latest = bundles.latest_versions(case_id)
    rows = bundles.list_for_case(case_id, member_visible_only=not full)
    return jsonify(items=[to_json(row, latest=latest.get(row.title) == row.version) for row in rows])


@bp.get("/v1/bundles/<bundle_id>")
@api("Read a bundle: its status, progress and, once ready, its index and volumes", {200: BundleOut}, errors=(404,))
def get(bundle_id: str) -> Response:
    row = readable(principal(), bundle_id, "")
    return jsonify(to_json(row, latest=is_latest(row), with_index=True))


@bp.patch("/v1/bundles/<bundle_id>")
@api(
    "Show a bundle to the case's member, or stop showing it",
    {200: BundleOut},
    body=VisibilityIn,
    errors=(403, 404),
)
def change(bundle_id: str) -> Response:
    """Reps, coordinators, officials and caseworkers of the case. A bundle holding a reps-only item cannot be
    made member-visible (422): build one without it."""
    caller = principal()
    row = readable(caller, bundle_id, "/member-visible")
    full_access(caller, str(row.case_id), f"bundle:{row.id}/member-visible", "change bundles")
    wanted = parse_json(VisibilityIn)
    if wanted.member_visible and (refusal := reps_only_refusal(row)) is not None:
        raise refusal
    updated = dependency(Bundles).set_member_visible(row.id, wanted.member_visible)
    return jsonify(to_json(updated, latest=is_latest(row), with_index=True))


@bp.get("/v1/bundles/<bundle_id>/volumes/<int:number>")
@api(
    "Download a volume of a ready bundle (every download is audited)",
    {200: Reply("The volume's PDF, as stored.", media={"application/pdf": {"type": "string", "format": "binary"}})},
    errors=(404, 409),
)
def download(bundle_id: str, number: int) -> Response:
    row = readable(principal(), bundle_id, f"/volumes/{number}")
    if row.status != "ready":
        raise Problem(409, "not-ready", "Not ready", f"The bundle is {row.status}; volumes exist once it is ready.")
    volume = next((v for v in row.volumes or [] if v["number"] == number), None)
    if volume is None:
        raise not_found("volume")
    metrics.DOWNLOADS.inc()
    return volume_download(dependency(Minio), dependency(BundleSettings), row, volume)


def to_json(row: Any, latest: bool, with_index: bool = False) -> dict[str, Any]:
    """The API view of a bundle row."""
    volumes = [
        {
            "number": v["number"],
            "sha256": v["sha256"],
            "size_bytes": v["size_bytes"],
            "first_page": v.get("first_page"),
            "last_page": v.get("last_page"),
            "links": {"content": f"/v1/bundles/{row.id}/volumes/{v['number']}"},
        }
        for v in row.volumes or []
    ]
    return {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "title": row.title,
        "version": row.version,
        "latest": latest,
        "status": row.status,
        "reason": row.reason,
        "pages_done": row.pages_done,
        "pages_total": row.pages_total,
        "member_visible": row.member_visible,
        "requested_by": row.requested_by,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "options": row.options,
        "items": [
            {
                "evidence_id": item["evidence_id"],
                "filename": item.get("filename"),
                "title": item["title"],
                "title_source": item["title_source"],
                "date": item["date"],
                "date_source": item["date_source"],
                "kind": item["kind"],
                "kind_label": kind_label(item["kind"]),
                "section": item["section"],
                "redactions": len(item.get("redactions") or ()),
            }
            for item in row.items
        ],
        "index": row.index_rows if with_index and row.status == "ready" else None,
        "volumes": volumes,
        "sha256": row.sha256,
        "size_bytes": row.size_bytes,
        "links": {"self": f"/v1/bundles/{row.id}", "case": f"/v1/cases/{row.case_id}/bundles"},
    }


def volume_download(s3: Minio, settings: BundleSettings, row: Any, volume: dict[str, Any]) -> Response:
    """A stored volume of the bundle ``row``, streamed as a PDF named after the bundle."""
    suffix = f" volume {volume['number']}" if len(row.volumes) > 1 else ""
    return stored_file(
        s3,
        settings.bundle_bucket,
        volume["key"],
        volume.get("version_id"),
        size_bytes=volume["size_bytes"],
        content_type="application/pdf",
        filename=f"{row.title} v{row.version}{suffix}.pdf",
        etag=volume["sha256"],
    )
