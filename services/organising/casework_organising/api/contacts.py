"""The contact log, follow-ups and "ask for help" (``/v1/sessions/{id}/contacts``,
``/v1/follow-ups``, ``/v1/sessions/{id}/help-requests``).

Who may do what (casework_organising.access): a session's branch staff log conversations, read
them with people's details, work follow-ups and ask for help; the region's officials read the
session's help requests (they are asked) but neither its conversations (one row per person would
get round the suppression of small counts: officials have the results) nor follow-ups; anyone else
who may use organising gets 404 for another branch's or region's session, and members,
caseworkers, the dpo and admin 403 everywhere.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Literal

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from casework.v1 import organising_pb2
from casework_common import events
from casework_common.auth import Principal
from casework_common.openapi import Reply, api
from casework_common.outbox import enqueue
from casework_common.problems import Problem, forbidden, not_found
from casework_common.typed_dates import london_today
from casework_common.web import dependency, parse_json, parse_query
from casework_organising import access, contact_log
from casework_organising.api import lookup
from casework_organising.contact_log import ContactIn
from casework_organising.planning import Campaigns, parse_uuid
from casework_organising.settings import OrganisingSettings
from casework_organising.tables import campaigns, contacts, follow_ups, help_requests, outbox, plans, sessions
from casework_organising.text import Strict, iso

log = logging.getLogger(__name__)


class CloseIn(Strict):
    """Why the follow-up is no longer needed (e.g. "Joined at the office", "Asked not to be contacted")."""

    reason: str = Field(min_length=1, max_length=200)


class HelpIn(Strict):
    """What help the team needs (optional; read on the session's page by the branch's staff and the
    region's officials, not sent in the notification)."""

    message: str = Field(default="", max_length=500)


class FollowUpsQuery(Strict):
    """Which follow-ups: one campaign's or all, open, closed or both."""

    campaign_id: uuid.UUID | None = Field(default=None, description="Only this campaign's follow-ups.")
    state: Literal["open", "closed", "all"] = "open"


class ContactOut(BaseModel):
    """One logged conversation, for the branch's reps and coordinator (officials read counts in the
    results). Once the campaign's retention ran, ``person_name`` and ``person_contact`` are null and
    ``issue_text`` is empty."""

    id: str
    session_id: str
    campaign_id: str
    branch: str
    workplace: str
    department: str
    client_id: str
    recorded_by: str
    recorded_at: str
    is_member: bool
    outcome: str
    call_again_on: str | None
    issue_category: str | None
    issue_text: str | None
    petition_signed: bool
    card_left: bool
    person_name: str | None
    person_contact: str | None
    lawful_basis: str | None
    target_entry_id: str | None
    follow_up_id: str | None = Field(description="The follow-up this conversation answered.")
    details_removed: bool = Field(description="The campaign's retention removed people's details.")


class FollowUpOut(BaseModel):
    """A follow-up for the session's team; person details come from the conversation that opened it."""

    id: str
    contact_id: str
    session_id: str
    campaign_id: str
    branch: str
    outcome: str
    due_on: str
    team: list[str]
    target_entry_id: str | None
    state: Literal["open", "closed"]
    reminded_at: str | None
    closed_at: str | None
    closed_by_contact: str | None
    created_at: str
    place: str | None = None
    workplace: str | None = None
    person_name: str | None = None
    person_contact: str | None = None
    is_member: bool | None = None
    issue_category: str | None = None
    issue_text: str | None = None


class ContactRecorded(ContactOut):
    """The stored conversation; ``duplicate`` when this client_id was stored before (nothing new was done)."""

    duplicate: bool
    follow_up: FollowUpOut | None = Field(description="The follow-up this conversation opened.")
    closed_follow_ups: list[str] = Field(description="Follow-ups this conversation closed.")


class ContactList(BaseModel):
    """A session's conversations, newest first."""

    items: list[ContactOut]


class FollowUpList(BaseModel):
    """The caller's branch's follow-ups, soonest due first."""

    items: list[FollowUpOut]


class HelpRequestOut(BaseModel):
    """A help request and who was told."""

    id: str
    session_id: str
    requested_by: str
    recipients: list[str]
    created_at: str


class HelpRequestRead(HelpRequestOut):
    """A help request with what the team wrote."""

    message: str = Field(description='What the team wrote ("" if nothing, or once the retention removed it).')


class HelpRequestList(BaseModel):
    """A session's help requests, newest first."""

    items: list[HelpRequestRead]


def _session(conn: Connection, caller: Principal, session_id: str) -> Any:
    """The session (with its campaign's region and its plan's link official)
    if the caller may read its branch; else 404."""
    row = conn.execute(
        select(
            sessions,
            campaigns.c.region,
            plans.c.link_official,
        )
        .join(campaigns, campaigns.c.id == sessions.c.campaign_id)
        .join(plans, plans.c.id == sessions.c.plan_id)
        .where(sessions.c.id == parse_uuid(session_id, "session"))
    ).first()
    if row is None or not access.reads_branch(caller, row.region, row.branch):
        raise not_found("session")
    return row


def _works(caller: Principal, session: Any, what: str) -> None:
    if not access.works_branch(caller, session.region, session.branch):
        raise forbidden(f"Only the branch's reps and coordinator {what}.")


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def contact_json(row: Any) -> dict[str, Any]:
    """The API view of a contacts row, people's details included (only the branch gets it)."""
    return {
        "id": str(row.id),
        "session_id": str(row.session_id),
        "campaign_id": str(row.campaign_id),
        "branch": row.branch,
        "workplace": row.workplace,
        "department": row.department,
        "client_id": str(row.client_id),
        "recorded_by": row.recorded_by,
        "recorded_at": row.recorded_at.isoformat(),
        "is_member": row.is_member,
        "outcome": row.outcome,
        "call_again_on": iso(row.call_again_on),
        "issue_category": row.issue_category,
        "issue_text": row.issue_text,
        "petition_signed": row.petition_signed,
        "card_left": row.card_left,
        "person_name": row.person_name,
        "person_contact": row.person_contact,
        "lawful_basis": row.lawful_basis,
        "target_entry_id": _str(row.target_entry_id),
        "follow_up_id": _str(row.follow_up_id),
        "details_removed": row.details_removed_at is not None,
    }


def follow_up_json(row: Any) -> dict[str, Any]:
    """The API view of a follow_ups row, with the person's details when the row carries them."""
    data = {
        "id": str(row.id),
        "contact_id": str(row.contact_id),
        "session_id": str(row.session_id),
        "campaign_id": str(row.campaign_id),
        "branch": row.branch,
        "outcome": row.outcome,
        "due_on": row.due_on.isoformat(),
        "team": list(row.team),
        "target_entry_id": _str(row.target_entry_id),
        "state": row.state,
        "reminded_at": iso(row.reminded_at),
        "closed_at": iso(row.closed_at),
        "closed_by_contact": _str(row.closed_by_contact),
        "created_at": row.created_at.isoformat(),
    }
    for extra in ("place", "workplace", "person_name", "person_contact", "is_member", "issue_category", "issue_text"):
        if extra in row._mapping:
            data[extra] = row._mapping[extra]
    return data


def _follow_ups_with_people() -> Any:
    return select(
        follow_ups,
        sessions.c.place,
        sessions.c.workplace,
        contacts.c.person_name,
        contacts.c.person_contact,
        contacts.c.is_member,
        contacts.c.issue_category,
        contacts.c.issue_text,
    ).select_from(
        follow_ups.join(contacts, contacts.c.id == follow_ups.c.contact_id).join(
            sessions, sessions.c.id == follow_ups.c.session_id
        )
    )


bp = Blueprint("contacts", __name__)


@bp.post("/v1/sessions/<session_id>/contacts")
@api(
    "Log a conversation in a session (the branch's reps and coordinator)",
    {
        201: Reply("Stored.", ContactRecorded),
        200: Reply("This client_id was stored before: the stored entry, duplicate true.", ContactRecorded),
    },
    body=ContactIn,
    errors=(403, 404, 409),
)
def log_contact(session_id: str) -> tuple[Response, int]:
    """One entry per conversation. Sending the same ``client_id`` again (a retry, a queued entry
    sent twice) stores nothing new and answers 200 with the stored entry. "call_again" and
    "will_join_online" open a follow-up for the session's team; a join closes the follow-up it
    answers and the open follow-ups of the same target-list entry."""
    caller = lookup.organiser()
    engine = dependency(Engine)
    with engine.connect() as conn:
        session = _session(conn, caller, session_id)
    _works(caller, session, "log conversations")
    entry = parse_json(ContactIn)
    try:
        with engine.begin() as conn:
            done = contact_log.record(conn, session, caller.username, entry, london_today())
    except IntegrityError:
        # The session was deleted since it was read (its foreign key broke): 404, as for a
        # session that never was. Anything else is a fault, raised as it is.
        with engine.connect() as conn:
            _session(conn, caller, session_id)
        raise
    body = contact_json(done.contact) | {
        "duplicate": done.duplicate,
        "follow_up": follow_up_json(done.follow_up) if done.follow_up is not None else None,
        "closed_follow_ups": [str(i) for i in done.closed],
    }
    return jsonify(body), 200 if done.duplicate else 201


@bp.get("/v1/sessions/<session_id>/contacts")
@api(
    "A session's conversations, newest first (the branch's reps and coordinator)",
    {200: ContactList},
    errors=(403, 404),
)
def list_contacts(session_id: str) -> Response:
    """With people's details. The region's officials get 403: a row per conversation (workplace,
    department, time, issue) would show one person at a time what the results suppress as a
    small count; they read the session's counts in the campaign's results."""
    caller = lookup.organiser()
    with dependency(Engine).connect() as conn:
        session = _session(conn, caller, session_id)
        if not access.sees_people(caller, session.region, session.branch):
            raise forbidden("A session's conversations stay in the branch; the results give the counts.")
        rows = conn.execute(
            select(contacts)
            .where(contacts.c.session_id == session.id)
            .order_by(contacts.c.recorded_at.desc(), contacts.c.id)
        ).all()
    return jsonify(items=[contact_json(row) for row in rows])


@bp.get("/v1/follow-ups")
@api(
    "Follow-ups of the caller's branch, soonest due first (reps and coordinators)",
    {200: FollowUpList},
    query=FollowUpsQuery,
    errors=(403, 404),
)
def list_follow_ups() -> Response:
    """With the person's details from the conversation that opened each one. Officials get 403:
    follow-ups are about people, whose details stay in the branch."""
    caller = lookup.organiser()
    if not access.is_branch_staff(caller):
        raise forbidden("Follow-ups are the branch's: only its reps and coordinator see them.")
    query = parse_query(FollowUpsQuery)
    with dependency(Engine).connect() as conn:
        rows = branch_follow_ups(conn, caller, query)
    return jsonify(items=[follow_up_json(row) for row in rows])


@bp.post("/v1/follow-ups/<follow_up_id>/close")
@api(
    "Close a follow-up that is no longer needed (the branch's reps and coordinator)",
    {200: FollowUpOut},
    body=CloseIn,
    errors=(403, 404, 409),
)
def close_follow_up(follow_up_id: str) -> Response:
    """A join logged for the person closes its follow-up by itself; this is for the others
    (joined some other way, cannot be reached, asked not to be contacted). The reason is not
    stored yet (the table has no column for it)."""
    caller = lookup.organiser()
    wanted = parse_uuid(follow_up_id, "follow-up")
    with dependency(Engine).begin() as conn:
        row = _locked_follow_up(conn, caller, wanted)
        reason = parse_json(CloseIn).reason
        if row.state != "open":
            raise Problem(409, "closed", "Already closed", "The follow-up is closed already.")
        closed = close(conn, wanted)
    # The table has no column for the reason yet; it may name the person, so it is not logged either.
    log.info("follow-up %s closed by hand by %s (reason of %d characters)", wanted, caller.username, len(reason))
    return jsonify(follow_up_json(closed))


@bp.post("/v1/sessions/<session_id>/help-requests")
@api(
    "Ask for help on the day: the plan's link official, or the region's officials",
    {201: HelpRequestOut},
    body=HelpIn,
    errors=(403, 404, 503),
)
def ask_for_help(session_id: str) -> tuple[Response, int]:
    """notify tells the recipients, with a link to the session's page (not the message: they read
    it there, from ``GET /v1/sessions/{id}/help-requests``, after signing in). The link official
    must still be an official of the region; otherwise the regional office (every official of the
    region) is asked. 503 when the directory of people cannot be reached."""
    caller = lookup.organiser()
    engine = dependency(Engine)
    with engine.connect() as conn:
        session = _session(conn, caller, session_id)
    _works(caller, session, "ask for help")
    message = parse_json(HelpIn).message.strip()
    # The directory lookups (with their 503 when Keycloak cannot be reached) are planning's.
    officials = dependency(Campaigns).officials(session.region)
    recipients = [session.link_official] if session.link_official in officials else officials
    with engine.begin() as conn:
        created = record_help_request(conn, caller, session, message, recipients)
    return jsonify(created), 201


@bp.get("/v1/sessions/<session_id>/help-requests")
@api(
    "A session's help requests, with what the team wrote (the branch's staff and the region's officials)",
    {200: HelpRequestList},
    errors=(403, 404),
)
def list_help_requests(session_id: str) -> Response:
    """Where the recipients read what the team asked for (the notification links to the session's
    page, which shows these). Newest first."""
    caller = lookup.organiser()
    with dependency(Engine).connect() as conn:
        session = _session(conn, caller, session_id)
        rows = conn.execute(
            select(help_requests)
            .where(help_requests.c.session_id == session.id)
            .order_by(help_requests.c.created_at.desc(), help_requests.c.id)
        ).all()
    return jsonify(items=[help_request_json(row) for row in rows])


def branch_follow_ups(conn: Connection, caller: Principal, query: FollowUpsQuery) -> list[Any]:
    """The caller's branch's follow-ups (of one campaign of their region, or all), soonest due first,
    with the person's details; 404 for a campaign outside their region."""
    statement = (
        _follow_ups_with_people()
        .join(campaigns, campaigns.c.id == follow_ups.c.campaign_id)
        .where(follow_ups.c.branch == caller.branch, campaigns.c.region == caller.region)
        .order_by(follow_ups.c.due_on, follow_ups.c.created_at)
    )
    if query.state != "all":
        statement = statement.where(follow_ups.c.state == query.state)
    if query.campaign_id is not None:
        region = conn.execute(
            select(campaigns.c.region).where(campaigns.c.id == query.campaign_id)
        ).scalar_one_or_none()
        if region is None or not access.sees_region(caller, region):
            raise not_found("campaign")
        statement = statement.where(follow_ups.c.campaign_id == query.campaign_id)
    return list(conn.execute(statement).all())


def _locked_follow_up(conn: Connection, caller: Principal, follow_up_id: uuid.UUID) -> Any:
    """The follow-up's state, branch and region, row-locked, if the caller works its branch
    (404 for anyone who may not read the branch, 403 for who reads but does not work it)."""
    row = conn.execute(
        select(follow_ups.c.state, follow_ups.c.branch, campaigns.c.region)
        .join(campaigns, campaigns.c.id == follow_ups.c.campaign_id)
        .where(follow_ups.c.id == follow_up_id)
        .with_for_update(of=follow_ups)
    ).first()
    if row is None or not access.reads_branch(caller, row.region, row.branch):
        raise not_found("follow-up")
    if not access.works_branch(caller, row.region, row.branch):
        raise forbidden("Only the branch's reps and coordinator work its follow-ups.")
    return row


def close(conn: Connection, follow_up_id: uuid.UUID) -> Any:
    """Close the follow-up by hand; the closed row, with the person's details."""
    conn.execute(update(follow_ups).where(follow_ups.c.id == follow_up_id).values(state="closed", closed_at=func.now()))
    return conn.execute(_follow_ups_with_people().where(follow_ups.c.id == follow_up_id)).one()


def record_help_request(
    conn: Connection, caller: Principal, session: Any, message: str, recipients: list[str]
) -> dict[str, Any]:
    """Store the help request and its ``HelpRequested`` event (outbox) in ``conn``'s transaction;
    the API view of it (without the message)."""
    request_id = uuid.uuid4()
    created = conn.execute(
        help_requests.insert()
        .values(
            id=request_id,
            session_id=session.id,
            campaign_id=session.campaign_id,
            branch=session.branch,
            requested_by=caller.username,
            message=message,
            recipients=recipients,
        )
        .returning(help_requests.c.created_at)
    ).scalar_one()
    event = organising_pb2.HelpRequested(
        request_id=str(request_id),
        session_id=str(session.id),
        campaign_id=str(session.campaign_id),
        branch=session.branch,
        region=session.region,
        requested_by=caller.username,
        recipients=recipients,
    )
    event.at.GetCurrentTime()
    enqueue(conn, outbox, events.ORGANISING_EVENTS, str(session.id), event, dependency(OrganisingSettings).service_name)
    return {
        "id": str(request_id),
        "session_id": str(session.id),
        "requested_by": caller.username,
        "recipients": recipients,
        "created_at": created.isoformat(),
    }


def help_request_json(row: Any) -> dict[str, Any]:
    """The API view of a help_requests row, with its message."""
    return {
        "id": str(row.id),
        "session_id": str(row.session_id),
        "requested_by": row.requested_by,
        "recipients": list(row.recipients),
        "created_at": row.created_at.isoformat(),
        "message": row.message,
    }
