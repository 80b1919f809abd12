"""The items of a member's record, found by membership number only.

What belongs to a member is decided from one fact: the membership number on the case row (and on an
enquiry the member made). Everything else is reached from those rows by id: the timeline, referrals,
support requests, deadlines, information requests and branch tasks of *their* cases; evidence intake
holds for *their* cases; notifications addressed to *their* account about *their* cases (or no case);
audit records of *their* cases, records of what *they* did on them, and earlier subject-access records
naming them. Organising is asked by the same number: target-list entries carrying it and the
conversations logged against those entries. Nothing is found by branch, region, author or text, so a
rep's note on another member's case, or another member's case in the same branch, is never reached.

Two views: :func:`full_record` (the data-protection officer's: every record, reps-only entries and
working notes included, and organising's records) and :func:`own_record` (the member's own download:
member-visible records only, evidence as intake shows it to the member's own token; no organising
records, which are the branch's working lists: the dpo's export carries them).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, or_, select

from casework_common import membership
from casework_common.directory import Directory
from casework_common.problems import unavailable
from casework_workflow import scope, timeline
from casework_workflow.cases import CaseView
from casework_workflow.subject_access.sources import Sources
from casework_workflow.tables import (
    audit_log,
    branch_tasks,
    case_reps,
    cases,
    deadline_facts,
    deadlines,
    enquiries,
    information_requests,
    referrals,
    support_requests,
    timeline_entries,
)

# Item kinds, in the order the index lists them, with what each is.
KINDS: dict[str, str] = {
    "case": "Case record",
    "timeline": "Timeline entry",
    "referral": "Referral",
    "support": "Support request",
    "enquiry": "Enquiry",
    "task": "Branch task",
    "deadline": "Deadline",
    "inforequest": "Information request",
    "evidence": "Evidence item (original file)",
    "text": "Extracted text of an evidence item",
    "target": "Recruitment target-list entry",
    "contact": "Recruitment conversation",
    "notification": "Notification",
    "audit": "Audit record",
}

MEMBER_DEADLINE_FIELDS = ("case_reference", "id", "kind", "label", "due_on", "state", "indicative", "visibility")


def jsonable(value: Any) -> Any:
    """A database value as JSON: dates and times in ISO 8601, UUIDs as strings, bytes dropped."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes | memoryview):
        return None
    return value


def row_json(row: Row[Any]) -> dict[str, Any]:
    return {key: jsonable(value) for key, value in row._mapping.items()}


@dataclass
class Item:
    """One thing held about the member. ``id`` ("<kind>:<key>") is what the preview shows and an
    exclusion names; ``file`` is where the archive puts its record; ``content`` (evidence originals and
    texts) is fetched only when the archive is written."""

    id: str
    kind: str
    description: str
    source: str
    date: str | None
    case_reference: str | None
    record: dict[str, Any]
    file: str
    content: Callable[[], Iterator[bytes] | None] | None = None  # None from the call: no longer held
    content_file: str | None = None
    sha256: str | None = None  # what the record says the content's digest is (originals)

    def preview(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "what": KINDS[self.kind],
            "description": self.description,
            "source": self.source,
            "date": self.date,
            "case_reference": self.case_reference,
        }


@dataclass
class Record:
    """A member's record: who, their cases (id -> reference), and the items."""

    membership_number: str
    view: str  # "full" (dpo) or "member" (their own download)
    usernames: list[str]
    case_refs: dict[uuid.UUID, str] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in self.items:
            found[item.kind] = found.get(item.kind, 0) + 1
        return found

    def add(
        self,
        kind: str,
        key: object,
        description: str,
        source: str,
        date: str | None,
        case_reference: str | None,
        record: dict[str, Any],
        file: str,
        **content: Any,
    ) -> None:
        """Add the item ``<kind>:<key>`` (``content``: its ``content``, ``content_file`` and ``sha256``)."""
        self.items.append(
            Item(f"{kind}:{key}", kind, description, source, date, case_reference, record, file, **content)
        )


def _case_dir(reference: str) -> str:
    return f"cases/{reference}"


def safe_name(name: str, fallback: str = "original") -> str:
    """A file name safe inside a ZIP on every system: no directories, no control or reserved characters."""
    kept = "".join(c if (c.isalnum() or c in "._- ()") and c.isprintable() else "_" for c in name).strip(" .")
    return kept[:120] or fallback


