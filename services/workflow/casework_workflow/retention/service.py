"""Retention and erasure: what is due, carrying it out, the holders' receipts, legal holds, erasure
requests and rectification (docs/design.md, 'Data protection').

A kind of a case's data is *due* when the case is closed, has no legal hold, the schedule's period
for the kind has passed since closing (or a data-protection officer accepted an erasure request),
and no removal of that kind has been started. Carrying it out, in one transaction per case:
workflow removes its own copies (retention/erase.py) and counts that as its own receipt, records a
``data_erasures`` row per kind, audits it, and queues ONE ``CaseDataDue`` (outbox, topic
dataprotection.erasures) naming the kinds other services still hold. Each holder answers with a
``CaseDataErased`` receipt per kind; a kind is done when every holder in DATA_KIND_HOLDERS has.
The daily job sends ``CaseDataDue`` again for kinds still waiting after ``resend_after``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert

from casework.v1 import events_pb2
from casework_common import events, metrics
from casework_common.auth import SERVICE_ROLE, Principal
from casework_common.events import Event
from casework_common.membership import normalise
from casework_common.outbox import enqueue
from casework_common.problems import Problem, forbidden, invalid, not_found
from casework_common.vocabulary import (
    DATA_KIND_HOLDERS,
    DATA_KIND_LABELS,
    DATA_KIND_NAMES,
    DATA_KINDS,
    ERASURE_REASONS,
)
from casework_workflow import audit, holds, scope
from casework_workflow.cases import parse_id
from casework_workflow.changes import Entry, record_change
from casework_workflow.outbound import SERVICE, case_facts, case_ref
from casework_workflow.retention.erase import OWN_KINDS
from casework_workflow.retention.schedule import Schedule
from casework_workflow.schemas import Status
from casework_workflow.tables import (
    case_reps,
    cases,
    data_erasures,
    erasure_requests,
    legal_holds,
    outbox,
)

log = logging.getLogger(__name__)
IGNORED_RECEIPTS = metrics.Metrics("workflow").counter(
    "erasure_receipts_ignored_total",
    "Erasure receipts ignored: the service named does not hold the kind, or is not the one that sent it.",
)

DPO_ONLY = "Only the data-protection officer handles erasure and rectification requests."

#: Who the retention job acts as in the audit log and in CaseDataDue.requested_by.
RETENTION_ACTOR = Principal(subject="retention", username="retention", roles=frozenset({SERVICE_ROLE}))


def _holder(service: str) -> Principal:
    return Principal(subject=service, username=service, roles=frozenset({SERVICE_ROLE}))


@dataclass
class DueCase:
    case_id: uuid.UUID
    reference: str
    case_type: str
    outcome: str | None
    branch: str
    region: str
    closed_at: dt.datetime
    kinds: dict[str, dt.date] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The case as the dry run lists it (DueCaseOut): facts that identify no member, and each kind's day."""
        return {
            "case_id": str(self.case_id),
            "reference": self.reference,
            "case_type": self.case_type,
            "outcome": self.outcome,
            "branch": self.branch,
            "region": self.region,
            "closed_on": self.closed_at.astimezone(dt.UTC).date().isoformat(),
            "kinds": [
                {"kind": k, "label": DATA_KIND_LABELS[k], "due_on": d.isoformat()} for k, d in self.kinds.items()
            ],
        }


@dataclass(frozen=True)
class RunReport:
    as_of: dt.date
    dry_run: bool
    due: list[DueCase]
    held: int
    carried_out: int = 0
    resent: int = 0

    def to_json(self) -> dict[str, Any]:
        """The run's report: what was due, what was carried out, held and asked for again."""
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "items": [d.to_json() for d in self.due],
            "held": self.held,
            "carried_out": self.carried_out,
            "resent": self.resent,
        }


class Refused(Problem):
    """An erasure or rectification request refused (409), with the reason (``refusal``); the refusal
    is recorded first. ``extra`` names what the client needs beside it (the request's id, the held cases)."""

    def __init__(self, code: str, detail: str, request: str = "erasure", **extra: Any) -> None:
        super().__init__(409, f"{request}-refused", f"{request.capitalize()} refused", detail, refusal=code, **extra)


def _may_hold(caller: Principal, region: str) -> bool:
    return caller.has("admin", "dpo") or (caller.has("official") and caller.region == region)


