"""Sharing a ready bundle with a named external recipient (the union's solicitors): the REST API.

Staff with full access to the case (as for asking for a bundle) create, list and revoke shares; every
such request is authorised by workflow and so audited (``bundle:<id>/shares``). The recipient has no
account: the portal's public page ``/shared/<token>`` calls the ``/v1/shared/<token>`` routes here,
which need no bearer token. The link's token names the share; a one-time code (sent in a separate
e-mail) opens a short session, which the portal keeps in a cookie and passes back in
``X-Share-Session``; the session lets the index be read and the volumes downloaded. Every one of these
accesses, refused ones included, is audited through workflow (shares.py). An expired or revoked share
answers 410; wrong codes are counted and lock the share at the limit (403 ``share-locked``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
from typing import Any, Literal

from flask import Blueprint, Response, jsonify, request
from minio import Minio
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from casework.v1 import workflow_pb2
from casework_bundle.api import volume_download
from casework_bundle.settings import BundleSettings
from casework_bundle.share_mail import ShareMailer
from casework_bundle.shares import Access, Shares, state_of, to_json
from casework_bundle.store import Bundles, parse_id
from casework_common.openapi import Reply, api, public
from casework_common.problems import Problem, forbidden, not_found, unavailable
from casework_common.web import dependency, parse_json, principal
from casework_common.workflow_client import WorkflowClient

log = logging.getLogger(__name__)

SESSION_HEADER = "X-Share-Session"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
RECIPIENT_HEADERS = {
    SESSION_HEADER: "The session a right code opened (the portal keeps it in the recipient's cookie).",
    "X-Forwarded-For": "The recipient's address, as the portal saw it, for the audit log.",
}


class ShareIn(BaseModel):
    """Who receives the link and for how long."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    recipient_name: str = Field(min_length=1, max_length=200, description="As the e-mails address them.")
    recipient_email: EmailStr = Field(max_length=254)
    expires_in_days: int = Field(default=14, ge=1, le=30)

    @field_validator("recipient_name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("a name is one line of text")
        return value


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=r"^[0-9]{6,8}$", description="The one-time code from the second e-mail.")


class ShareOut(BaseModel):
    """A share as its bundle's staff see it (never its link or code)."""

    id: str
    bundle_id: str
    recipient_name: str
    recipient_email: str
    state: Literal["active", "expired", "revoked", "locked"]
    created_by: str
    created_at: str
    expires_at: str
    revoked_at: str | None
    revoked_by: str | None
    locked_at: str | None
    wrong_codes: int
    codes_sent: int
    last_access_at: str | None
    access_count: int = Field(description="Page views, codes tried and downloads, each audited.")
    links: dict[str, str]


class ShareList(BaseModel):
    """A bundle's shares, newest first."""

    items: list[ShareOut]


class SharedVolumeOut(BaseModel):
    number: int
    first_page: int | None
    last_page: int | None
    size_bytes: int
    sha256: str


class SharedIndexRowOut(BaseModel):
    number: int
    section: str
    date: str
    title: str
    kind: str
    volume: int
    first_page: int
    last_page: int


class SharedOut(BaseModel):
    """What the link shows: without a session only that a code is needed; with one, the bundle."""

    state: Literal["code_required", "open", "locked"]
    recipient_name: str
    expires_at: str
    code_sent_to: str = Field(description="The recipient's address, partly hidden.")
    session_expires_at: str | None = None
    title: str | None = None
    version: int | None = None
    case_reference: str | None = None
    pages: int | None = None
    index: list[SharedIndexRowOut] | None = None
    volumes: list[SharedVolumeOut] | None = None


class SessionOut(BaseModel):
    """The session the right code opened."""

    session: str
    expires_at: str


class CodeSentOut(BaseModel):
    """A new code is on its way to the recipient."""

    code_sent_to: str


bp = Blueprint("sharing", __name__)


