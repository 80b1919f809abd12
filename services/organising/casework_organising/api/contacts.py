"""The contact log, follow-ups and "ask for help" (``/v1/sessions/{id}/contacts``,
``/v1/follow-ups``, ``/v1/sessions/{id}/help-requests``).

Who may do what (casework_organising.access): a session's branch staff log conversations, read
them with people's details, work follow-ups and ask for help; the region's officials read a
session's conversations without people's details (names, contact details, what they said) and
nothing of follow-ups; anyone else who may use organising gets 404 for another branch's or region's
session, and members, caseworkers, the dpo and admin 403 everywhere.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, Literal

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, func, select, update

from casework.v1 import organising_pb2
from casework_common import events
from casework_common.auth import Principal
from casework_common.openapi import Reply, api
from casework_common.outbox import enqueue
from casework_common.problems import Problem, forbidden, invalid, not_found
from casework_common.typed_dates import london_today
from casework_common.web import parse_json, parse_query, principal
from casework_organising import access, contact_log
from casework_organising.api import Deps
from casework_organising.contact_log import ContactIn
from casework_organising.tables import campaigns, contacts, follow_ups, help_requests, outbox, plans, sessions

log = logging.getLogger(__name__)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CloseIn(Strict):
    """Why the follow-up is no longer needed (e.g. "Joined at the office", "Asked not to be contacted")."""

    reason: str = Field(min_length=1, max_length=200)


class HelpIn(Strict):
    """What help the team needs (optional; only the recipients read it, after signing in)."""

    message: str = Field(default="", max_length=500)


class FollowUpsQuery(Strict):
    campaign_id: uuid.UUID | None = Field(default=None, description="Only this campaign's follow-ups.")
    state: Literal["open", "closed", "all"] = "open"


class ContactOut(BaseModel):
    """One logged conversation. For officials ``person_name``, ``person_contact`` and ``issue_text``
    are null: people's details stay in the branch."""

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


def _id(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise not_found(what) from None


def _user(caller: Principal) -> Principal:
    if not access.may_use(caller):
        raise forbidden("Recruitment campaigns are for branch reps, coordinators and the region's officials.")
    return caller


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
        .where(sessions.c.id == _id(session_id, "session"))
    ).first()
    if row is None or not access.reads_branch(caller, row.region, row.branch):
        raise not_found("session")
    return row


def _works(caller: Principal, session: Any, what: str) -> None:
    if not access.works_branch(caller, session.region, session.branch):
        raise forbidden(f"Only the branch's reps and coordinator {what}.")


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def contact_json(row: Any, people: bool) -> dict[str, Any]:
    """The API view of a contacts row; without people's details unless ``people``."""
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
        "call_again_on": _iso(row.call_again_on),
        "issue_category": row.issue_category,
        "issue_text": row.issue_text if people else None,
        "petition_signed": row.petition_signed,
        "card_left": row.card_left,
        "person_name": row.person_name if people else None,
        "person_contact": row.person_contact if people else None,
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
        "reminded_at": _iso(row.reminded_at),
        "closed_at": _iso(row.closed_at),
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


