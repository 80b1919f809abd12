"""The contact log: one conversation per entry, stored once per (session, client_id), and the
follow-ups it opens and closes, all in one transaction (api/contacts.py is its HTTP face).

Rules (docs/design.md#organising-recruitment-weeks):
- "call again" needs the day to call (``call_again_on``); "will join online" defaults to three days
  after today (the union's day, Europe/London);
- a member cannot join ("joined", "will join online"): they are one already;
- a person's name or contact detail is kept only with the lawful basis for keeping it;
- "call again" and "will join online" open a follow-up for the session's team and whoever logged it;
- a later conversation that answers a follow-up (``follow_up_id``) closes it, unless the person was
  not there; a join recorded for a target-list entry closes that entry's open follow-ups;
- a conversation that answers a follow-up but names no target-list entry is about the same person
  as the conversation that opened it: it takes that follow-up's entry, while the entry is still on a
  list. So everything about a listed person hangs off their entry, where a subject-access search
  (api/subject_access.py) and the removal of the list (api/targets.py) find it.

The browser makes ``client_id`` when the entry is typed and may send it again (a retry after a lost
answer, a second tab): ``INSERT ... ON CONFLICT DO NOTHING`` on the unique (session, client_id)
makes every repeat, even two at once, answer with the row stored first.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool
from sqlalchemy import Connection, Row, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from casework_common.problems import Problem, invalid
from casework_common.typed_dates import TypedDay
from casework_common.vocabulary import (
    CONTACT_OUTCOMES,
    FOLLOW_UP_OUTCOMES,
    ISSUE_CATEGORIES,
    JOIN_OUTCOME,
    LAWFUL_BASES,
    NOT_THERE_OUTCOME,
    WILL_JOIN_ONLINE_OUTCOME,
)
from casework_organising.tables import campaigns, contacts, follow_ups, target_entries
from casework_organising.text import lines, one_line

Outcome = Literal[tuple(CONTACT_OUTCOMES)]  # type: ignore[valid-type]
IssueCategory = Literal[tuple(ISSUE_CATEGORIES)]  # type: ignore[valid-type]
LawfulBasis = Literal[tuple(LAWFUL_BASES)]  # type: ignore[valid-type]

WILL_JOIN_ONLINE_DAYS = 3  # "about five minutes online": ask how it went a few days later
MAX_DAYS_AHEAD = 366
MAX_DAYS_BEHIND = 14  # an entry queued offline may arrive days after it was typed
MEMBER_CANNOT = frozenset({JOIN_OUTCOME, WILL_JOIN_ONLINE_OUTCOME})


def _blank_is_none(value: object) -> object:
    # An HTML form sends "" for a field left empty: that is "not given", not an invalid value.
    return None if isinstance(value, str) and not value.strip() else value


Optional = BeforeValidator(_blank_is_none)


def _one_line_or_none(value: str | None) -> str | None:
    return None if value is None else one_line(value)


# The length applies to the text; "" and spaces are None first (a length cannot apply to None).
PersonName = Annotated[Annotated[str, Field(max_length=120)] | None, Optional, AfterValidator(_one_line_or_none)]
PersonContact = Annotated[Annotated[str, Field(max_length=200)] | None, Optional, AfterValidator(_one_line_or_none)]


class ContactIn(BaseModel):
    """One conversation, as the rep logs it on the day."""

    model_config = ConfigDict(extra="forbid")

    client_id: uuid.UUID = Field(
        description="Made by the browser when the entry is typed; sending the same one again stores nothing new."
    )
    is_member: StrictBool = Field(description="Whether the person is already a member.")
    outcome: Outcome = Field(description="How the conversation ended.")
    call_again_on: Annotated[TypedDay | None, Optional] = Field(
        default=None,
        description="When to call again: required with call_again; will_join_online defaults to today + 3 days. "
        "Ignored for other outcomes.",
    )
    issue_category: Annotated[IssueCategory | None, Optional] = None
    issue_text: Annotated[str, Field(max_length=1000), AfterValidator(lines)] = Field(
        default="", description="The survey answer or issue raised, in their words (stays in the branch)."
    )
    petition_signed: StrictBool = False
    card_left: StrictBool = Field(default=False, description="A calling card was left.")
    person_name: PersonName = None  # type: ignore[valid-type]
    person_contact: PersonContact = Field(  # type: ignore[valid-type]
        default=None, description="A phone number or email address, only if they want to be contacted."
    )
    lawful_basis: Annotated[LawfulBasis | None, Optional] = Field(
        default=None, description="Required with person_name or person_contact."
    )
    target_entry_id: uuid.UUID | None = Field(default=None, description="The target-list row this person is.")
    follow_up_id: uuid.UUID | None = Field(
        default=None, description="The follow-up this conversation answers (closed unless they were not there)."
    )


def rule_errors(entry: ContactIn, today: dt.date) -> list[dict[str, str]]:
    """What the entry breaks of the log's rules, each naming its field (empty: none)."""
    errors = []
    if entry.outcome == "call_again" and entry.call_again_on is None:
        errors.append({"field": "call_again_on", "message": "Say when to call again."})
    if entry.outcome in FOLLOW_UP_OUTCOMES and entry.call_again_on is not None:
        if entry.call_again_on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            errors.append({"field": "call_again_on", "message": "At most a year from today."})
        elif entry.call_again_on < today - dt.timedelta(days=MAX_DAYS_BEHIND):
            errors.append({"field": "call_again_on", "message": "That day is long past."})
    if entry.is_member and entry.outcome in MEMBER_CANNOT:
        errors.append(
            {"field": "outcome", "message": "A member cannot join: record already_member (or another outcome)."}
        )
    if (entry.person_name or entry.person_contact) and entry.lawful_basis is None:
        errors.append(
            {
                "field": "lawful_basis",
                "message": "Say why the union may keep their details (consent or legitimate interests).",
            }
        )
    return errors


