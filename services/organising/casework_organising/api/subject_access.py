"""Everything organising holds about one member, for workflow's subject-access exports
(``GET /v1/subject-access/member``): the target-list entries carrying their membership number, with
the campaign, branch and list each came in, and the conversations logged against those entries (with
the follow-up each opened). Service accounts only: a branch reads its own lists through the target-list
endpoints, and nobody reads one member's entries across branches and campaigns here.

A member is found by membership number only, compared in the one normalised form
(casework_common.membership), so " m10 0001" on an imported list is M100001. Conversations are reached
from the member's entries by id (``contacts.target_entry_id``), never by name or text, so another
person's conversation is never reached; a conversation answering a follow-up about the member carries
the follow-up's entry (casework_organising.contact_log). Once an entry is gone, nothing of it is
found, and nothing of it is held either: the campaign's retention and the removal of a list by hand
(api/targets.py) both empty the details of the conversations linked to the entries they delete
(casework_organising.retention.forget_people).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Connection, Engine, func, select

from casework_common import membership
from casework_common.openapi import api
from casework_common.problems import forbidden
from casework_common.web import dependency, parse_query, principal
from casework_organising.api.contacts import ContactOut, FollowUpOut, contact_json, follow_up_json
from casework_organising.tables import campaigns, contacts, follow_ups, sessions, target_entries, target_lists
from casework_organising.text import Strict, iso


class MemberQuery(Strict):
    """Whose record."""

    membership_number: str = Field(
        max_length=membership.MAX_TYPED,
        description="As people type it: blanks anywhere and lower case are accepted (' m10 0001' is M100001); "
        "3 to 32 letters, digits or hyphens once the blanks are gone.",
        examples=["M100001"],
    )

    @field_validator("membership_number")
    @classmethod
    def _normalised(cls, value: str) -> str:
        return membership.normalise(value)


class TargetEntryRecord(BaseModel):
    """One row of an imported target list that carries the member's number, with where it came from."""

    id: str
    name: str
    workplace: str
    department: str
    membership_number: str | None = Field(description="As the list had it (upper case).")
    is_member: bool
    branch: str
    list_id: str
    list_filename: str
    list_imported_by: str
    list_imported_at: str
    campaign_id: str
    campaign_name: str
    campaign_region: str
    campaign_starts_on: str
    campaign_ends_on: str
    campaign_retention_days: int = Field(description="Days after the campaign ends that its lists are kept.")


class ContactRecord(ContactOut):
    """A conversation logged against one of the member's entries, with its session and follow-up."""

    campaign_name: str
    session_place: str
    session_starts_at: str
    follow_up: FollowUpOut | None = Field(description="The follow-up this conversation opened, if any.")


class MemberRecords(BaseModel):
    """Everything organising holds about the member, oldest first."""

    membership_number: str = Field(description="The number searched for, normalised.")
    target_entries: list[TargetEntryRecord]
    contacts: list[ContactRecord]


bp = Blueprint("subject_access", __name__)


@bp.get("/v1/subject-access/member")
@api(
    "Everything organising holds about a member (service accounts: subject access)",
    {200: MemberRecords},
    query=MemberQuery,
    errors=(403,),
)
def member() -> Response:
    """Target-list entries with the member's number (any campaign, branch or region) and the
    conversations logged against them, for the data-protection officer's export (workflow asks, as a
    service)."""
    # Refused before the query is read: nothing about the request is answered to anyone else.
    if not principal().is_service:
        raise forbidden("Only casework services read one member's organising records.")
    query = parse_query(MemberQuery)
    with dependency(Engine).connect() as conn:
        return jsonify(held_for(conn, query.membership_number))


def stored_form(column: Any) -> Any:
    """A membership-number column in the normalised form (blanks removed, upper case), in SQL."""
    return func.upper(func.regexp_replace(column, membership.BLANKS, "", "g"))


def held_for(conn: Connection, number: str) -> dict[str, Any]:
    """What organising holds about the member with ``number`` (already normalised)."""
    entries = conn.execute(
        select(
            target_entries,
            target_lists.c.filename,
            target_lists.c.imported_by,
            target_lists.c.imported_at,
            campaigns.c.name.label("campaign_name"),
            campaigns.c.region,
            campaigns.c.starts_on,
            campaigns.c.ends_on,
            campaigns.c.retention_days,
        )
        .join(target_lists, target_lists.c.id == target_entries.c.list_id)
        .join(campaigns, campaigns.c.id == target_entries.c.campaign_id)
        .where(stored_form(target_entries.c.membership_number) == number)
        .order_by(target_lists.c.imported_at, target_entries.c.id)
    ).all()
    entry_ids = [row.id for row in entries]
    talks = (
        conn.execute(
            select(
                contacts,
                campaigns.c.name.label("campaign_name"),
                sessions.c.place.label("session_place"),
                sessions.c.starts_at.label("session_starts_at"),
            )
            .join(campaigns, campaigns.c.id == contacts.c.campaign_id)
            .join(sessions, sessions.c.id == contacts.c.session_id)
            .where(contacts.c.target_entry_id.in_(entry_ids))
            .order_by(contacts.c.recorded_at, contacts.c.id)
        ).all()
        if entry_ids
        else []
    )
    opened = (
        {
            row.contact_id: follow_up_json(row)
            for row in conn.execute(select(follow_ups).where(follow_ups.c.contact_id.in_([t.id for t in talks])))
        }
        if talks
        else {}
    )
    return {
        "membership_number": number,
        "target_entries": [
            {
                "id": str(row.id),
                "name": row.name,
                "workplace": row.workplace,
                "department": row.department,
                "membership_number": row.membership_number,
                "is_member": row.is_member,
                "branch": row.branch,
                "list_id": str(row.list_id),
                "list_filename": row.filename,
                "list_imported_by": row.imported_by,
                "list_imported_at": row.imported_at.isoformat(),
                "campaign_id": str(row.campaign_id),
                "campaign_name": row.campaign_name,
                "campaign_region": row.region,
                "campaign_starts_on": row.starts_on.isoformat(),
                "campaign_ends_on": row.ends_on.isoformat(),
                "campaign_retention_days": row.retention_days,
            }
            for row in entries
        ],
        "contacts": [
            {
                **contact_json(row),
                "campaign_name": row.campaign_name,
                "session_place": row.session_place,
                "session_starts_at": iso(row.session_starts_at),
                "follow_up": opened.get(row.id),
            }
            for row in talks
        ],
    }
