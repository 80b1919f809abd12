"""Case records: open, read, change, list, and who works on them, always through the scope rules.

Every change is a timeline entry, an audit record and an event, in one transaction.
Every read of a case is an audit record.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, delete, func, select, tuple_, update

from casework.v1 import events_pb2, workflow_pb2
from casework_common.auth import Principal
from casework_common.directory import Directory
from casework_common.problems import Problem, bad_request, forbidden, invalid, not_found
from casework_workflow import audit, erased, flags, holds, scope, timeline
from casework_workflow.changes import Entry, record_change
from casework_workflow.outbound import case_facts, case_ref
from casework_workflow.schemas import MEMBER_ENTRY_KINDS, CaseListQuery, CaseUpdate, NewCase, NewEntry
from casework_workflow.tables import case_reference_seq, case_reps, cases

KEY_DATE_COLUMNS = {
    "incident": "incident_date",
    "investigation_meeting": "investigation_meeting_date",
    "hearing": "hearing_date",
    "outcome": "outcome_date",
    "appeal_deadline": "appeal_deadline",
}
MEMBER_COLUMNS = {
    "name": "member_name",
    "email": "member_email",
    "phone": "member_phone",
    "employer": "employer",
    "workplace": "workplace",
    "sector": "sector",
    "job_role": "job_role",
}


@dataclass(frozen=True)
class CaseView:
    row: Row[Any]
    reps: list[str]  # assigned
    shared_with: list[str]
    access: scope.Access

    @property
    def id(self) -> uuid.UUID:
        return self.row.id

    def ref(self) -> events_pb2.CaseRef:
        return case_ref(self.row, self.reps)

    def changed(self, kind: str, actor: str, subject: str = "") -> events_pb2.CaseChanged:
        """The ``case.events`` message for a change, carrying the case's facts after it."""
        return events_pb2.CaseChanged(
            case=self.ref(), kind=kind, actor=actor, subject=subject, facts=case_facts(self.row)
        )

    def to_json(self) -> dict[str, Any]:
        r = self.row
        body: dict[str, Any] = {
            "id": str(r.id),
            "reference": r.reference,
            "status": r.status,
            "case_type": r.case_type,
            "branch": r.branch,
            "region": r.region,
            "member": {
                "name": r.member_name,
                "membership_number": r.membership_number,
                "email": r.member_email,
                "phone": r.member_phone,
                "employer": r.employer,
                "workplace": r.workplace,
                "sector": r.sector,
                "job_role": r.job_role,
            },
            "reps": self.reps,
            "allegations": r.allegations,
            "key_dates": {
                k: (getattr(r, c).isoformat() if getattr(r, c) else None) for k, c in KEY_DATE_COLUMNS.items()
            },
            "outcome": r.outcome,
            "sanction": r.sanction,
            "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
            "your_access": self.access.name.lower(),
        }
        if self.access is scope.Access.FULL:  # the branch's working notes are not the member's view
            body.update(
                shared_with=self.shared_with,
                allegation_details=r.allegation_details,
                summary=r.summary,
                created_by=r.created_by,
            )
        return body

    def summary_proto(self) -> workflow_pb2.CaseSummary:
        r = self.row
        return workflow_pb2.CaseSummary(
            case_id=str(r.id),
            reference=r.reference,
            branch=r.branch,
            region=r.region,
            membership_number=r.membership_number,
            reps=self.reps,
            status=r.status,
        )


