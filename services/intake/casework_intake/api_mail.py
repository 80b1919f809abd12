"""Email-in over REST: a case's intake addresses, and the held mail its team accepts or rejects.

Held mail is the case's staff's business only (EDIT_EVIDENCE: the reps, coordinators,
caseworkers and officials with full access). Anyone else, the case's member too, gets 404 for
it, as for evidence they may not see.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Literal

from flask import Blueprint, Response, jsonify, request
from minio import Minio
from pydantic import BaseModel, ConfigDict, Field

from casework.v1 import workflow_pb2
from casework_common.auth import Principal
from casework_common.openapi import BINARY, Reply, api
from casework_common.problems import Problem, forbidden, not_found
from casework_common.vocabulary import VisibilityName
from casework_common.web import dependency, parse_json, parse_query, principal, stored_file
from casework_common.workflow_client import WorkflowClient
from casework_intake.api import EvidenceOut, HoldReason, HoldState
from casework_intake.evidence import parse_id, to_json
from casework_intake.filing import AlreadyDecided
from casework_intake.mailroom import addresses
from casework_intake.mailroom.held import HeldMail
from casework_intake.mailroom.messages import evidence_filename
from casework_intake.mailroom.store import AddressBook, MailLog, held_json
from casework_intake.settings import IntakeSettings

log = logging.getLogger(__name__)
# The most waiting messages GET /v1/held-mail looks through (oldest first; its description says so).
HELD_LIST_LIMIT = 500


class IntakeAddressOut(BaseModel):
    """Where a case's evidence can be emailed."""

    address: str | None = Field(
        description="The case's private intake address; null when it has none (staff make one with POST)."
    )
    general_address: str = Field(description="The general address: the case reference in the subject routes a message.")
    scanner_address: str = Field(description="Where scanned batches with cover sheets are emailed.")
    subject_hint: str = Field(description="What to put in the subject when writing to the general address.")
    created_at: str | None = Field(description="When the private address was made (null without one).")
    created_by: str | None = Field(description="Who made it (preferred_username; null without one).")


class AttachmentOut(BaseModel):
    filename: str
    size_bytes: int


class HeldMailOut(BaseModel):
    """A message the mailroom did not file by itself: who sent it, why it waits, what became of it."""

    id: str
    case_id: str | None
    case_reference: str | None
    recipient: str = Field(description="The intake address it was sent to.")
    route: Literal["case-address", "general", "scanner"]
    sender: str = Field(description="The From address (lower case).")
    subject: str | None
    received_at: str
    size_bytes: int
    attachments: list[AttachmentOut] = Field(
        description="Each attachment's name and size (the content stays in the message)."
    )
    reason: HoldReason | None = Field(description="Why it was held.")
    reason_text: str | None = Field(description="The reason in words for the person deciding.")
    authentication: str | None = Field(
        description="What the union's receiving mail server found (e.g. 'dkim=pass spf=fail dmarc=fail'); "
        "null when it added no trusted Authentication-Results."
    )
    state: HoldState
    decided_by: str | None
    decided_at: str | None
    evidence_id: str | None = Field(description="The item the message became, once accepted.")


class HeldMailList(BaseModel):
    """Held messages, oldest first."""

    items: list[HeldMailOut]


class HeldMailQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: HoldState | None = Field(default=None, description="Only messages in this state (default: all).")


class AcceptBody(BaseModel):
    """How to file an accepted message."""

    model_config = ConfigDict(extra="forbid")

    visibility: VisibilityName = Field(
        default="reps", description="Who may see the item: 'reps' (default) or 'member' (the case's member too)."
    )


class AcceptedOut(BaseModel):
    """The message, now accepted, and the item it became (its attachments become items of their own
    once the message has been read)."""

    held: HeldMailOut
    items: list[EvidenceOut]


bp = Blueprint("mail", __name__)


def case_decision(caller: Principal, case_id: str, action: int, resource: str) -> workflow_pb2.AuthorizeResponse:
    """The caller may do ``action`` on the case (EDIT_EVIDENCE: a person, never a service); 404 if
    they may not see it."""
    decision = dependency(WorkflowClient).authorize(caller.token, case_id, action, resource)
    if not decision.visible:
        raise not_found("case")
    if not decision.allowed or (action == workflow_pb2.CASE_ACTION_EDIT_EVIDENCE and caller.is_service):
        raise forbidden(decision.reason or "Only union staff with full access to the case may do this.")
    return decision