def managed(
    bundle_id: str, what: str, action: int = workflow_pb2.CASE_ACTION_EDIT_EVIDENCE
) -> tuple[Any, workflow_pb2.AuthorizeResponse]:
    """The bundle and workflow's decision, if the caller has full access to its case: 404 for whoever
    may not see the bundle, 403 for a member who may see it (member-visible) but not share it."""
    caller = principal()
    row = dependency(Bundles).get(bundle_id)
    if row is None:
        raise not_found("bundle")
    decision = dependency(WorkflowClient).authorize(caller.token, str(row.case_id), action, f"bundle:{row.id}{what}")
    if not decision.allowed or caller.is_service:
        if decision.visible and row.member_visible:
            raise forbidden("Only the case's reps, coordinator, official or caseworker share bundles.")
        raise not_found("bundle")
    return row, decision


@bp.post("/v1/bundles/<bundle_id>/shares")
@api(
    "Share a ready bundle with a named external recipient (reps, coordinators, officials, caseworkers)",
    {201: Reply("The share; the link and the code went to the recipient in two e-mails.", ShareOut)},
    body=ShareIn,
    errors=(403, 404, 409, 503),
)
def create(bundle_id: str) -> tuple[Response, int]:
    """The recipient gets two e-mails: one with the link, one with a one-time code. Neither is kept
    here, nor shown to anyone else. The link works for ``expires_in_days`` (1 to 30, 14 by default)
    unless revoked."""
    row, decision = managed(bundle_id, "/shares/create")
    body = parse_json(ShareIn)
    if row.status != "ready":
        raise Problem(409, "not-ready", "Not ready", f"The bundle is {row.status}; only a ready bundle is shared.")
    caller = principal()
    shares, mailer = dependency(Shares), dependency(ShareMailer)
    email = str(body.recipient_email)
    try:
        with shares.engine.begin() as conn:
            created = shares.create(conn, caller, row, body.recipient_name, email, body.expires_in_days)
            expires = created.row.expires_at.strftime("%d %B %Y %H:%M UTC")
            shared_by = caller.name or caller.username
            # Both mails before the commit: a share whose mails failed never exists.
            mailer.send_link(body.recipient_name, email, created.token, shared_by, decision.case.reference, expires)
            mailer.send_code(body.recipient_name, email, created.code, first=True)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("share of bundle %s not created: mail failed: %s", row.id, exc)
        raise unavailable("The e-mails to the recipient could not be sent; nothing was shared.") from exc
    log.info("bundle %s shared (share %s) by %s", row.id, created.row.id, caller.username)
    return jsonify(to_json(created.row, shares.now())), 201


@bp.get("/v1/bundles/<bundle_id>/shares")
@api("A bundle's shares: recipient, dates, state, last access and accesses", {200: ShareList}, errors=(403, 404))
def list_shares(bundle_id: str) -> Response:
    row, _ = managed(bundle_id, "/shares", workflow_pb2.CASE_ACTION_VIEW_REPS_EVIDENCE)
    shares = dependency(Shares)
    moment = shares.now()
    return jsonify(items=[to_json(share, moment) for share in shares.list_for_bundle(row.id)])


@bp.delete("/v1/bundles/<bundle_id>/shares/<share_id>")
@api("Revoke a share: its link answers 410 from now on", {200: ShareOut}, errors=(403, 404))
def revoke(bundle_id: str, share_id: str) -> Response:
    row, _ = managed(bundle_id, f"/shares/{share_id}/revoke")
    shares = dependency(Shares)
    parsed = parse_id(share_id)
    revoked = shares.revoke(row.id, parsed, principal()) if parsed else None
    if revoked is None:
        raise not_found("share")
    log.info("share %s of bundle %s revoked by %s", share_id, row.id, principal().username)
    return jsonify(to_json(revoked, shares.now()))


# -- the recipient (no account; through the portal) -------------------------------


def access() -> Access:
    """Who is at the door: the address the portal reported (X-Forwarded-For), else the peer's."""
    forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
    return Access(remote_address=_CONTROL.sub("", forwarded) or (request.remote_addr or ""))