def blueprint(deps: Deps) -> Blueprint:
    bp = Blueprint("contacts", __name__)
    engine, directory = deps.engine, deps.directory

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
        caller = _user(principal())
        with engine.connect() as conn:
            session = _session(conn, caller, session_id)
        _works(caller, session, "log conversations")
        entry = parse_json(ContactIn)
        today = london_today()
        errors = contact_log.rule_errors(entry, today)
        if errors:
            raise invalid(errors)
        with engine.begin() as conn:
            done = contact_log.record(conn, session, caller.username, entry, today)
        body = contact_json(done.contact, people=True) | {
            "duplicate": done.duplicate,
            "follow_up": follow_up_json(done.follow_up) if done.follow_up is not None else None,
            "closed_follow_ups": [str(i) for i in done.closed],
        }
        return jsonify(body), 200 if done.duplicate else 201

    @bp.get("/v1/sessions/<session_id>/contacts")
    @api("A session's conversations, newest first", {200: ContactList}, errors=(403, 404))
    def list_contacts(session_id: str) -> Response:
        """The branch's staff see people's details; the region's officials see the conversations
        without them (names, contact details and what people said are null)."""
        caller = _user(principal())
        with engine.connect() as conn:
            session = _session(conn, caller, session_id)
            rows = conn.execute(
                select(contacts)
                .where(contacts.c.session_id == session.id)
                .order_by(contacts.c.recorded_at.desc(), contacts.c.id)
            ).all()
        people = access.sees_people(caller, session.region, session.branch)
        return jsonify(items=[contact_json(row, people) for row in rows])

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
        caller = _user(principal())
        if not access.is_branch_staff(caller):
            raise forbidden("Follow-ups are the branch's: only its reps and coordinator see them.")
        query = parse_query(FollowUpsQuery)
        statement = (
            _follow_ups_with_people()
            .join(campaigns, campaigns.c.id == follow_ups.c.campaign_id)
            .where(follow_ups.c.branch == caller.branch, campaigns.c.region == caller.region)
            .order_by(follow_ups.c.due_on, follow_ups.c.created_at)
        )
        if query.state != "all":
            statement = statement.where(follow_ups.c.state == query.state)
        with engine.connect() as conn:
            if query.campaign_id is not None:
                region = conn.execute(
                    select(campaigns.c.region).where(campaigns.c.id == query.campaign_id)
                ).scalar_one_or_none()
                if region is None or not access.sees_region(caller, region):
                    raise not_found("campaign")
                statement = statement.where(follow_ups.c.campaign_id == query.campaign_id)
            rows = conn.execute(statement).all()
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
        caller = _user(principal())
        wanted = _id(follow_up_id, "follow-up")
        with engine.begin() as conn:
            row = conn.execute(
                select(follow_ups.c.state, follow_ups.c.branch, campaigns.c.region)
                .join(campaigns, campaigns.c.id == follow_ups.c.campaign_id)
                .where(follow_ups.c.id == wanted)
                .with_for_update(of=follow_ups)
            ).first()
            if row is None or not access.reads_branch(caller, row.region, row.branch):
                raise not_found("follow-up")
            if not access.works_branch(caller, row.region, row.branch):
                raise forbidden("Only the branch's reps and coordinator work its follow-ups.")
            reason = parse_json(CloseIn).reason
            if row.state != "open":
                raise Problem(409, "closed", "Already closed", "The follow-up is closed already.")
            conn.execute(
                update(follow_ups).where(follow_ups.c.id == wanted).values(state="closed", closed_at=func.now())
            )
            closed = conn.execute(_follow_ups_with_people().where(follow_ups.c.id == wanted)).one()
        # The table has no column for the reason yet; it may name the person, so it is not logged either.
        log.info("follow-up %s closed by hand by %s (reason of %d characters)", wanted, caller.username, len(reason))
        return jsonify(follow_up_json(closed))

    @bp.post("/v1/sessions/<session_id>/help-requests")
    @api(
        "Ask for help on the day: the plan's link official, or the region's officials",
        {201: HelpRequestOut},
        body=HelpIn,
        errors=(403, 404),
    )
    def ask_for_help(session_id: str) -> tuple[Response, int]:
        """notify tells the recipients, with a link to the session (not the message: they read it
        after signing in). The link official must still be an official of the region; otherwise
        the regional office (every official of the region) is asked."""
        caller = _user(principal())
        with engine.connect() as conn:
            session = _session(conn, caller, session_id)
        _works(caller, session, "ask for help")
        message = parse_json(HelpIn).message.strip()
        officials = sorted(p.username for p in directory.with_role("official", region=session.region) if p.enabled)
        recipients = [session.link_official] if session.link_official in officials else officials
        request_id = uuid.uuid4()
        with engine.begin() as conn:
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
            enqueue(conn, outbox, events.ORGANISING_EVENTS, str(session.id), event, deps.settings.service_name)
        body = {
            "id": str(request_id),
            "session_id": str(session.id),
            "requested_by": caller.username,
            "recipients": recipients,
            "created_at": created.isoformat(),
        }
        return jsonify(body), 201

    return bp