def address_json(case: workflow_pb2.CaseSummary) -> dict[str, Any]:
    """The case's addresses as the API answers them."""
    settings = dependency(IntakeSettings)
    row = dependency(AddressBook).current(uuid.UUID(case.case_id))
    general = addresses.general_address(settings)
    return {
        "address": addresses.case_address(settings, row.token) if row else None,
        "general_address": general,
        "scanner_address": addresses.scanner_address(settings),
        "subject_hint": f"Put {case.reference} in the subject when writing to {general}.",
        "created_at": row.created_at.isoformat() if row else None,
        "created_by": row.created_by if row else None,
    }


def held(mail_id: str, what: str) -> tuple[Any, workflow_pb2.AuthorizeResponse]:
    """A held message the caller may decide, with the decision (its case); 404 otherwise."""
    parsed = parse_id(mail_id)
    row = dependency(MailLog).get(parsed) if parsed else None
    if row is None or row.case_id is None or row.state == "filed":
        raise not_found("held mail")
    caller = principal()
    decision = dependency(WorkflowClient).authorize(
        caller.token, str(row.case_id), workflow_pb2.CASE_ACTION_EDIT_EVIDENCE, f"held-mail:{row.id}{what}"
    )
    if not decision.allowed or caller.is_service:
        raise not_found("held mail")
    return row, decision


def decided(row: Any) -> Problem:
    """409: the held message was accepted or rejected already (by whom, in the detail)."""
    return Problem(409, "conflict", "Already decided", f"This message was {row.state} by {row.decided_by} already.")


@bp.get("/v1/cases/<case_id>/intake-address")
@api("Where a case's evidence can be emailed", {200: IntakeAddressOut}, errors=(403, 404))
def get_address(case_id: str) -> Response:
    """The case's private intake address (null until staff make one), the general address (the
    case reference in the subject routes a message) and the scanner address. Anyone who may add
    evidence to the case, its member too."""
    decision = case_decision(principal(), case_id, workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE, "intake-address:read")
    return jsonify(address_json(decision.case))


@bp.post("/v1/cases/<case_id>/intake-address")
@api("Make a new private intake address for a case", {201: IntakeAddressOut}, errors=(403, 404))
def new_address(case_id: str) -> tuple[Response, int]:
    """A new unguessable address; the case's previous address stops taking mail at once (mail
    to it is refused). Union staff with full access to the case."""
    caller = principal()
    decision = case_decision(caller, case_id, workflow_pb2.CASE_ACTION_EDIT_EVIDENCE, "intake-address:new")
    dependency(AddressBook).renew(uuid.UUID(decision.case.case_id), caller.username)
    log.info("new intake address for case %s by %s", decision.case.case_id, caller.username)
    return jsonify(address_json(decision.case)), 201


@bp.delete("/v1/cases/<case_id>/intake-address")
@api("Withdraw a case's private intake address", {200: IntakeAddressOut}, errors=(403, 404))
def revoke_address(case_id: str) -> Response:
    """Mail to the case's private address is refused from now on (the general address still
    works with the case reference in the subject). Answers the addresses as they now are."""
    caller = principal()
    decision = case_decision(caller, case_id, workflow_pb2.CASE_ACTION_EDIT_EVIDENCE, "intake-address:revoke")
    if dependency(AddressBook).revoke(uuid.UUID(decision.case.case_id), caller.username):
        log.info("intake address of case %s withdrawn by %s", decision.case.case_id, caller.username)
    return jsonify(address_json(decision.case))


@bp.get("/v1/cases/<case_id>/held-mail")
@api("A case's held mail", {200: HeldMailList}, query=HeldMailQuery, errors=(404,))
def case_held(case_id: str) -> Response:
    """Messages to the case that wait for its team (and those already accepted or rejected),
    oldest first. Union staff with full access to the case; anyone else gets 404."""
    caller = principal()
    query = parse_query(HeldMailQuery)
    decision = dependency(WorkflowClient).authorize(
        caller.token, case_id, workflow_pb2.CASE_ACTION_EDIT_EVIDENCE, "held-mail:list-case"
    )
    if not decision.allowed or caller.is_service:
        raise not_found("case")
    rows = dependency(MailLog).held_for_case(uuid.UUID(decision.case.case_id), waiting_only=False)
    return jsonify(items=[held_json(r, decision.case.reference) for r in rows if query.state in (None, r.state)])