def share_for(token: str, action: str, resource: str = "") -> Any:
    """The share the token names, if it is still open: 404 for none, 410 for expired or revoked
    (each refusal audited)."""
    shares = dependency(Shares)
    share = shares.find(token) if _TOKEN.fullmatch(token) else None
    if share is None:
        raise Problem(404, "not-found", "Not found", "No shared bundle has that link.")
    state = state_of(share, shares.now())
    if state in ("expired", "revoked"):
        shares.record(share, action, state, access(), resource)
        raise Problem(
            410,
            "share-gone",
            "Link no longer valid",
            f"This link has {'expired' if state == 'expired' else 'been withdrawn'}. "
            "Ask the person who shared it for a new one.",
            state=state,
        )
    return share


def session_of(share: Any) -> dt.datetime | None:
    """When the recipient's session (``X-Share-Session``) ends, or None without a live one."""
    return dependency(Shares).session_valid(share, request.headers.get(SESSION_HEADER, "")[:200])


@bp.get("/v1/shared/<token>")
@public
@api(
    "What a share's link shows (the recipient; no account)",
    {200: SharedOut},
    errors=(404, 410),
    headers=RECIPIENT_HEADERS,
)
def shared(token: str) -> Response:
    """Without a live session: that a code is needed (or that the share is locked). With one: the
    bundle's title, index and volumes. Every view is audited."""
    shares = dependency(Shares)
    share = share_for(token, "view")
    state = state_of(share, shares.now())
    view: dict[str, Any] = {
        "recipient_name": share.recipient_name,
        "expires_at": share.expires_at.isoformat(),
        "code_sent_to": _masked(share.recipient_email),
    }
    ends = session_of(share) if state == "active" else None
    if ends is None:
        shares.record(share, "view", "locked" if state == "locked" else "code-required", access())
        return jsonify(state="locked" if state == "locked" else "code_required", **view)
    shares.record(share, "view", "ok", access())
    bundle = shares.bundle_of(share)
    index = [{k: r.get(k) for k in SharedIndexRowOut.model_fields} for r in bundle.index_rows or []]
    volumes = [{k: v.get(k) for k in SharedVolumeOut.model_fields} for v in bundle.volumes or []]
    return jsonify(
        state="open",
        session_expires_at=ends.isoformat(),
        title=bundle.title,
        version=bundle.version,
        case_reference=(bundle.options or {}).get("case_reference"),
        pages=bundle.pages_total,
        index=index,
        volumes=volumes,
        **view,
    )


@bp.post("/v1/shared/<token>/sessions")
@public
@api(
    "Open a session with the one-time code (the recipient)",
    {201: SessionOut},
    body=CodeIn,
    errors=(403, 404, 410),
    headers=RECIPIENT_HEADERS,
)
def open_session(token: str) -> tuple[Response, int]:
    """A right code opens a session of ``share_session_minutes`` and is used up. A wrong code is
    counted (403 ``wrong-code`` with ``attempts_left``); at the limit the share is locked for good
    (403 ``share-locked``): the sharer can share again."""
    share = share_for(token, "code-refused")
    body = parse_json(CodeIn)
    result = dependency(Shares).try_code(share.id, body.code, access())
    if result.state == "locked":
        raise Problem(
            403,
            "share-locked",
            "Locked",
            "Too many wrong codes: this link is locked. Ask the person who shared it for a new one.",
        )
    if result.state != "active":  # expired or revoked while the code was typed
        raise Problem(410, "share-gone", "Link no longer valid", "This link no longer works.", state=result.state)
    if result.no_code:
        raise Problem(403, "code-used", "Code used", "That code has been used. Ask for a new code.", attempts_left=0)
    if result.wrong:
        raise Problem(
            403,
            "wrong-code",
            "Wrong code",
            f"That code is not right. {result.attempts_left} attempt(s) left.",
            attempts_left=result.attempts_left,
        )
    assert result.session is not None and result.session_expires_at is not None
    return jsonify(session=result.session, expires_at=result.session_expires_at.isoformat()), 201


