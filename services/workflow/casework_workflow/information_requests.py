"""Subject access and freedom of information requests a rep makes for a case
(docs/design.md, 'Deadlines').

    draft --sent--> sent --extension (subject access only)--> extended
    sent | extended --received--> the same state, the time running from another day
    sent | extended --reply--> replied
    draft | sent | extended --withdraw--> withdrawn

Sending starts the statutory clock: the case's deadline ``request:<id>`` (deadlines.store), computed
by deadlines.requests_clock from the day the controller or authority received the request; an
extension recomputes it, a reply marks it met, a withdrawal withdraws it. "Overdue" is not a state:
a sent or extended request whose deadline has passed. Every change is, in one transaction, the row,
a timeline entry and an audit record (the deadline's own event, entry and record come from
deadlines.store); every read is an audit record.

Who: union staff with full access to the case (its reps, the branch coordinator, regional staff it
was brought to) create and change requests. The member reads the requests on their own case: the
letters are in their name and the data asked for is theirs; nothing on a request is a reps-only note.
Everyone else gets a 404, as for the case itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update

from casework_common.auth import Principal
from casework_common.problems import Problem, invalid, not_found
from casework_common.typed_dates import long_date
from casework_workflow import audit, evidence_events, scope
from casework_workflow.cases import Cases, CaseView, parse_id
from casework_workflow.changes import Entry, record_change
from casework_workflow.deadlines import requests_clock
from casework_workflow.deadlines import store as deadline_store
from casework_workflow.deadlines.model import ComputedDeadline
from casework_workflow.request_letters import next_steps, request_letter
from casework_workflow.request_schemas import (
    ClockStart,
    Extension,
    NewInformationRequest,
    ReplyReceived,
    SentRequest,
    Withdrawal,
)
from casework_workflow.tables import deadlines, information_requests, timeline_entries

KIND_NAMES = {"subject_access": "subject access request", "foi": "Freedom of Information request"}
OPEN = ("sent", "extended")  # the clock is running
# The earliest date a request can be recorded as sent: the UK GDPR and the Data Protection Act 2018
# (and so this clock) apply from 25 May 2018; anything earlier is a typing mistake.
EARLIEST = dt.date(2018, 5, 25)
ACTIONS = {
    "draft": ("sent", "withdraw"),
    "sent": ("received", "extension", "reply", "withdraw"),
    "extended": ("received", "reply", "withdraw"),
    "replied": (),
    "withdrawn": (),
}


def source(request_id: uuid.UUID) -> str:
    """The ``deadlines.source`` of a request's deadline."""
    return f"{deadline_store.REQUEST_PREFIX}{request_id}"


def _conflict(detail: str, row: Row[Any], **extra: Any) -> Problem:
    return Problem(409, "request-state", "Not possible in the request's state", detail, state=row.state, **extra)


def _date_errors(field: str, day: dt.date, today: dt.date, not_before: dt.date | None, before_what: str) -> list:
    if day > today:
        return [{"field": field, "message": f"{long_date(day)} is in the future (today is {long_date(today)})."}]
    if not_before is not None and day < not_before:
        return [{"field": field, "message": f"{long_date(day)} is before {before_what} ({long_date(not_before)})."}]
    if day < EARLIEST:
        return [{"field": field, "message": f"Dates before {long_date(EARLIEST)} are not accepted."}]
    return []


def _label(kind: str, recipient: str) -> str:
    """The deadline's label (shown in reminders and calendar feeds: the recipient, no personal data)."""
    what = "Subject access reply" if kind == "subject_access" else "FOI reply"
    return f"{what} due from {recipient[:80]}"