def _encode_cursor(row: Row[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([row.created_at.isoformat(), str(row.id)]).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        created, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return dt.datetime.fromisoformat(created), uuid.UUID(case_id)
    except (ValueError, TypeError) as exc:
        raise bad_request("The cursor is not one this API issued.") from exc


def _outcome_entry(outcome: str | None, sanction: str | None) -> str:
    """The member-visible timeline line for an outcome set or cleared (null: it was recorded in error)."""
    if outcome is None:
        return "Outcome cleared."
    return f"Outcome recorded: {outcome.replace('_', ' ')}" + (f" ({sanction})." if sanction else ".")


def parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class Cases:
    """The cases as the service handles them: every read and change checked against the scope
    rules, audited, and every change announced (changes.py)."""

    def __init__(self, engine: Engine, directory: Directory | None, rules: scope.Rules) -> None:
        self.engine = engine
        self.directory = directory
        self.rules = rules

    # -- reading ---------------------------------------------------------------

    def _people(self, conn: Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[list[str], list[str]]]:
        people: dict[uuid.UUID, tuple[list[str], list[str]]] = {i: ([], []) for i in ids}
        if ids:
            for row in conn.execute(
                select(case_reps.c.case_id, case_reps.c.username, case_reps.c.kind)
                .where(case_reps.c.case_id.in_(ids))
                .order_by(case_reps.c.assigned_at)
            ):
                people[row.case_id][0 if row.kind == "assigned" else 1].append(row.username)
        return people

    def load(
        self, conn: Connection, caller: Principal, case_id: str | uuid.UUID, lock: bool = False
    ) -> CaseView | None:
        """The case if ``caller`` can see it; None both when it does not exist and when it is out of scope."""
        parsed = case_id if isinstance(case_id, uuid.UUID) else parse_id(case_id)
        if parsed is None:
            return None
        query = select(cases, self.rules.access_column(caller).label("access")).where(
            cases.c.id == parsed, self.rules.visible(caller)
        )
        if lock:
            query = query.with_for_update(of=cases)
        row = conn.execute(query).first()
        if row is None:
            return None
        assigned, shared = self._people(conn, [parsed])[parsed]
        return CaseView(row, assigned, shared, scope.Access(row.access))

    def require(
        self,
        conn: Connection,
        caller: Principal,
        case_id: str,
        *,
        full: bool = False,
        staff: bool = False,
        lock: bool = False,
        write: bool = False,
    ) -> CaseView:
        """The case, or the right error: 404 if invisible, 403 if visible but not enough access, 409
        (``case-erased``) for a ``write`` to a case whose record has been erased (erased.py)."""
        view = self.load(conn, caller, case_id, lock=lock)
        if view is None:
            raise not_found("case")
        if write:
            erased.refuse_if_erased(conn, view.id)
        if (full or staff) and view.access is not scope.Access.FULL:
            raise forbidden("Only the people working on this case can do that.")
        if staff and not (scope.is_branch_staff(caller) or caller.has("official", "caseworker")):
            raise forbidden("Only reps, coordinators and regional staff can do that.")
        return view

    def get(self, caller: Principal, case_id: str) -> CaseView | None:
        with self.engine.begin() as conn:
            view = self.load(conn, caller, case_id)
            if view is not None:
                audit.record(conn, caller, "case.read", view.id)
            return view

    def list(self, caller: Principal, query: CaseListQuery) -> tuple[list[CaseView], str | None]:
        """Visible cases, newest first, keyset-paginated."""
        conditions = [self.rules.visible(caller)]
        if query.status:
            conditions.append(cases.c.status == query.status.value)
        if query.case_type:
            conditions.append(cases.c.case_type == query.case_type.value)
        if query.outcome:
            conditions.append(cases.c.outcome == query.outcome.value)
        if query.employer:
            conditions.append(cases.c.employer.ilike(f"%{query.employer}%"))
        if query.assigned_to:
            conditions.append(
                select(case_reps.c.case_id)
                .where(case_reps.c.case_id == cases.c.id, case_reps.c.username == query.assigned_to)
                .exists()
            )
        if query.cursor:
            created, last_id = _decode_cursor(query.cursor)
            conditions.append(tuple_(cases.c.created_at, cases.c.id) < tuple_(created, last_id))
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(cases, self.rules.access_column(caller).label("access"))
                .where(and_(*conditions))
                .order_by(cases.c.created_at.desc(), cases.c.id.desc())
                .limit(query.limit + 1)
            ).all()
            page = rows[: query.limit]
            people = self._people(conn, [r.id for r in page])
            if page:
                audit.record(conn, caller, "case.list", detail={"cases": [str(r.id) for r in page]})
        views = [CaseView(r, *people[r.id], scope.Access(r.access)) for r in page]
        return views, (_encode_cursor(page[-1]) if len(rows) > query.limit else None)

    def read_timeline(self, caller: Principal, case_id: str) -> list[dict[str, Any]]:
        """The case's timeline as ``caller`` may read it (members: the member-visible entries); audited."""
        with self.engine.begin() as conn:
            view = self.require(conn, caller, case_id)
            rows = timeline.entries(conn, view.id, include_reps_only=view.access is scope.Access.FULL)
            audit.record(conn, caller, "timeline.read", view.id)
        return [timeline.to_json(r) for r in rows]

    def scope_of(self, conn: Connection, caller: Principal) -> workflow_pb2.Scope:
        """What ``caller`` may search: whole branches, and the other cases by id and access level."""
        rows = conn.execute(self.rules.scope_query(scope.Shape.of(caller)), scope.bound_values(caller)).all()
        full, member = int(scope.Access.FULL), int(scope.Access.MEMBER)
        return workflow_pb2.Scope(
            branches=scope.whole_branches(caller),
            case_ids=[str(case_id) for case_id, access in rows if access == full],
            member_case_ids=[str(case_id) for case_id, access in rows if access == member],
        )

    # -- changing ------------------------------------------------------------------

    def create(self, caller: Principal, data: NewCase) -> CaseView:
        allowed, reason = scope.may_create_case(caller)
        if not allowed:
            raise forbidden(reason)
        case_id = uuid.uuid4()
        dates = {column: getattr(data.key_dates, key) for key, column in KEY_DATE_COLUMNS.items()}
        with self.engine.begin() as conn:
            number = conn.execute(case_reference_seq.next_value()).scalar_one()
            conn.execute(
                cases.insert().values(
                    id=case_id,
                    reference=f"CW-{dt.date.today().year}-{number:06d}",
                    status="open",
                    case_type=data.case_type.value,
                    branch=caller.branch,
                    region=caller.region,
                    member_name=data.member.name,
                    membership_number=data.member.membership_number.upper(),
                    member_email=str(data.member.email) if data.member.email else None,
                    member_phone=data.member.phone,
                    employer=data.member.employer,
                    workplace=data.member.workplace,
                    sector=data.member.sector.value if data.member.sector else None,
                    job_role=data.member.job_role,
                    allegations=[a.value for a in data.allegations],
                    allegation_details=data.allegation_details,
                    summary=data.summary,
                    created_by=caller.username,
                    **dates,
                )
            )
            if caller.has("rep"):
                conn.execute(
                    case_reps.insert().values(
                        case_id=case_id, username=caller.username, kind="assigned", assigned_by=caller.username
                    )
                )
            view = self.load(conn, caller, case_id)
            assert view is not None  # its creator can always see it
            record_change(
                conn,
                caller,
                "case.create",
                case=view.ref(),
                entries=[Entry("case_opened", f"Case opened by {caller.username}.", "member")],
                detail={"case_type": data.case_type.value},
                event=view.changed("created", caller.username),
            )
            flags.check_branch_has_coordinator(conn, self.directory, caller.branch, caller.region)
        return view

    def update(self, caller: Principal, case_id: str, changes: CaseUpdate) -> CaseView:
        """Change the case's fields (staff); each change is a timeline entry, an audit record and an event.
        409 (``update-refused``) if it would change the member's name on a case under a legal hold."""
        with self.engine.begin() as conn:
            view = self.require(conn, caller, case_id, staff=True, lock=True, write=True)
            values: dict[str, Any] = {}
            for field in changes.model_fields_set:
                value = getattr(changes, field)
                if field == "member":
                    for key in value.model_fields_set:
                        member_value = getattr(value, key)
                        values[MEMBER_COLUMNS[key]] = str(member_value) if member_value is not None else None
                elif field == "key_dates":
                    for key in value.model_fields_set:
                        values[KEY_DATE_COLUMNS[key]] = getattr(value, key)
                elif field == "allegations":
                    values["allegations"] = [a.value for a in value]
                else:
                    values[field] = value.value if hasattr(value, "value") else value
            changed = {k: v for k, v in values.items() if getattr(view.row, k) != v}
            if not changed:
                return view
            # A held case keeps the member's name as filed (holds.py), as the dpo's rectification does:
            # refused as a whole, so nothing else in the edit changes either. The case row is locked, as
            # setting a hold locks it, so no hold can arrive between this check and the write.
            if "member_name" in changed and holds.held(conn, [view.id]):
                raise holds.name_change_refused(view.row.reference)
            # Strictly increasing per case even across concurrent transactions: it is the
            # version search keeps the newest facts by.
            updated_at = func.greatest(cases.c.updated_at + dt.timedelta(microseconds=1), func.clock_timestamp())
            # The retention schedule counts from closing (retention/); reopening stops the clock.
            closing: dict[str, Any] = {}
            if "status" in changed:
                closing["closed_at"] = func.now() if changed["status"] == "closed" else None
            conn.execute(update(cases).where(cases.c.id == view.id).values(**changed, **closing, updated_at=updated_at))
            shown = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in changed.items()}
            entries = [Entry("case_update", "Updated " + ", ".join(sorted(shown)) + ".", "reps", data=shown)]
            if "outcome" in changed:
                said = _outcome_entry(changed["outcome"], changed.get("sanction") or view.row.sanction)
                entries.append(Entry("outcome", said, "member"))
            updated = self.load(conn, caller, view.id)
            assert updated is not None
            record_change(
                conn,
                caller,
                "case.update",
                case=view.ref(),
                entries=entries,
                detail={"changed": shown},
                event=updated.changed("updated", caller.username),
            )
        return updated

    def add_entry(self, caller: Principal, case_id: str, entry: NewEntry) -> dict[str, Any]:
        """A timeline entry written by ``caller``: staff any kind and visibility, members their own
        notes, letters and calls, member-visible. A correction names the entry it corrects."""
        with self.engine.begin() as conn:
            view = self.require(conn, caller, case_id, write=True)
            full = view.access is scope.Access.FULL
            if not full and (entry.kind not in MEMBER_ENTRY_KINDS or entry.visibility.value != "member"):
                raise forbidden("Members add notes, letters received and calls, visible to themselves and their reps.")
            corrects = uuid.UUID(entry.corrects) if entry.corrects else None
            if corrects and not timeline.entry_exists(conn, view.id, corrects, include_reps_only=full):
                raise invalid([{"field": "corrects", "message": "No entry with that id on this case."}])
            # Not record_change: the audit record names the new entry, so it follows the entry's id.
            entry_id = timeline.add(
                conn,
                view.ref(),
                author=caller.username,
                author_role=caller.primary_role,
                kind=entry.kind.value,
                body=entry.body,
                visibility=entry.visibility.value,
                occurred_on=entry.occurred_on,
                corrects=corrects,
                data=entry.comparator.model_dump() if entry.comparator else None,
            )
            audit.record(conn, caller, "timeline.add", view.id, f"entry:{entry_id}", {"kind": entry.kind.value})
            row = next(r for r in timeline.entries(conn, view.id, include_reps_only=True) if r.id == entry_id)
        return timeline.to_json(row)

    def _check_colleague(self, view: CaseView, username: str) -> None:
        """The person must be a rep or coordinator of the case's own branch."""
        if self.directory is None:
            raise Problem(503, "unavailable", "Service unavailable", "The user directory is not configured.")
        person = self.directory.person(username)
        if person is None or not person.roles & {"rep", "coordinator"} or person.branch != view.row.branch:
            raise invalid([{"field": "username", "message": f"{username} is not a rep of branch {view.row.branch}."}])

    def add_rep(self, caller: Principal, case_id: str, username: str, kind: str) -> CaseView:
        """Assign a rep (kind "assigned") or share the case with one ("shared")."""
        with self.engine.begin() as conn:
            view = self.require(conn, caller, case_id, full=True, lock=True, write=True)
            if not scope.is_branch_staff(caller):
                raise forbidden("Reps are assigned by the branch: its reps and coordinator.")
            self._check_colleague(view, username)
            existing = conn.execute(
                select(case_reps.c.kind).where(case_reps.c.case_id == view.id, case_reps.c.username == username)
            ).scalar()
            if existing == kind:
                return view
            if existing:
                conn.execute(
                    update(case_reps)
                    .where(case_reps.c.case_id == view.id, case_reps.c.username == username)
                    .values(kind=kind, assigned_by=caller.username, assigned_at=func.now())
                )
            else:
                conn.execute(
                    case_reps.insert().values(
                        case_id=view.id, username=username, kind=kind, assigned_by=caller.username
                    )
                )
            updated = self.load(conn, caller, view.id)
            assert updated is not None
            verb, event_kind = ("assigned to", "rep_assigned") if kind == "assigned" else ("shared with", "shared")
            record_change(
                conn,
                caller,
                f"case.{event_kind}",
                case=updated.ref(),
                entries=[Entry("assignment", f"Case {verb} {username}.", "member" if kind == "assigned" else "reps")],
                detail={"username": username},
                event=updated.changed(event_kind, caller.username, username),
            )
        return updated

    def remove_rep(self, caller: Principal, case_id: str, username: str) -> CaseView:
        with self.engine.begin() as conn:
            view = self.require(conn, caller, case_id, full=True, lock=True, write=True)
            if not (
                caller.has("coordinator") or (caller.has("rep") and caller.username in view.reps + view.shared_with)
            ):
                raise forbidden("Reps are removed by the branch coordinator or a rep on the case.")
            if username not in view.reps + view.shared_with:
                raise not_found("rep on this case")
            conn.execute(delete(case_reps).where(case_reps.c.case_id == view.id, case_reps.c.username == username))
            updated = self.load(conn, caller, view.id) or view  # removing oneself can end one's own access
            record_change(
                conn,
                caller,
                "case.rep_removed",
                case=updated.ref(),
                entries=[Entry("assignment", f"{username} no longer works on the case.", "reps")],
                detail={"username": username},
                event=updated.changed("rep_unassigned", caller.username, username),
            )
        return updated