def due_on(entry: ContactIn, today: dt.date) -> dt.date | None:
    """The day the entry's follow-up falls due; None when it opens none."""
    if entry.outcome not in FOLLOW_UP_OUTCOMES:
        return None
    return entry.call_again_on or today + dt.timedelta(days=WILL_JOIN_ONLINE_DAYS)


@dataclass(frozen=True)
class Recorded:
    """What logging one entry did: the stored contact, the follow-up it opened, the follow-ups it
    closed, and whether it was a repeat of an entry already stored (then nothing else was done)."""

    contact: Row[Any]
    follow_up: Row[Any] | None
    closed: tuple[uuid.UUID, ...]
    duplicate: bool


def record(conn: Connection, session: Any, recorder: str, entry: ContactIn, today: dt.date) -> Recorded:
    """Store ``entry`` in ``session`` (a sessions row) in the caller's transaction.

    A 422 names the fields that break the log's rules (``rule_errors``), or ``target_entry_id`` or
    ``follow_up_id`` when it is not the branch's in this campaign; a 409 once the campaign's
    retention removed its details. A repeat of a stored entry is answered with it before any of
    these checks (a queued entry resent days later, its call-again day now long past, still empties
    the browser's queue).
    """
    stored = _stored(conn, session.id, entry.client_id)
    if stored is not None:
        return Recorded(stored, _opened_by(conn, stored.id), (), duplicate=True)
    errors = rule_errors(entry, today)
    if errors:
        raise invalid(errors)
    # Shared lock on the campaign: its retention pass (FOR UPDATE SKIP LOCKED) either ran before,
    # and nothing more is logged, or skips the campaign while this entry is stored and removes its
    # details on a later pass.
    removed = conn.execute(
        select(campaigns.c.details_removed_at).where(campaigns.c.id == session.campaign_id).with_for_update(read=True)
    ).scalar_one()
    if removed is not None:
        raise Problem(
            409,
            "details-removed",
            "Campaign closed",
            "The campaign's retention period is over: nothing more is logged.",
        )
    target_entry_id = _check_references(conn, session, entry)
    due = due_on(entry, today)
    contact_id = uuid.uuid4()
    inserted = conn.execute(
        insert(contacts)
        .values(
            id=contact_id,
            session_id=session.id,
            campaign_id=session.campaign_id,
            branch=session.branch,
            workplace=session.workplace,
            department=session.department,
            client_id=entry.client_id,
            recorded_by=recorder,
            is_member=entry.is_member,
            outcome=entry.outcome,
            call_again_on=due,
            issue_category=entry.issue_category,
            issue_text=entry.issue_text,
            petition_signed=entry.petition_signed,
            card_left=entry.card_left,
            person_name=entry.person_name,
            person_contact=entry.person_contact,
            lawful_basis=entry.lawful_basis if (entry.person_name or entry.person_contact) else None,
            target_entry_id=target_entry_id,
            follow_up_id=entry.follow_up_id,
        )
        .on_conflict_do_nothing(constraint="contacts_session_client")
        .returning(contacts)
    ).first()
    if inserted is None:  # the same entry, sent at the same moment, was stored first by another request
        stored = _stored(conn, session.id, entry.client_id)
        if stored is None:  # cannot happen: ON CONFLICT waited for the conflicting row's commit
            raise RuntimeError(f"contact {entry.client_id} conflicted but is not stored")
        return Recorded(stored, _opened_by(conn, stored.id), (), duplicate=True)
    opened = None
    if due is not None:
        opened = conn.execute(
            follow_ups.insert()
            .values(
                id=uuid.uuid4(),
                contact_id=contact_id,
                session_id=session.id,
                campaign_id=session.campaign_id,
                branch=session.branch,
                outcome=entry.outcome,
                due_on=due,
                team=sorted({*session.team, recorder}),
                target_entry_id=target_entry_id,
            )
            .returning(follow_ups)
        ).one()
    closed = _close_answered(conn, session, entry, target_entry_id, contact_id)
    return Recorded(inserted, opened, closed, duplicate=False)