def _member_cases(conn: Connection, number: str) -> list[Row[Any]]:
    return list(conn.execute(select(cases).where(cases.c.membership_number == number).order_by(cases.c.created_at)))


def _people(conn: Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[list[str], list[str]]]:
    people: dict[uuid.UUID, tuple[list[str], list[str]]] = {i: ([], []) for i in ids}
    for row in conn.execute(select(case_reps).where(case_reps.c.case_id.in_(ids)).order_by(case_reps.c.assigned_at)):
        people[row.case_id][0 if row.kind == "assigned" else 1].append(row.username)
    return people


def _case_items(conn: Connection, rows: list[Row[Any]], access: scope.Access, record: Record) -> None:
    ids = [r.id for r in rows]
    people = _people(conn, ids) if ids else {}
    facts = {}
    if access is scope.Access.FULL and ids:
        facts = {
            f.case_id: row_json(f)
            for f in conn.execute(select(deadline_facts).where(deadline_facts.c.case_id.in_(ids)))
        }
    for row in rows:
        body = CaseView(row, *people[row.id], access).to_json()
        body.pop("your_access", None)
        if row.id in facts:
            body["deadline_facts"] = facts[row.id]
        record.case_refs[row.id] = row.reference
        said = f"Case record {row.reference}: {row.case_type.replace('_', ' ')}, {row.status}"
        file = f"{_case_dir(row.reference)}/case.json"
        record.add(
            "case", row.id, said, "workflow: case records", row.created_at.isoformat(), row.reference, body, file
        )


def _timeline_items(conn: Connection, record: Record, member_visible_only: bool) -> None:
    query = select(timeline_entries).where(timeline_entries.c.case_id.in_(list(record.case_refs)))
    if member_visible_only:
        query = query.where(timeline_entries.c.visibility == "member")
    for row in conn.execute(query.order_by(timeline_entries.c.created_at, timeline_entries.c.id)):
        ref = record.case_refs[row.case_id]
        shown = "members and reps" if row.visibility == "member" else "reps only"
        said = f"{row.kind.replace('_', ' ').capitalize()} by {row.author} ({shown})"
        body = {"case_reference": ref, **timeline.to_json(row)}
        file = f"{_case_dir(ref)}/timeline.json"
        record.add("timeline", row.id, said, "workflow: case timeline", row.created_at.isoformat(), ref, body, file)


def _table_items(
    conn: Connection,
    record: Record,
    table: Any,
    kind: str,
    source: str,
    describe: Callable[[Row[Any]], str],
    file_name: str,
    date_column: str = "created_at",
    where: Any = None,
) -> None:
    query = select(table).where(table.c.case_id.in_(list(record.case_refs)))
    if where is not None:
        query = query.where(where)
    for row in conn.execute(query.order_by(getattr(table.c, date_column), table.c.id)):
        ref = record.case_refs[row.case_id]
        date = jsonable(getattr(row, date_column))
        body = {"case_reference": ref, **row_json(row)}
        record.add(kind, row.id, describe(row), source, date, ref, body, f"{_case_dir(ref)}/{file_name}")


def _member_item(record: Record, row: Row[Any], kind: str, description: str, source: str, file: str) -> None:
    """An item of the member's rather than of one case (an enquiry, a branch task: maybe of no case),
    in one file for the whole record."""
    ref = record.case_refs.get(row.case_id) if row.case_id else None
    record.add(kind, row.id, description, source, row.created_at.isoformat(), ref, row_json(row), file)