class InformationRequests:
    """A case's information requests as the service handles them: checked against the scope rules,
    their deadlines kept, each change on the timeline and audited."""

    def __init__(self, engine: Engine, cases: Cases) -> None:
        self.engine = engine
        self.cases = cases

    # -- reading -------------------------------------------------------------------------

    def _load(
        self, conn: Connection, caller: Principal, case_id: str, request_id: str, *, write: bool
    ) -> tuple[Row[Any], CaseView]:
        """The request and its case: 404 unless the case is visible and the request is on it; 403 for
        a write by someone who may only read (the member)."""
        view = self.cases.require(conn, caller, case_id, staff=write, lock=write, write=write)
        parsed = parse_id(request_id)
        query = select(information_requests).where(
            information_requests.c.id == parsed, information_requests.c.case_id == view.id
        )
        row = conn.execute(query.with_for_update() if write else query).first() if parsed else None
        if row is None:
            raise not_found("information request")
        return row, view

    def _deadline(self, conn: Connection, row: Row[Any]) -> Row[Any] | None:
        return conn.execute(
            select(deadlines).where(deadlines.c.case_id == row.case_id, deadlines.c.source == source(row.id))
        ).first()

    def _evidence(self, conn: Connection, row: Row[Any], full: bool) -> list[dict[str, str]]:
        """The reply's documents with their file names, as the case's timeline knows them; a member
        is not told of reps-only ones."""
        ids = list(row.reply_evidence_ids or [])
        if not ids:
            return []
        query = select(timeline_entries.c.source_event_id, timeline_entries.c.data).where(
            timeline_entries.c.case_id == row.case_id,
            timeline_entries.c.source_event_id.in_([evidence_events.source_key(i) for i in ids]),
        )
        if not full:
            query = query.where(timeline_entries.c.visibility == "member")
        names = {r.source_event_id: r.data.get("filename", "") for r in conn.execute(query)}
        key = evidence_events.source_key
        return [{"id": i, "filename": names[key(i)]} for i in ids if key(i) in names]

    def _json(self, conn: Connection, row: Row[Any], view: CaseView, today: dt.date) -> dict[str, Any]:
        full = view.access is scope.Access.FULL
        deadline = self._deadline(conn, row)
        overdue = row.state in OPEN and deadline is not None and deadline.due_on < today
        return {
            "id": str(row.id),
            "case_id": str(row.case_id),
            "kind": row.kind,
            "recipient": row.recipient,
            "recipient_email": row.recipient_email,
            "jurisdiction": row.jurisdiction,
            "requested": row.requested,
            "employee_number": row.employee_number,
            "letter": {"to": row.recipient, "subject": row.letter_subject, "body": row.letter_body},
            "state": row.state,
            "overdue": overdue,
            "sent_on": row.sent_on.isoformat() if row.sent_on else None,
            "received_on": row.received_on.isoformat() if row.received_on else None,
            "extended_on": row.extended_on.isoformat() if row.extended_on else None,
            "extension_reason": row.extension_reason,
            "replied_on": row.replied_on.isoformat() if row.replied_on else None,
            "reply_evidence": self._evidence(conn, row, full),
            "withdrawn_reason": row.withdrawn_reason,
            "deadline": deadline_store.to_json(deadline, today, full=full) if deadline is not None else None,
            "created_by": row.created_by,
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
            "allowed_actions": (
                [a for a in ACTIONS[row.state] if a != "extension" or row.kind == "subject_access"] if full else []
            )
            + (["complaint"] if overdue else []),
        }

    def for_case(self, caller: Principal, case_id: str) -> list[dict[str, Any]]:
        """The case's requests, newest first."""
        today = deadline_store.today()
        with self.engine.begin() as conn:
            view = self.cases.require(conn, caller, case_id)
            rows = conn.execute(
                select(information_requests)
                .where(information_requests.c.case_id == view.id)
                .order_by(information_requests.c.created_at.desc(), information_requests.c.id)
            ).all()
            audit.record(conn, caller, "information_request.list", view.id)
            return [self._json(conn, r, view, today) for r in rows]

    def get(self, caller: Principal, case_id: str, request_id: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            row, view = self._load(conn, caller, case_id, request_id, write=False)
            audit.record(conn, caller, "information_request.read", view.id, f"information_request:{row.id}")
            return self._json(conn, row, view, deadline_store.today())

    def complaint(self, caller: Principal, case_id: str, request_id: str) -> dict[str, Any]:
        """The next step for an overdue request: the complaint to the regulator (for FOISA, the
        requirement for review first), as letters filled from the request. 409 unless overdue."""
        today = deadline_store.today()
        with self.engine.begin() as conn:
            row, view = self._load(conn, caller, case_id, request_id, write=False)
            deadline = self._deadline(conn, row)
            if row.state not in OPEN or deadline is None:
                raise _conflict(
                    f"Only a sent request that is overdue can be complained about; this one is {row.state}.", row
                )
            if deadline.due_on >= today:
                raise _conflict(
                    f"The reply is not overdue: it is due by {long_date(deadline.due_on)}.",
                    row,
                    due_on=deadline.due_on.isoformat(),
                )
            audit.record(conn, caller, "information_request.complaint", view.id, f"information_request:{row.id}")
            steps = next_steps(row.kind, row.jurisdiction, row, view.row, deadline.due_on, today)
        return {
            "request_id": str(row.id),
            "kind": row.kind,
            "due_on": deadline.due_on.isoformat(),
            "days_overdue": (today - deadline.due_on).days,
            **steps,
        }

    # -- changing ------------------------------------------------------------------------

    def _record(
        self, conn: Connection, caller: Principal, view: CaseView, row: Row[Any], action: str, said: str, **detail: Any
    ) -> None:
        """The timeline entry (member-visible: the request is in the member's name) and audit record."""
        record_change(
            conn,
            caller,
            f"information_request.{action}",
            case=view.ref(),
            entries=[
                Entry(
                    "information_request",
                    said,
                    "member",
                    data={"information_request_id": str(row.id), "state": row.state},
                )
            ],
            resource=f"information_request:{row.id}",
            detail={"kind": row.kind, **detail},
        )

    def create(self, caller: Principal, case_id: str, data: NewInformationRequest) -> dict[str, Any]:
        """A draft request with its letter generated from the case and ``data``."""
        jurisdiction = (data.jurisdiction.value if data.jurisdiction else None) or "england_wales"
        with self.engine.begin() as conn:
            view = self.cases.require(conn, caller, case_id, staff=True, write=True)
            letter = request_letter(
                data.kind.value,
                case_row=view.row,
                recipient=data.recipient,
                requested=data.requested,
                jurisdiction=jurisdiction,
                employee_number=data.employee_number,
            )
            row = conn.execute(
                information_requests.insert()
                .values(
                    id=uuid.uuid4(),
                    case_id=view.id,
                    kind=data.kind.value,
                    recipient=data.recipient,
                    recipient_email=str(data.recipient_email) if data.recipient_email else None,
                    jurisdiction=jurisdiction,
                    requested=data.requested,
                    employee_number=data.employee_number,
                    letter_subject=letter.subject,
                    letter_body=letter.body,
                    created_by=caller.username,
                )
                .returning(information_requests)
            ).one()
            self._record(conn, caller, view, row, "create", f"A {KIND_NAMES[row.kind]} to {row.recipient} was drafted.")
            return self._json(conn, row, view, deadline_store.today())

    def _clock(self, row: Row[Any], received: dt.date, extended: bool) -> ComputedDeadline:
        if row.kind == "subject_access":
            return requests_clock.subject_access_due(received, extended, jurisdiction=row.jurisdiction)
        return requests_clock.foi_due(received, row.jurisdiction)

    def _put_deadline(
        self,
        conn: Connection,
        caller: Principal,
        view: CaseView,
        row: Row[Any],
        computed: ComputedDeadline,
        assumed: bool,
    ) -> None:
        steps = list(computed.steps)
        if assumed:
            steps.insert(
                0,
                f"Received on {long_date(row.received_on)}, the day it was sent: right for an email; for a letter, "
                "record the day it was received.",
            )
        rule = None
        if computed.source is not None:
            rule = {
                "rule_set": computed.rule_set,
                "key": computed.key,
                "title": computed.source.title,
                "citation": computed.source.citation,
                "url": computed.source.url,
            }
        deadline_store.put_deadline(
            conn,
            view.row,
            source=source(row.id),
            kind=row.kind,
            label=_label(row.kind, row.recipient),
            due_on=computed.due_on,
            visibility="member",
            indicative=computed.indicative,
            computation=steps,
            rule=rule,
            actor=caller,
        )

    def _update(self, conn: Connection, row: Row[Any], **values: Any) -> Row[Any]:
        return conn.execute(
            update(information_requests)
            .where(information_requests.c.id == row.id)
            .values(**values, updated_at=func.now())
            .returning(information_requests)
        ).one()

    def send(self, caller: Principal, case_id: str, request_id: str, data: SentRequest) -> dict[str, Any]:
        """Record that the request was sent: its deadline starts from the day it was received."""
        today = deadline_store.today()
        with self.engine.begin() as conn:
            row, view = self._load(conn, caller, case_id, request_id, write=True)
            if row.state != "draft":
                said = f"was sent on {long_date(row.sent_on)}" if row.sent_on else f"is {row.state}"
                raise _conflict(f"Only a draft can be recorded as sent; this request {said}.", row)
            received = data.received_on or data.sent_on
            errors = _date_errors("sent_on", data.sent_on, today, None, "")
            errors += _date_errors("received_on", received, today, data.sent_on, "the day it was sent")
            if errors:
                raise invalid(errors, "The dates do not fit.")
            updated = self._update(conn, row, state="sent", sent_on=data.sent_on, received_on=received)
            computed = self._clock(updated, received, False)
            self._put_deadline(conn, caller, view, updated, computed, assumed=data.received_on is None)
            self._record(
                conn,
                caller,
                view,
                updated,
                "send",
                f"The {KIND_NAMES[row.kind]} to {row.recipient} was sent on {long_date(data.sent_on)}; "
                f"the reply is due by {long_date(computed.due_on)}.",
                sent_on=data.sent_on.isoformat(),
                received_on=received.isoformat(),
                due_on=computed.due_on.isoformat(),
            )
            return self._json(conn, updated, view, today)

    def restart(self, caller: Principal, case_id: str, request_id: str, data: ClockStart) -> dict[str, Any]:
        """The time runs from another day than recorded: the real day of receipt of a posted request,
        or the day the controller or authority received the proof of identity or fee it asked for (a
        subject access clarification pauses the month instead, UK GDPR Article 12A: not computed). The
        deadline is computed again from that day (with the extension, if any)."""
        today = deadline_store.today()
        with self.engine.begin() as conn:
            row, view = self._load(conn, caller, case_id, request_id, write=True)
            if row.state not in OPEN:
                said = "it has not been sent yet" if row.state == "draft" else f"it is {row.state}"
                raise _conflict(f"The day the time runs from cannot be changed: {said}.", row)
            errors = _date_errors("received_on", data.received_on, today, row.sent_on, "the day it was sent")
            if not errors and row.extended_on is not None:
                first_month = self._clock(row, data.received_on, False).due_on
                if not data.received_on <= row.extended_on <= first_month:
                    errors = [
                        {
                            "field": "received_on",
                            "message": f"The extension was notified on {long_date(row.extended_on)}, which must fall "
                            f"within the first month from this day (by {long_date(first_month)}).",
                        }
                    ]
            if errors:
                raise invalid(errors, "The date does not fit the request.")
            updated = self._update(conn, row, received_on=data.received_on)
            computed = self._clock(updated, data.received_on, row.state == "extended")
            self._put_deadline(conn, caller, view, updated, computed, assumed=False)
            self._record(
                conn,
                caller,
                view,
                updated,
                "received",
                f"The time to reply to the {KIND_NAMES[row.kind]} to {row.recipient} now runs from "
                f"{long_date(data.received_on)} ({data.reason.rstrip('.')}): the reply is due by "
                f"{long_date(computed.due_on)}.",
                received_on=data.received_on.isoformat(),
                was=row.received_on.isoformat(),
                due_on=computed.due_on.isoformat(),
            )
            return self._json(conn, updated, view, today)

    def extend(self, caller: Principal, case_id: str, request_id: str, data: Extension) -> dict[str, Any]:
        """The controller extended a subject access request by two further months (Article 12(3)),
        which it may do only by saying so within the first month."""
        today = deadline_store.today()
        with self.engine.begin() as conn:
            row, view = self._load(conn, caller, case_id, request_id, write=True)
            if row.kind != "subject_access":
                raise _conflict(
                    "Only a subject access request can be extended by the controller; an FOI request's 20 working "
                    "days are not extended this way.",
                    row,
                )
            if row.state != "sent":
                said = "it has not been sent yet" if row.state == "draft" else f"it is {row.state}"
                raise _conflict(f"This request cannot be extended: {said}.", row)
            first_month = self._clock(row, row.received_on, False).due_on
            errors = _date_errors("notified_on", data.notified_on, today, row.received_on, "the day it was received")
            if not errors and data.notified_on > first_month:
                errors = [
                    {
                        "field": "notified_on",
                        "message": f"An extension must be notified within the first month, by "
                        f"{long_date(first_month)} (UK GDPR Article 12(3)); notice on {long_date(data.notified_on)} "
                        "does not extend the deadline, and the request is overdue.",
                    }
                ]
            if errors:
                raise invalid(errors, "The extension does not fit the request.")
            updated = self._update(
                conn, row, state="extended", extended_on=data.notified_on, extension_reason=data.reason
            )
            computed = self._clock(updated, row.received_on, True)
            self._put_deadline(conn, caller, view, updated, computed, assumed=row.received_on == row.sent_on)
            self._record(
                conn,
                caller,
                view,
                updated,
                "extend",
                f"{row.recipient} extended the time to respond to the subject access request by two months "
                f"(notified {long_date(data.notified_on)}): the reply is now due by {long_date(computed.due_on)}. "
                f"Reason given: {data.reason}",
                notified_on=data.notified_on.isoformat(),
                due_on=computed.due_on.isoformat(),
            )
            return self._json(conn, updated, view, today)

    def reply(self, caller: Principal, case_id: str, request_id: str, data: ReplyReceived) -> dict[str, Any]:
        """The reply arrived: its documents (already evidence of this case) are recorded with it and
        the deadline is met."""
        today = deadline_store.today()
        with self.engine.begin() as conn:
            row, view = self._load(conn, caller, case_id, request_id, write=True)
            if row.state not in OPEN:
                said = "it has not been sent yet" if row.state == "draft" else f"it is {row.state}"
                raise _conflict(f"A reply cannot be recorded: {said}.", row)
            errors = _date_errors("received_on", data.received_on, today, row.sent_on, "the day it was sent")
            ids = list(dict.fromkeys(data.evidence_ids))  # once each, in the order given
            unknown = evidence_events.unknown_evidence(conn, view.id, ids)
            if unknown:
                errors.append(
                    {
                        "field": "evidence_ids",
                        "message": "Not evidence of this case (upload the reply to the case first; a just-uploaded "
                        f"item can take a moment to be recorded on it): {', '.join(unknown)}.",
                        "evidence_ids": unknown,
                    }
                )
            if errors:
                raise invalid(errors, "The reply cannot be recorded as given.")
            updated = self._update(
                conn, row, state="replied", replied_on=data.received_on, reply_evidence_ids=[str(i) for i in ids]
            )
            deadline_store.set_deadline_state(
                conn,
                view.row,
                source=source(row.id),
                state="met",
                reason=f"Reply received on {long_date(data.received_on)}.",
                actor=caller,
            )
            count = f"{len(ids)} document" + ("s" if len(ids) != 1 else "")
            self._record(
                conn,
                caller,
                view,
                updated,
                "reply",
                f"{row.recipient} replied to the {KIND_NAMES[row.kind]} on {long_date(data.received_on)} ({count}).",
                received_on=data.received_on.isoformat(),
                evidence_ids=[str(i) for i in ids],
            )
            return self._json(conn, updated, view, today)

    def withdraw(self, caller: Principal, case_id: str, request_id: str, data: Withdrawal) -> dict[str, Any]:
        """The request is no longer pursued (a draft never sent, or a request the member dropped)."""
        with self.engine.begin() as conn:
            row, view = self._load(conn, caller, case_id, request_id, write=True)
            if row.state not in ("draft", *OPEN):
                raise _conflict(f"This request is already {row.state}.", row)
            updated = self._update(conn, row, state="withdrawn", withdrawn_reason=data.reason)
            if row.state in OPEN:
                deadline_store.set_deadline_state(
                    conn,
                    view.row,
                    source=source(row.id),
                    state="withdrawn",
                    reason="The request was withdrawn." + (f" {data.reason}" if data.reason else ""),
                    actor=caller,
                )
            self._record(
                conn,
                caller,
                view,
                updated,
                "withdraw",
                f"The {KIND_NAMES[row.kind]} to {row.recipient} was withdrawn."
                + (f" Reason: {data.reason}" if data.reason else ""),
                reason=data.reason,
            )
            return self._json(conn, updated, view, deadline_store.today())
