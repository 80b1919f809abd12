"""Target lists: a branch imports a staff or membership list (CSV) to mark known members and target
non-members by workplace and department.

A list never leaves the branch: only the branch's own reps and coordinator import, list, read and
delete it (officials get 403 on a campaign's lists and 404 on a list's id, like anyone outside the
branch). The retention pass deletes its entries after the campaign's period; the counts stay.
Removing a list by hand deletes its entries too and forgets the people on it then and there, as
retention would: their conversations' details are emptied and their follow-ups closed.
Reading the file itself (encodings, delimiters, loose headers, bad rows) is target_csv's job.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update

from casework_common.auth import Principal
from casework_common.openapi import Reply, api
from casework_common.problems import Problem, invalid
from casework_common.web import bounded_body, dependency, parse_query, principal
from casework_organising import retention, target_csv
from casework_organising.api import lookup
from casework_organising.settings import OrganisingSettings
from casework_organising.tables import campaigns, contacts, follow_ups, target_entries, target_lists

log = logging.getLogger(__name__)

# What browsers and spreadsheet programs call a CSV file (Windows says application/vnd.ms-excel).
CSV_TYPES = frozenset(
    {"text/csv", "text/plain", "application/csv", "application/vnd.ms-excel", "application/octet-stream"}
)


class UploadParams(BaseModel):
    """About the uploaded file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    filename: str = Field(default="targets.csv", min_length=1, max_length=200, description="The file's name, shown.")


class EntryParams(BaseModel):
    """Which of a list's people, and which page of them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    workplace: str | None = Field(default=None, max_length=200, description="Only this workplace (any case).")
    department: str | None = Field(default=None, max_length=200, description="Only this department (any case).")
    non_members: bool = Field(default=False, description="Only people with no membership number.")
    limit: int = Field(default=1000, ge=1, le=20_000)
    # Bounded so a huge number is a 422, not a bigint overflow in Postgres (no list is longer).
    offset: int = Field(default=0, ge=0, le=1_000_000)


class TargetListOut(BaseModel):
    """An imported list: its counts (kept after its entries are removed)."""

    id: str
    campaign_id: str
    branch: str
    filename: str
    rows: int
    members: int
    non_members: int
    imported_by: str
    imported_at: str
    removed_at: str | None = Field(description="When its entries were removed (by hand or by retention).")


class ImportedOut(TargetListOut):
    encoding: str = Field(description="How the file was read: utf-8, utf-16 or windows-1252.")
    delimiter: str
    ignored_columns: list[str] = Field(description="Columns not used (and not stored), e.g. email or phone.")


class TargetLists(BaseModel):
    """A campaign's target lists of the caller's branch, newest first."""

    items: list[TargetListOut]


class EntryOut(BaseModel):
    """One person on a target list."""

    id: str
    name: str
    workplace: str
    department: str
    membership_number: str | None
    is_member: bool


class Entries(BaseModel):
    """A list's people, by workplace, department and name."""

    list: TargetListOut
    total: int = Field(description="Entries matching the filters (before limit and offset).")
    items: list[EntryOut]


bp = Blueprint("targets", __name__)


@bp.post("/v1/campaigns/<campaign_id>/target-lists")
@api(
    "Import a staff or membership list (CSV) for the caller's branch",
    {201: ImportedOut},
    query=UploadParams,
    errors=(403, 404, 409, 413, 415),
)
def import_list(campaign_id: str) -> tuple[Response, int]:
    """The body is the CSV file itself (Content-Type text/csv). UTF-8 (a BOM is fine), UTF-16 with a
    BOM or Windows-1252; comma, semicolon or tab; headers in any case with common names (name or
    full name, or first name and surname; workplace, site or location; department, dept or team;
    membership number, member no). A row with a membership number is a known member. Columns not
    used are neither read nor stored. A bad row refuses the whole file: the 422 names every bad row
    (``errors``: field ``rows.<row>.<column>``, ``row`` as a spreadsheet numbers it, ``column`` as
    headed in the file). The branch's reps and coordinator only."""
    caller = principal()
    params = parse_query(UploadParams)
    engine, settings = dependency(Engine), dependency(OrganisingSettings)
    with engine.connect() as conn:
        campaign = lookup.branch_campaign(conn, caller, campaign_id)
    if campaign.details_removed_at is not None:
        raise _retention_passed()
    parsed = _parsed(_read_csv_body(settings.organising_max_upload_bytes), settings.organising_max_target_rows)
    row = store_list(engine, caller, campaign, params.filename, parsed)
    log.info(
        "target list %s imported for %s/%s: %d rows, %d members (%s, %r)",
        row.id,
        campaign.id,
        caller.branch,
        row.rows,
        row.members,
        parsed.encoding,
        parsed.delimiter,
    )
    body = {
        **list_json(row),
        "encoding": parsed.encoding,
        "delimiter": parsed.delimiter,
        "ignored_columns": parsed.ignored_columns,
    }
    return jsonify(body), 201