def _protocol_items(conn: Connection, record: Record) -> None:
    """Referrals, support requests and deadlines/information requests of the member's cases; enquiries
    the member made (by their membership number) and the branch tasks they or their cases gave rise to."""
    _table_items(
        conn,
        record,
        referrals,
        "referral",
        "workflow: referral protocol",
        lambda r: f"Referral to the {r.target.replace('_', ' ')} ({r.state.replace('_', ' ')})",
        "referrals.json",
    )
    _table_items(
        conn,
        record,
        support_requests,
        "support",
        "workflow: referral protocol",
        lambda r: f"Support request to the regional {r.to_role}" + (" (answered)" if r.answered_at else ""),
        "support_requests.json",
    )
    _table_items(
        conn,
        record,
        deadlines,
        "deadline",
        "workflow: deadlines",
        lambda r: f"Deadline: {r.label}, due {r.due_on.isoformat()} ({r.state})",
        "deadlines.json",
    )
    _table_items(
        conn,
        record,
        information_requests,
        "inforequest",
        "workflow: information requests",
        lambda r: f"Information request ({r.kind.replace('_', ' ')}) to {r.recipient} ({r.state})",
        "information_requests.json",
    )
    enquiry_ids = []
    for row in conn.execute(
        select(enquiries)
        .where(enquiries.c.membership_number == record.membership_number)
        .order_by(enquiries.c.created_at, enquiries.c.id)
    ):
        enquiry_ids.append(row.id)
        _member_item(
            record,
            row,
            "enquiry",
            f"Enquiry to the regional office, routed to the {row.routed_to}",
            "workflow: referral protocol (enquiries)",
            "enquiries.json",
        )
    about = [branch_tasks.c.case_id.in_(list(record.case_refs))]
    if enquiry_ids:
        about.append(branch_tasks.c.enquiry_id.in_(enquiry_ids))
    for row in conn.execute(select(branch_tasks).where(or_(*about)).order_by(branch_tasks.c.created_at)):
        description = f"Branch task ({row.kind.replace('_', ' ')}, {row.status})"
        _member_item(record, row, "task", description, "workflow: branch tasks", "branch_tasks.json")


def _audit_items(conn: Connection, record: Record) -> None:
    """Records of the member's cases, of what the member did (on their own cases or on none), and of
    earlier subject-access work naming them (resource ``member:<number>``)."""
    case_ids = list(record.case_refs)
    about = [audit_log.c.case_id.in_(case_ids), audit_log.c.resource == f"member:{record.membership_number}"]
    if record.usernames:
        about.append(
            (audit_log.c.actor.in_(record.usernames))
            & or_(audit_log.c.case_id.is_(None), audit_log.c.case_id.in_(case_ids))
        )
    for row in conn.execute(select(audit_log).where(or_(*about)).order_by(audit_log.c.id)):
        ref = record.case_refs.get(row.case_id) if row.case_id else None
        said = f"Audit record {row.id}: {row.action} by {row.actor} ({row.actor_role})"
        body = {"case_reference": ref, **row_json(row)}
        record.add("audit", row.id, said, "workflow: audit log", row.at.isoformat(), ref, body, "audit_records.json")


def _evidence_items(record: Record, sources: Sources, token: str | None) -> None:
    """Each evidence item of the member's cases (with ``token``: those intake shows that token's owner),
    its original, and its extracted page texts when there are any."""
    for case_id, ref in record.case_refs.items():
        for ev in sources.case_evidence(str(case_id), token):
            if ev.get("case_id") != str(case_id):  # never trust a listing to stay within its case
                continue
            evidence_id = ev["id"]
            folder = f"{_case_dir(ref)}/evidence/{evidence_id}"
            name = safe_name(ev.get("filename") or "")
            shown = "members and reps" if ev.get("visibility") == "member" else "reps only"
            # An infected file is described, never handed out: the record says what it was.
            infected = ev.get("status") == "quarantined"
            said = f"{ev.get('filename')} ({ev.get('size_bytes')} bytes, {shown})" + (
                "; infected, so the file itself is not included" if infected else ""
            )
            record.add(
                "evidence",
                evidence_id,
                said,
                "intake: evidence record; object storage: the original as received",
                ev.get("uploaded_at"),
                ref,
                {"case_reference": ref, **ev},
                f"{_case_dir(ref)}/evidence.json",
                content=None if infected else _original(sources, str(case_id), evidence_id),
                content_file=None if infected else f"{folder}/{name}",
                sha256=ev.get("sha256"),
            )
            keys = sources.page_keys(evidence_id)
            if keys:
                record.add(
                    "text",
                    evidence_id,
                    f"Text extracted from {ev.get('filename')} ({len(keys)} page(s))",
                    "ocr: extracted page texts (object storage)",
                    ev.get("updated_at"),
                    ref,
                    {"case_reference": ref, "evidence_id": evidence_id, "pages": len(keys)},
                    f"{_case_dir(ref)}/texts.json",
                    content=_texts(sources, keys),
                    content_file=f"{folder}/text.txt",
                )


def _original(sources: Sources, case_id: str, evidence_id: str) -> Callable[[], Iterator[bytes] | None]:
    return lambda: sources.original(case_id, evidence_id)