def _stored(conn: Connection, session_id: uuid.UUID, client_id: uuid.UUID) -> Row[Any] | None:
    return conn.execute(
        select(contacts).where(contacts.c.session_id == session_id, contacts.c.client_id == client_id)
    ).first()


def _opened_by(conn: Connection, contact_id: uuid.UUID) -> Row[Any] | None:
    return conn.execute(select(follow_ups).where(follow_ups.c.contact_id == contact_id)).first()


def _check_references(conn: Connection, session: Any, entry: ContactIn) -> uuid.UUID | None:
    """422 unless ``target_entry_id`` and ``follow_up_id`` are the branch's in this campaign; the
    target-list entry the conversation is stored against: the one given, else the answered
    follow-up's while it is still on a list, else None.

    The entry is read FOR SHARE: removing its list (api/targets.py, FOR UPDATE on the entries) then
    either waits for this conversation and forgets its details too, or has removed the entry first
    and this conversation is stored against none."""
    errors = []
    target_entry_id = entry.target_entry_id
    if entry.follow_up_id is not None:
        answered = conn.execute(
            select(follow_ups.c.target_entry_id).where(
                follow_ups.c.id == entry.follow_up_id,
                follow_ups.c.campaign_id == session.campaign_id,
                follow_ups.c.branch == session.branch,
            )
        ).first()
        if answered is None:
            errors.append({"field": "follow_up_id", "message": "Not a follow-up of your branch in this campaign."})
        elif target_entry_id is None:
            target_entry_id = answered.target_entry_id
    if target_entry_id is not None:
        found = conn.execute(
            select(target_entries.c.id)
            .where(
                target_entries.c.id == target_entry_id,
                target_entries.c.campaign_id == session.campaign_id,
                target_entries.c.branch == session.branch,
            )
            .with_for_update(read=True)
        ).first()
        if found is None and entry.target_entry_id is not None:
            errors.append({"field": "target_entry_id", "message": "Not an entry of your branch's target lists here."})
        elif found is None:  # the follow-up's entry: its list was removed since (and the follow-up closed)
            target_entry_id = None
    if errors:
        raise invalid(errors)
    return target_entry_id


def _close_answered(
    conn: Connection, session: Any, entry: ContactIn, target_entry_id: uuid.UUID | None, contact_id: uuid.UUID
) -> tuple[uuid.UUID, ...]:
    """Close the follow-up this conversation answers, and on a join every open follow-up of the same
    target-list entry (``target_entry_id``, as stored); the ids closed."""
    answered = entry.follow_up_id is not None and entry.outcome != NOT_THERE_OUTCOME
    joined_entry = entry.outcome == JOIN_OUTCOME and target_entry_id is not None
    if not (answered or joined_entry):
        return ()
    which = []
    if answered:
        which.append(follow_ups.c.id == entry.follow_up_id)
    if joined_entry:
        which.append(follow_ups.c.target_entry_id == target_entry_id)
    closed = conn.execute(
        update(follow_ups)
        .where(
            or_(*which),
            follow_ups.c.state == "open",
            follow_ups.c.campaign_id == session.campaign_id,
            follow_ups.c.branch == session.branch,
            follow_ups.c.contact_id != contact_id,
        )
        .values(state="closed", closed_at=func.now(), closed_by_contact=contact_id)
        .returning(follow_ups.c.id)
    ).scalars()
    return tuple(closed)