@bp.get("/v1/held-mail")
@api("Held mail waiting for the caller", {200: HeldMailList})
def all_held() -> Response:
    """Waiting messages of every case whose held mail the caller may decide, oldest first (at
    most 500). The cases are chosen before the messages: those of the caller's scope (workflow's
    GetScope) that have waiting mail, each authorized, so no number of messages to other cases
    can push the caller's own out of the list."""
    caller = principal()
    if caller.is_service:
        return jsonify(items=[])
    return jsonify(items=[held_json(row, reference) for row, reference in waiting_for(caller)])


def waiting_for(caller: Principal) -> list[tuple[Any, str | None]]:
    """The waiting messages the caller may decide, with their case's reference (at most
    HELD_LIST_LIMIT, oldest first). The cases are chosen first: those of the caller's scope that
    have waiting mail, each authorized."""
    workflow = dependency(WorkflowClient)
    mail_log = dependency(MailLog)
    scope = workflow.scope(caller.token)
    candidates = mail_log.waiting_cases()
    if not scope.branches:  # no whole branch: only the cases named in the scope can be theirs
        named = {uuid.UUID(case_id) for case_id in scope.case_ids}
        candidates = [case_id for case_id in candidates if case_id in named]
    references: dict[uuid.UUID, str | None] = {}
    for case_id in candidates:
        decision = workflow.authorize(
            caller.token, str(case_id), workflow_pb2.CASE_ACTION_EDIT_EVIDENCE, "held-mail:list"
        )
        if decision.allowed:
            references[case_id] = decision.case.reference
    return [(row, references[row.case_id]) for row in mail_log.waiting(list(references), HELD_LIST_LIMIT)]


@bp.get("/v1/held-mail/<mail_id>")
@api("Read a held message's record", {200: HeldMailOut}, errors=(404,))
def get_held(mail_id: str) -> Response:
    row, decision = held(mail_id, "")
    return jsonify(held_json(row, decision.case.reference))


@bp.get("/v1/held-mail/<mail_id>/content")
@api(
    "Download a held message",
    {200: Reply("The message as received (RFC 5322).", media={"message/rfc822": BINARY})},
    errors=(404, 409),
)
def held_content(mail_id: str) -> Response:
    """The whole message as it arrived, while it waits (an accepted one is an evidence item)."""
    row, _decision = held(mail_id, "/content")
    if row.state != "waiting" or not row.object_key:
        raise decided(row)
    return stored_file(
        dependency(Minio),
        row.bucket,
        row.object_key,
        None,
        size_bytes=row.size_bytes,
        content_type="message/rfc822",
        filename=evidence_filename(row.subject or ""),
    )


@bp.post("/v1/held-mail/<mail_id>/accept")
@api("Accept a held message: file it to its case", {200: AcceptedOut}, body=AcceptBody, errors=(404, 409))
def accept(mail_id: str) -> Response:
    """The message becomes an evidence item of its case, uploaded by the caller (its
    attachments become items of their own once it has been read), with the ``visibility``
    chosen (default 'reps'). An empty body takes the defaults. 409 once decided."""
    caller = principal()
    # The body first: a malformed one is the same 422 whether or not the message exists.
    choice = AcceptBody() if _empty_body() else parse_json(AcceptBody)
    row, decision = held(mail_id, "/accept")
    try:
        items = dependency(HeldMail).accept(caller, row, decision.case, choice.visibility)
    except AlreadyDecided as exc:
        raise decided(exc.row) from None
    now = dependency(MailLog).get(row.id)
    return jsonify(held=held_json(now, decision.case.reference), items=[to_json(item) for item in items])


@bp.post("/v1/held-mail/<mail_id>/reject")
@api("Reject a held message: it is deleted, its record kept", {200: HeldMailOut}, errors=(404, 409))
def reject(mail_id: str) -> Response:
    """The message is deleted; its record (sender, subject, attachments' names, who rejected it
    and when) stays. 409 once decided."""
    caller = principal()
    row, decision = held(mail_id, "/reject")
    try:
        dependency(HeldMail).reject(caller, row)
    except AlreadyDecided as exc:
        raise decided(exc.row) from None
    return jsonify(held_json(dependency(MailLog).get(row.id), decision.case.reference))


def _empty_body() -> bool:
    length = request.content_length
    return length == 0 or (length is None and not request.is_json and "Transfer-Encoding" not in request.headers)