class DataProtection:
    """Retention, legal holds, erasure requests and rectification over workflow's database."""

    def __init__(self, engine: Engine, schedule: Schedule, resend_after: dt.timedelta) -> None:
        self.engine = engine
        self.schedule = schedule
        self.resend_after = resend_after

    # -- what is due ----------------------------------------------------------------------

    def due(self, conn: Connection, as_of: dt.date) -> tuple[list[DueCase], int]:
        """Closed cases with kinds due on ``as_of`` and not yet started, and how many closed cases
        a legal hold keeps."""
        held = select(legal_holds.c.case_id).where(legal_holds.c.case_id == cases.c.id).exists()
        closed = and_(cases.c.status == Status.CLOSED, cases.c.closed_at.is_not(None))
        held_count = conn.execute(select(func.count()).select_from(cases).where(closed, held)).scalar_one()
        started: dict[uuid.UUID, set[str]] = {}
        for row in conn.execute(select(data_erasures.c.case_id, data_erasures.c.kind)):
            started.setdefault(row.case_id, set()).add(row.kind)
        found: list[DueCase] = []
        for row in conn.execute(select(cases).where(closed, ~held).order_by(cases.c.closed_at, cases.c.id)):
            dates = self.schedule.due_dates(row.case_type, row.outcome, row.closed_at)
            kinds = {k: d for k, d in dates.items() if d <= as_of and k not in started.get(row.id, set())}
            if kinds:
                found.append(
                    DueCase(
                        row.id, row.reference, row.case_type, row.outcome, row.branch, row.region, row.closed_at, kinds
                    )
                )
        return found, held_count

    def dry_run(self, caller: Principal, as_of: dt.date) -> RunReport:
        """What a run on ``as_of`` would remove (dpo, admin); nothing changes but the audit log."""
        if not caller.has("dpo", "admin"):
            raise forbidden("Only the data-protection officer and administrators see what retention would remove.")
        with self.engine.begin() as conn:
            due, held = self.due(conn, as_of)
            audit.record(
                conn,
                caller,
                "dataprotection.retention_run",
                detail={"as_of": as_of.isoformat(), "dry_run": True, "cases": len(due), "held": held},
            )
        return RunReport(as_of, True, due, held)

    # -- carrying it out ----------------------------------------------------------------------

    def carry_out(
        self,
        conn: Connection,
        case_id: uuid.UUID,
        kinds: list[str],
        reason: str,
        request_id: str,
        actor: Principal,
    ) -> list[str]:
        """Start removing ``kinds`` of the case (in the caller's transaction, the case row locked by
        the caller): workflow's own copies now, the rest by CaseDataDue. Kinds already started are
        left to their first request. Returns the kinds started now."""
        now = dt.datetime.now(dt.UTC)
        started = [
            row.kind
            for row in conn.execute(
                insert(data_erasures)
                .values(
                    [
                        {
                            "case_id": case_id,
                            "kind": kind,
                            "reason": reason,
                            "request_id": request_id,
                            "requested_by": actor.username,
                        }
                        for kind in kinds
                    ]
                )
                .on_conflict_do_nothing()
                .returning(data_erasures.c.kind)
            )
        ]
        # The case record last: it redacts the case's audit records, and those written below (what
        # was removed, no personal data) should stay readable.
        own = sorted((k for k in started if k in OWN_KINDS), key=lambda k: k == "case_record")
        for kind in own:
            removed = OWN_KINDS[kind](conn, case_id)
            self._receipt(conn, case_id, kind, SERVICE, request_id, removed, now)
        for kind in own:
            audit.record(
                conn,
                actor,
                "dataprotection.erased",
                case_id,
                detail={"kind": kind, "service": SERVICE, "reason": reason, "request_id": request_id},
            )
        if started:
            audit.record(
                conn,
                actor,
                "dataprotection.erasure_due",
                case_id,
                detail={"kinds": started, "reason": reason, "request_id": request_id},
            )
        self._send_due(conn, case_id, [k for k in started if set(DATA_KIND_HOLDERS[k]) - {SERVICE}], reason, request_id)
        return started

    def _send_due(self, conn: Connection, case_id: uuid.UUID, kinds: list[str], reason: str, request_id: str) -> None:
        if not kinds:
            return
        requested_by = conn.execute(
            select(data_erasures.c.requested_by).where(
                data_erasures.c.case_id == case_id, data_erasures.c.kind == kinds[0]
            )
        ).scalar_one()
        message = events_pb2.CaseDataDue(
            case_id=str(case_id),
            kinds=[DATA_KINDS[k] for k in kinds],
            reason=ERASURE_REASONS[reason],
            request_id=request_id,
            requested_by=requested_by,
        )
        enqueue(conn, outbox, events.DATA_ERASURES, str(case_id), message, SERVICE)
        conn.execute(
            update(data_erasures)
            .where(data_erasures.c.case_id == case_id, data_erasures.c.kind.in_(kinds))
            .values(sent_at=func.now())
        )

    def _receipt(
        self,
        conn: Connection,
        case_id: uuid.UUID,
        kind: str,
        service: str,
        request_id: str,
        items_removed: int,
        at: dt.datetime,
    ) -> bool:
        """Mark one holder's receipt; False if it had answered already (a redelivery or a resend)."""
        row = conn.execute(
            select(data_erasures)
            .where(data_erasures.c.case_id == case_id, data_erasures.c.kind == kind)
            .with_for_update()
        ).first()
        if row is None or service in row.receipts:
            return False
        receipts = {
            **row.receipts,
            service: {"at": at.isoformat(), "items_removed": items_removed, "request_id": request_id},
        }
        done = set(DATA_KIND_HOLDERS[kind]) <= set(receipts)
        conn.execute(
            update(data_erasures)
            .where(data_erasures.c.case_id == case_id, data_erasures.c.kind == kind)
            .values(receipts=receipts, done_at=func.now() if done else None)
        )
        return True

    def run(self, as_of: dt.date, dry_run: bool, now: dt.datetime | None = None) -> RunReport:
        """The daily job: carry out what is due, resend what still waits for receipts, audit the run."""
        with self.engine.connect() as conn:
            due, held = self.due(conn, as_of)
        carried = resent = 0
        if not dry_run:
            run_id = f"retention:{as_of.isoformat()}:{uuid.uuid4()}"
            for case in due:
                with self.engine.begin() as conn:
                    # The row lock orders this against a legal hold being set (its foreign key
                    # locks the case row too) and against the case being reopened.
                    row = conn.execute(
                        select(cases.c.status).where(cases.c.id == case.case_id).with_for_update()
                    ).first()
                    hold = conn.execute(
                        select(legal_holds.c.case_id).where(legal_holds.c.case_id == case.case_id)
                    ).first()
                    if row is None or row.status != Status.CLOSED or hold is not None:
                        continue
                    if self.carry_out(conn, case.case_id, list(case.kinds), "retention", run_id, RETENTION_ACTOR):
                        carried += 1
            resent = self.resend(now or dt.datetime.now(dt.UTC))
        with self.engine.begin() as conn:
            audit.record(
                conn,
                RETENTION_ACTOR,
                "dataprotection.retention_run",
                detail={
                    "as_of": as_of.isoformat(),
                    "dry_run": dry_run,
                    "cases": len(due),
                    "carried_out": carried,
                    "held": held,
                    "resent": resent,
                },
            )
        return RunReport(as_of, dry_run, due, held, carried, resent)

    def resend(self, now: dt.datetime) -> int:
        """Queue CaseDataDue again for kinds still waiting for a receipt ``resend_after`` after the
        last sending (a lost receipt, a holder that was down); one message per case. Returns how
        many cases were asked again."""
        with self.engine.begin() as conn:
            waiting = conn.execute(
                select(data_erasures)
                .where(data_erasures.c.done_at.is_(None), data_erasures.c.sent_at < now - self.resend_after)
                .with_for_update(skip_locked=True)
            ).all()
            by_case: dict[uuid.UUID, list[Row[Any]]] = {}
            for row in waiting:
                by_case.setdefault(row.case_id, []).append(row)
            for case_id, rows in by_case.items():
                self._send_due(conn, case_id, [r.kind for r in rows], rows[0].reason, rows[0].request_id)
        return len(by_case)

    # -- receipts ------------------------------------------------------------------------------

    def handle_receipt(self, receipt: events_pb2.CaseDataErased, event: Event) -> None:
        """One holder removed one kind: audit it once (no personal data) and mark it."""
        kind = DATA_KIND_NAMES.get(receipt.kind)
        case_id = parse_id(receipt.case_id)
        if kind is None or case_id is None or not receipt.service:
            return  # a newer producer's kind, or a malformed receipt: nothing to mark
        # Only a holder of the kind answers for it, and only for itself: a receipt naming another
        # service (a bug, or a service that may publish to the topic claiming another's work) would
        # mark a kind done that is not.
        if receipt.service not in DATA_KIND_HOLDERS[kind] or receipt.service != event.producer:
            log.warning(
                "receipt for %s of case %s ignored: service %r, sent by %r, holders %s",
                kind,
                case_id,
                receipt.service,
                event.producer,
                ", ".join(DATA_KIND_HOLDERS[kind]),
            )
            IGNORED_RECEIPTS.inc()
            return
        with self.engine.begin() as conn:
            if not conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first():
                return
            fresh = self._receipt(
                conn,
                case_id,
                kind,
                receipt.service,
                receipt.request_id,
                receipt.items_removed,
                dt.datetime.fromtimestamp(event.occurred_at, dt.UTC),
            )
            if fresh:
                audit.record(
                    conn,
                    _holder(receipt.service),
                    "dataprotection.erased",
                    case_id,
                    detail={
                        "kind": kind,
                        "service": receipt.service,
                        "request_id": receipt.request_id,
                        "items_removed": receipt.items_removed,
                        "detail": receipt.detail,
                        "event_id": event.event_id,
                    },
                )

    # -- legal holds ----------------------------------------------------------------------------

    def _case_for_hold(self, conn: Connection, caller: Principal, case_id: str) -> Row[Any]:
        if not caller.has("official", "admin", "dpo"):
            raise forbidden("Legal holds are set by the region's officials, administrators and the DPO.")
        parsed = parse_id(case_id)
        row = (
            conn.execute(select(cases.c.id, cases.c.region).where(cases.c.id == parsed).with_for_update()).first()
            if parsed
            else None
        )
        if row is None or not _may_hold(caller, row.region):
            raise not_found("case")
        return row

    def hold(self, caller: Principal, case_id: str) -> dict[str, Any]:
        """The case's legal hold, for those who may set or release one."""
        parsed = parse_id(case_id)
        with self.engine.begin() as conn:
            row = (
                conn.execute(select(cases.c.id, cases.c.region).where(cases.c.id == parsed)).first() if parsed else None
            )
            if row is None or not _may_hold(caller, row.region):
                raise not_found("case")
            return _hold_json(row.id, conn.execute(select(legal_holds).where(legal_holds.c.case_id == row.id)).first())

    def set_hold(self, caller: Principal, case_id: str, reason: str) -> dict[str, Any]:
        """Hold the case (or replace the hold's reason): no removal starts until it is released. Allowed
        on an erased case too: kinds not yet started (their periods differ) are then kept. Audited."""
        with self.engine.begin() as conn:
            row = self._case_for_hold(conn, caller, case_id)
            conn.execute(
                insert(legal_holds)
                .values(case_id=row.id, reason=reason, set_by=caller.username)
                .on_conflict_do_update(
                    index_elements=[legal_holds.c.case_id],
                    set_={"reason": reason, "set_by": caller.username, "set_at": func.now()},
                )
            )
            audit.record(conn, caller, "dataprotection.legal_hold_set", row.id, detail={"reason": reason})
            return _hold_json(row.id, conn.execute(select(legal_holds).where(legal_holds.c.case_id == row.id)).first())

    def release_hold(self, caller: Principal, case_id: str) -> dict[str, Any]:
        """Release the case's hold (404 if there is none); the next run may then remove what is due. Audited."""
        with self.engine.begin() as conn:
            row = self._case_for_hold(conn, caller, case_id)
            released = conn.execute(legal_holds.delete().where(legal_holds.c.case_id == row.id)).rowcount
            if not released:
                raise not_found("legal hold on this case")
            audit.record(conn, caller, "dataprotection.legal_hold_released", row.id)
            return _hold_json(row.id, None)

    # -- erasure requests -------------------------------------------------------------------------

    def request_erasure(self, caller: Principal, case_id: uuid.UUID, reason: str) -> dict[str, Any]:
        """Accept (all kinds due now, carried out like retention) or refuse with the reason: a legal
        hold, or a case still open (the union still acts for the member: a lawful basis to keep it)."""
        scope.require_dpo(caller, DPO_ONLY)
        request_id = uuid.uuid4()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(cases.c.id, cases.c.status).where(cases.c.id == case_id).with_for_update()
            ).first()
            if row is None:
                raise not_found("case")
            hold = conn.execute(select(legal_holds).where(legal_holds.c.case_id == case_id)).first()
            refusal: tuple[str, str] | None = None
            if hold is not None:
                refusal = (
                    "legal_hold",
                    f"The case is under a legal hold set by {hold.set_by} on {hold.set_at.date().isoformat()} "
                    f"({hold.reason}): nothing about it may be removed until the hold is released.",
                )
            elif row.status != Status.CLOSED:
                refusal = (
                    "case_open",
                    "The case is still open: the union is still acting for the member, which is a lawful basis "
                    "for keeping their data (UK GDPR art. 17(3)(e), legal claims). Ask again once it is closed.",
                )
            conn.execute(
                erasure_requests.insert().values(
                    id=request_id,
                    case_id=case_id,
                    requested_by=caller.username,
                    reason=reason,
                    decision="refused" if refusal else "accepted",
                    refusal_reason=refusal[1] if refusal else None,
                )
            )
            if refusal is None:
                # Carried out first: removing the case record redacts the audit records written before.
                self.carry_out(conn, case_id, list(DATA_KINDS), "request", str(request_id), caller)
                audit.record(
                    conn, caller, "dataprotection.erasure_requested", case_id, detail={"request_id": str(request_id)}
                )
            else:
                audit.record(
                    conn,
                    caller,
                    "dataprotection.erasure_refused",
                    case_id,
                    detail={"request_id": str(request_id), "refusal": refusal[0]},
                )
        if refusal is not None:  # raised after the commit: the refusal is on record
            raise Refused(refusal[0], refusal[1], request_id=str(request_id))
        return self.progress(caller, str(request_id))

    def progress(self, caller: Principal, request_id: str) -> dict[str, Any]:
        """An erasure request (dpo): its decision and, if accepted, each kind and which holders answered."""
        scope.require_dpo(caller, DPO_ONLY)
        parsed = parse_id(request_id)
        with self.engine.begin() as conn:
            row = (
                conn.execute(select(erasure_requests).where(erasure_requests.c.id == parsed)).first()
                if parsed
                else None
            )
            if row is None:
                raise not_found("erasure request")
            return self._request_json(conn, row)

    def requests(self, caller: Principal, limit: int = 50) -> list[dict[str, Any]]:
        """The latest ``limit`` erasure requests, newest first, with their progress (dpo)."""
        scope.require_dpo(caller, DPO_ONLY)
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(erasure_requests).order_by(erasure_requests.c.created_at.desc()).limit(limit)
            ).all()
            return [self._request_json(conn, r) for r in rows]

    def _request_json(self, conn: Connection, row: Row[Any]) -> dict[str, Any]:
        reference = conn.execute(select(cases.c.reference).where(cases.c.id == row.case_id)).scalar_one()
        kinds = []
        if row.decision == "accepted":
            for e in conn.execute(
                select(data_erasures).where(data_erasures.c.case_id == row.case_id).order_by(data_erasures.c.kind)
            ):
                kinds.append(
                    {
                        "kind": e.kind,
                        "label": DATA_KIND_LABELS[e.kind],
                        "reason": e.reason,
                        "holders": {s: s in e.receipts for s in DATA_KIND_HOLDERS[e.kind]},
                        "done": e.done_at is not None,
                    }
                )
            kinds.sort(key=lambda k: list(DATA_KINDS).index(k["kind"]))
        return {
            "id": str(row.id),
            "case_id": str(row.case_id),
            "reference": reference,
            "requested_by": row.requested_by,
            "reason": row.reason,
            "decision": row.decision,
            "refusal_reason": row.refusal_reason,
            "created_at": row.created_at.isoformat(),
            "kinds": kinds,
            "done": row.decision == "accepted" and bool(kinds) and all(k["done"] for k in kinds),
        }

    # -- rectification ------------------------------------------------------------------------------

    def rectify(self, caller: Principal, membership_number: str, changes: dict[str, str | None]) -> dict[str, Any]:
        """Correct the member's details on every case of theirs; audited, and search is told (CaseChanged)."""
        scope.require_dpo(caller, DPO_ONLY)
        try:  # the same form as everywhere else (subject access, case creation): blanks and case ignored
            number = normalise(membership_number)
        except ValueError as exc:
            raise invalid([{"field": "membership_number", "message": str(exc)}]) from None
        columns = {"name": "member_name", "email": "member_email", "phone": "member_phone"}
        values = {columns[k]: v for k, v in changes.items()}
        with self.engine.begin() as conn:
            rows = (
                conn.execute(
                    select(cases).where(cases.c.membership_number == number).order_by(cases.c.id).with_for_update()
                ).all()
                if number
                else []
            )
            if not rows:
                raise not_found("member")
            refusal: Refused | None = None
            changed: list[str] = []
            held = self._name_held(conn, rows, values)
            if held:
                # Refused as a whole: a request that also corrects the phone changes nothing either,
                # so the DPO sends the contact details again on their own and the outcome is never partial.
                detail = (
                    "The member's name cannot be corrected while "
                    + ("case " if len(held) == 1 else "cases ")
                    + ", ".join(r.reference for r in held)
                    + (" is" if len(held) == 1 else " are")
                    + f" under a legal hold: {holds.NAME_STAYS}, "
                    "and can be corrected once the hold is released. Email and phone can be corrected now."
                )
                refusal = Refused("legal_hold", detail, request="rectification", held_cases=[r.reference for r in held])
                for r in held:  # recorded on each held case, as erasure refusals are: fields, never values
                    audit.record(
                        conn,
                        caller,
                        "dataprotection.rectification_refused",
                        r.id,
                        detail={"refusal": "legal_hold", "fields": sorted(changes)},
                    )
            else:
                changed = self._correct(conn, caller, rows, values, columns)
        if refusal is not None:  # raised after the commit: the refusal is on record
            raise refusal
        return {
            "membership_number": number,
            "cases": [str(r.id) for r in rows],
            "changed": changed,
        }

    @staticmethod
    def _name_held(conn: Connection, rows: list[Row[Any]], values: dict[str, str | None]) -> list[Row[Any]]:
        """The member's cases under a legal hold whose name the request would change (in reference order).

        Only the name: the member's name on a held case is part of what was filed for the tribunal claim,
        so it stays as filed until the hold is released (holds.py; a rep's edit of the case is refused
        alike). Email and phone are how the union reaches the member during the live claim, so they are
        always corrected.
        """
        if "member_name" not in values:
            return []
        renamed = [r for r in rows if r.member_name != values["member_name"]]
        if not renamed:
            return []
        held_ids = holds.held(conn, [r.id for r in renamed])  # the rows are locked (rectify)
        return sorted((r for r in renamed if r.id in held_ids), key=lambda r: r.reference)

    @staticmethod
    def _correct(
        conn: Connection,
        caller: Principal,
        rows: list[Row[Any]],
        values: dict[str, str | None],
        columns: dict[str, str],
    ) -> list[str]:
        """Write the corrections on each case that differs; returns the fields that changed anywhere."""
        changed_fields: set[str] = set()
        for row in rows:
            changed = {c: v for c, v in values.items() if getattr(row, c) != v}
            if not changed:
                continue
            changed_fields |= {k for k, c in columns.items() if c in changed}
            updated_at = func.greatest(cases.c.updated_at + dt.timedelta(microseconds=1), func.clock_timestamp())
            conn.execute(update(cases).where(cases.c.id == row.id).values(**changed, updated_at=updated_at))
            fields = sorted(k for k, c in columns.items() if c in changed)
            after = conn.execute(select(cases).where(cases.c.id == row.id)).one()
            reps = [
                r.username
                for r in conn.execute(
                    select(case_reps.c.username)
                    .where(case_reps.c.case_id == row.id, case_reps.c.kind == "assigned")
                    .order_by(case_reps.c.assigned_at)
                )
            ]
            ref = case_ref(after, reps)
            said = "The member's " + ", ".join(fields) + " corrected at their request (data protection)."
            record_change(
                conn,
                caller,
                "dataprotection.rectified",
                case=ref,
                entries=[Entry("case_update", said, "member")],
                detail={"fields": fields},
                event=events_pb2.CaseChanged(case=ref, kind="updated", actor=caller.username, facts=case_facts(after)),
            )
        # Not enquiries.member: it holds the member's username (enquiries.py), not their name.
        return sorted(changed_fields)


def _hold_json(case_id: uuid.UUID, row: Row[Any] | None) -> dict[str, Any]:
    if row is None:
        return {"case_id": str(case_id), "held": False, "reason": None, "set_by": None, "set_at": None}
    return {
        "case_id": str(case_id),
        "held": True,
        "reason": row.reason,
        "set_by": row.set_by,
        "set_at": row.set_at.isoformat(),
    }