def _parsed(data: bytes, max_rows: int) -> target_csv.Parsed:
    """The file's entries; 422 naming every bad row (or why the file cannot be read at all)."""
    try:
        parsed = target_csv.parse(data, max_rows)
    except target_csv.Unreadable as exc:
        raise invalid([{"field": exc.field, "message": exc.message}], exc.message) from None
    if parsed.errors:
        listed = len(parsed.errors)
        more = f" The first {listed} problems are listed." if parsed.bad_rows > listed else ""
        raise invalid(parsed.errors, f"{parsed.bad_rows} row(s) of the file are not right; nothing was imported.{more}")
    return parsed


def store_list(engine: Engine, caller: Principal, campaign: Any, filename: str, parsed: target_csv.Parsed) -> Any:
    """Store the list and its entries for the caller's branch, in one transaction; the stored list row.
    409 when the campaign's retention removed people's details meanwhile."""
    list_id = uuid.uuid4()
    with engine.begin() as conn:
        # Checked again under a shared lock on the campaign: the retention pass (FOR UPDATE) may
        # have run while the file was read; entries stored after it would never be removed.
        removed = conn.execute(
            select(campaigns.c.details_removed_at).where(campaigns.c.id == campaign.id).with_for_update(read=True)
        ).scalar_one()
        if removed is not None:
            raise _retention_passed()
        conn.execute(
            insert(target_lists).values(
                id=list_id,
                campaign_id=campaign.id,
                branch=caller.branch,
                filename=filename,
                rows=len(parsed.entries),
                members=sum(entry.is_member for entry in parsed.entries),
                imported_by=caller.username,
            )
        )
        conn.execute(
            insert(target_entries),
            [
                {
                    "id": uuid.uuid4(),
                    "list_id": list_id,
                    "campaign_id": campaign.id,
                    "branch": caller.branch,
                    "name": entry.name,
                    "workplace": entry.workplace,
                    "department": entry.department,
                    "membership_number": entry.membership_number,
                    "is_member": entry.is_member,
                }
                for entry in parsed.entries
            ],
        )
        return conn.execute(select(target_lists).where(target_lists.c.id == list_id)).one()


@bp.get("/v1/campaigns/<campaign_id>/target-lists")
@api("The caller's branch's target lists of a campaign", {200: TargetLists}, errors=(403, 404))
def list_lists(campaign_id: str) -> Response:
    """Counts only, newest first; officials get 403 (lists never leave the branch)."""
    caller = principal()
    with dependency(Engine).connect() as conn:
        campaign = lookup.branch_campaign(conn, caller, campaign_id)
        rows = conn.execute(
            select(target_lists)
            .where(target_lists.c.campaign_id == campaign.id, target_lists.c.branch == caller.branch)
            .order_by(target_lists.c.imported_at.desc(), target_lists.c.id)
        )
        return jsonify(items=[list_json(row) for row in rows])


@bp.get("/v1/target-lists/<list_id>/entries")
@api(
    "A target list's people (the branch's reps and coordinator)",
    {200: Entries},
    query=EntryParams,
    errors=(403, 404),
)
def entries(list_id: str) -> Response:
    """Filter by workplace and department (any case), or to non-members only."""
    caller = principal()
    params = parse_query(EntryParams)
    with dependency(Engine).connect() as conn:
        found = lookup.target_list(conn, caller, list_id)
        total, rows = matching_entries(conn, found.id, params)
    return jsonify(list=list_json(found), total=total, items=[entry_json(row) for row in rows])