def _texts(sources: Sources, keys: list[str]) -> Callable[[], Iterator[bytes] | None]:
    def read() -> Iterator[bytes]:
        for number, text in enumerate(sources.page_texts(keys), start=1):
            yield f"--- page {number} ---\n{text}\n".encode()

    return read


def _notification_items(record: Record, sources: Sources) -> None:
    """What notify holds for the member's account: about their cases or about no case (an account that
    is also staff gets news of other members' cases; those are not theirs)."""
    mine = {str(i) for i in record.case_refs}
    for username in record.usernames:
        for n in sources.notifications(username):
            if n.get("case_id") and n["case_id"] not in mine:
                continue
            ref = next((r for i, r in record.case_refs.items() if str(i) == n.get("case_id")), None)
            said = f"{n['channel'].capitalize()} notification: " + (n.get("title") or n.get("kind") or "")
            body = {"case_reference": ref, **n}
            record.add(
                "notification",
                n["id"],
                said,
                f"notify: {n['channel']}",
                n.get("created_at"),
                ref,
                body,
                "notifications.json",
            )


def _organising_items(record: Record, sources: Sources) -> None:
    """What organising holds about the member: each target-list entry carrying their number (with its
    campaign, branch and list) and each conversation logged against one of those entries (with the
    follow-up it opened). Checked again here: an entry must carry the member's number and a
    conversation must be linked to one of their entries, whatever the listing says."""
    held = sources.organising(record.membership_number)
    mine: set[str] = set()
    for entry in held["target_entries"]:
        if _normalised(entry.get("membership_number")) != record.membership_number:
            continue
        mine.add(entry["id"])
        said = (
            f"{entry['name']} on the target list {entry['list_filename']} of {entry['branch']}, "
            f"campaign {entry['campaign_name']} ({entry['campaign_starts_on']} to {entry['campaign_ends_on']})"
        )
        record.add(
            "target",
            entry["id"],
            said,
            "organising: recruitment target lists",
            entry.get("list_imported_at"),
            None,
            entry,
            "organising/target_list_entries.json",
        )
    for talk in held["contacts"]:
        if talk.get("target_entry_id") not in mine:
            continue
        said = (
            f"Recruitment conversation ({talk['outcome'].replace('_', ' ')}) by {talk['recorded_by']}, "
            f"campaign {talk['campaign_name']}, {talk['session_place']}"
        )
        record.add(
            "contact",
            talk["id"],
            said,
            "organising: recruitment conversations",
            talk.get("recorded_at"),
            None,
            talk,
            "organising/conversations.json",
        )


def _normalised(number: str | None) -> str | None:
    try:
        return membership.normalise(number) if number else None
    except ValueError:  # a list's own form ("M10/0001") is never a number cases use
        return None


def full_record(conn: Connection, number: str, directory: Directory | None, sources: Sources) -> Record:
    """Everything held about the member with ``number`` (already normalised), for the dpo."""
    try:
        person = directory.member(number) if directory is not None else None
    except Exception as exc:  # the directory's client raises its own errors; any of them means "not now"
        raise unavailable("The user directory could not be asked for the member's account; try again shortly.") from exc
    record = Record(number, "full", [person.username] if person is not None else [])
    _case_items(conn, _member_cases(conn, number), scope.Access.FULL, record)
    _timeline_items(conn, record, member_visible_only=False)
    _protocol_items(conn, record)
    _audit_items(conn, record)
    _evidence_items(record, sources, token=None)
    _notification_items(record, sources)
    _organising_items(record, sources)
    return record


def own_record(conn: Connection, number: str, username: str, token: str, sources: Sources) -> Record:
    """The member's own member-visible record: their cases as they see them, member-visible timeline
    entries and deadlines, the evidence intake shows them (asked with their own token), their notifications."""
    record = Record(number, "member", [username])
    _case_items(conn, _member_cases(conn, number), scope.Access.MEMBER, record)
    _timeline_items(conn, record, member_visible_only=True)
    _table_items(
        conn,
        record,
        deadlines,
        "deadline",
        "workflow: deadlines",
        lambda r: f"Deadline: {r.label}, due {r.due_on.isoformat()} ({r.state})",
        "deadlines.json",
        where=deadlines.c.visibility == "member",
    )
    for item in record.items:  # the deadline as a member is told it, not the reps' working fields
        if item.kind == "deadline":
            item.record = {k: item.record.get(k) for k in MEMBER_DEADLINE_FIELDS}
    _evidence_items(record, sources, token=token)
    _notification_items(record, sources)
    return record