@bp.post("/v1/shared/<token>/codes")
@public
@api(
    "Send the recipient a new one-time code (the recipient)",
    {202: CodeSentOut},
    errors=(403, 404, 410, 429, 503),
    headers=RECIPIENT_HEADERS,
)
def new_code(token: str) -> tuple[Response, int]:
    """To the share's recipient only, at most one a minute and a few in all (429 with Retry-After)."""
    share = share_for(token, "code-sent")
    try:
        refusal = send_new_code(share.id, access())
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("new code for share %s not sent: %s", share.id, exc)
        raise unavailable("The code could not be sent. Please try again later.") from exc
    if refusal is not None:
        raise refusal
    return jsonify(code_sent_to=_masked(share.recipient_email)), 202


def send_new_code(share_id: Any, visitor: Access) -> Problem | None:
    """Replace the share's code and mail it to its recipient, or say why not (the share is no longer
    active, or sent its last code, or sent one too recently): each outcome audited, in one transaction
    with the share's row locked, so two requests at once send one code."""
    shares, settings = dependency(Shares), dependency(BundleSettings)
    with shares.engine.begin() as conn:
        row, moment = shares.lock_for_update(conn, share_id)
        state = state_of(row, moment)
        if state != "active":
            shares.record(row, "code-sent", state, visitor, conn=conn)
            return _refused_code(state)
        wait = _wait_s(row, moment, settings)
        if wait is None:
            shares.record(row, "code-sent", "limit", visitor, conn=conn)
            return Problem(429, "too-many-codes", "Too many codes", "No more codes can be sent for this link.")
        if wait > 0:
            shares.record(row, "code-sent", "too-soon", visitor, conn=conn)
            return Problem(429, "too-soon", "Too soon", f"A new code can be sent in {wait} seconds.", retry_after=wait)
        code = shares.replace_code(conn, row.id)
        shares.record(row, "code-sent", "ok", visitor, conn=conn)
        dependency(ShareMailer).send_code(row.recipient_name, row.recipient_email, code, first=False)
        return None


@bp.get("/v1/shared/<token>/volumes/<int:number>")
@public
@api(
    "Download a volume of a shared bundle (the recipient, with a session; every download is audited)",
    {200: Reply("The volume's PDF, as stored.", media={"application/pdf": {"type": "string", "format": "binary"}})},
    errors=(403, 404, 410),
    headers=RECIPIENT_HEADERS,
)
def download(token: str, number: int) -> Response:
    shares = dependency(Shares)
    share = share_for(token, "download")
    resource = f"bundle:{share.bundle_id}/volumes/{number}"
    if state_of(share, shares.now()) != "active" or session_of(share) is None:
        shares.record(share, "download", "no-session", access(), resource)
        raise Problem(403, "session-required", "Code required", "Enter the one-time code first.")
    bundle = shares.bundle_of(share)
    volume = next((v for v in bundle.volumes or [] if v["number"] == number), None)
    if volume is None:
        raise Problem(404, "not-found", "Not found", "The bundle has no such volume.")
    shares.record(share, "download", "ok", access(), resource)
    response = volume_download(dependency(Minio), dependency(BundleSettings), bundle, volume)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused_code(state: str) -> Problem:
    if state == "locked":
        return Problem(403, "share-locked", "Locked", "Too many wrong codes: this link is locked.")
    return Problem(410, "share-gone", "Link no longer valid", "This link no longer works.", state=state)


def _wait_s(row: Any, moment: dt.datetime, settings: BundleSettings) -> int | None:
    """Seconds until another code may be sent (0: now), or None once the share has sent all it may."""
    if row.codes_sent >= settings.share_max_codes:
        return None
    if row.code_sent_at is None:
        return 0
    ready = row.code_sent_at + dt.timedelta(seconds=settings.share_code_resend_after_s)
    return max(0, int((ready - moment).total_seconds()) + (1 if ready > moment else 0))


def _masked(email: str) -> str:
    """j***@firm.example: enough to recognise, not enough to learn the address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