def matching_entries(conn: Connection, list_id: uuid.UUID, params: EntryParams) -> tuple[int, list[Any]]:
    """How many of the list's entries match the filters, and the page of them ``params`` asks for."""
    conditions = [target_entries.c.list_id == list_id]
    if params.workplace:
        conditions.append(func.lower(target_entries.c.workplace) == params.workplace.lower())
    if params.department:
        conditions.append(func.lower(target_entries.c.department) == params.department.lower())
    if params.non_members:
        conditions.append(target_entries.c.is_member.is_(False))
    total = conn.execute(select(func.count()).select_from(target_entries).where(*conditions)).scalar_one()
    rows = conn.execute(
        select(target_entries)
        .where(*conditions)
        .order_by(target_entries.c.workplace, target_entries.c.department, target_entries.c.name, target_entries.c.id)
        .limit(params.limit)
        .offset(params.offset)
    ).all()
    return total, rows


@bp.delete("/v1/target-lists/<list_id>")
@api(
    "Remove a target list's people (its counts stay)",
    {200: Reply("The list, removed (removed_at set).", TargetListOut)},
    errors=(403, 404),
)
def remove(list_id: str) -> Response:
    """Deletes every entry of the list and marks it removed, and forgets its people as the campaign's
    retention would: the conversations logged against its entries (or answering their follow-ups)
    lose their names, contact details and free text, and their open follow-ups are closed. Outcomes,
    categories and counts stay. Asking again changes nothing."""
    caller = principal()
    with dependency(Engine).begin() as conn:
        found = lookup.target_list(conn, caller, list_id)
        people = forget_list(conn, found.id)
        conn.execute(delete(target_entries).where(target_entries.c.list_id == found.id))
        conn.execute(
            update(target_lists)
            .where(target_lists.c.id == found.id, target_lists.c.removed_at.is_(None))
            .values(removed_at=func.now())
        )
        row = conn.execute(select(target_lists).where(target_lists.c.id == found.id)).one()
    log.info("target list %s removed by %s: details of %d contacts removed", found.id, caller.username, people)
    return jsonify(list_json(row))


def forget_list(conn: Connection, list_id: uuid.UUID) -> int:
    """In the caller's transaction, before the list's entries are deleted: forget the people of the
    list (retention.forget_people) — the contacts logged against its entries or answering a follow-up
    of one, and the follow-ups of either; how many contacts lost their details.

    Subject access finds a member's conversations only through their entry (api/subject_access.py):
    once the entry is gone, details kept on its conversations would be held but never found."""
    # The entries locked first: a conversation being logged against one (contact_log reads it FOR
    # SHARE) is committed before the contacts below are read, or finds the entry gone.
    conn.execute(select(target_entries.c.id).where(target_entries.c.list_id == list_id).with_for_update()).all()
    entries = select(target_entries.c.id).where(target_entries.c.list_id == list_id)
    entry_follow_ups = select(follow_ups.c.id).where(follow_ups.c.target_entry_id.in_(entries))
    linked = or_(contacts.c.target_entry_id.in_(entries), contacts.c.follow_up_id.in_(entry_follow_ups))
    opened = follow_ups.c.contact_id.in_(select(contacts.c.id).where(linked))
    return retention.forget_people(conn, linked, or_(follow_ups.c.target_entry_id.in_(entries), opened))


def _retention_passed() -> Problem:
    return Problem(409, "retention-passed", "Retention period over", "The campaign's people's details were removed.")


def _read_csv_body(limit: int) -> bytes:
    """The request body: a CSV file of at most ``limit`` bytes (415 for another media type, 413 past the limit)."""
    if (request.mimetype or "") not in CSV_TYPES:
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the list as the body with Content-Type text/csv.",
        )
    too_large = Problem(
        413, "too-large", "File too large", f"A target list may be at most {limit:,} bytes.", limit_bytes=limit
    )
    data = bounded_body(limit, too_large)
    if not data.strip():
        raise invalid([{"field": "body", "message": "The body is empty: send the CSV file."}], "No file was sent.")
    return data


def list_json(row: Any) -> dict[str, Any]:
    """The API view of a target list (counts only)."""
    return {
        "id": str(row.id),
        "campaign_id": str(row.campaign_id),
        "branch": row.branch,
        "filename": row.filename,
        "rows": row.rows,
        "members": row.members,
        "non_members": row.rows - row.members,
        "imported_by": row.imported_by,
        "imported_at": row.imported_at.isoformat(),
        "removed_at": row.removed_at.isoformat() if row.removed_at else None,
    }


def entry_json(row: Any) -> dict[str, Any]:
    """The API view of one person on a list."""
    return {
        "id": str(row.id),
        "name": row.name,
        "workplace": row.workplace,
        "department": row.department,
        "membership_number": row.membership_number,
        "is_member": row.is_member,
    }
