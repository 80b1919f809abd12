"""Deadline reminders: notify's copy of each deadline (from workflow's DeadlineChanged events) and
the loop that reminds people as the due dates come closer.

Each reminder is sent once per (deadline, due date, lead, recipient): the row in
``reminders_sent`` is written in the same transaction as the reminder's inbox item and email
delivery record, so restarts, several replicas and redelivered events never send one twice.
Only the nearest lead reached is sent (see :mod:`casework_notify.reminder_leads`), and nothing
once a deadline is met or withdrawn.

Who is reminded: the case's assigned reps; inside the last week (and once overdue) also the
branch's coordinators and the officials named on the event; the member only for dates they can
see (VISIBILITY_MEMBER), in their own words. Messages carry the case reference, the kind, the
deadline's label, the date, the days left and a link: never evidence or what people wrote.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert

from casework.v1 import events_pb2
from casework_common import metrics
from casework_common.events import EnvelopeError, Event
from casework_common.runtime import periodic
from casework_common.typed_dates import days_left_text, long_date
from casework_common.vocabulary import DEADLINE_KIND_LABELS, DEADLINE_KIND_NAMES, DEADLINE_STATE_NAMES, VISIBILITY_NAMES
from casework_notify import erasure
from casework_notify.delivery import Deliverer
from casework_notify.reminder_leads import (
    DEFAULT_LEADS,
    days_left,
    inside_last_week,
    lead_reached,
    london_today,
    urgent,
)
from casework_notify.rules import Notification, RuleContext
from casework_notify.tables import deadlines, deliveries, reminders_sent

log = logging.getLogger(__name__)
# Clears the mark that a deadline's current lead needs nothing more (see ReminderLoop.run_once).
UNHANDLED = {"handled_due_on": None, "handled_lead": None, "handled_on": None}
_metrics = metrics.Metrics("notify")
PASSES = _metrics.counter("reminder_passes_total", "Passes of the deadline reminder loop, by outcome.", ("outcome",))
CASE_LOOKUPS = _metrics.counter(
    "reminder_case_lookups_total",
    "Deadlines whose case the reminder loop looked up on workflow, by the case's status (open: reminded).",
    ("status",),
)
KIND = "deadline_reminder"
# A reminder email still pending this long after it was claimed failed to go; it is sent again.
RETRY_PENDING_AFTER_S = 120.0


@dataclass(frozen=True)
class Deadline:
    """Notify's copy of one deadline (a row of ``deadlines``)."""

    deadline_id: str
    case_id: str
    reference: str
    branch: str
    membership_number: str
    reps: tuple[str, ...]
    officials: tuple[str, ...]
    kind: str
    label: str
    due_on: dt.date
    state: str
    visibility: str
    indicative: bool
    # The last lead fully handled, and what it was handled against (see ReminderLoop.run_once).
    handled_due_on: dt.date | None = None
    handled_lead: str | None = None
    handled_on: dt.date | None = None  # the day it was marked: a mark holds for that day only
    version: int = 0
    case_changes: int = 0


def deadline_values(changed: events_pb2.DeadlineChanged, event_id: str) -> dict[str, object]:
    """The ``deadlines`` row an event describes; EnvelopeError (dead-lettered at once) when it
    cannot be one: no id, a due date that is not an ISO date, or no state."""
    state = DEADLINE_STATE_NAMES.get(changed.state)
    if not changed.deadline_id or not changed.case.case_id or state is None:
        raise EnvelopeError("DeadlineChanged without a deadline id, case or state")
    try:
        due_on = dt.date.fromisoformat(changed.due_on)
    except ValueError:
        raise EnvelopeError(f"DeadlineChanged with due_on {changed.due_on!r}, not an ISO date") from None
    case = changed.case
    return {
        "deadline_id": changed.deadline_id,
        "case_id": case.case_id,
        "reference": case.reference,
        "branch": case.branch,
        "region": case.region,
        "membership_number": case.membership_number,
        "reps": list(case.reps),
        "officials": list(changed.officials),
        "kind": DEADLINE_KIND_NAMES.get(changed.kind, "other"),
        "label": changed.label,
        "due_on": due_on,
        "state": state,
        # Anything but an explicit VISIBILITY_MEMBER stays with the reps: the member is never
        # reminded of a date nobody said they may see.
        "visibility": VISIBILITY_NAMES.get(changed.visibility, "reps"),
        "indicative": changed.indicative,
        "version": changed.version,
        "event_id": event_id,
    }


def recorder(engine: Engine) -> Callable[[events_pb2.DeadlineChanged, Event], None]:
    """The consumer's handler for DeadlineChanged: keeps the highest version of each deadline, so
    a redelivered or late (older) event changes nothing."""

    def record(changed: events_pb2.DeadlineChanged, event: Event) -> None:
        values = deadline_values(changed, event.event_id)
        statement = insert(deadlines).values(**values)
        changes = {name: statement.excluded[name] for name in values if name != "deadline_id"}
        statement = statement.on_conflict_do_update(
            index_elements=[deadlines.c.deadline_id],
            # A changed deadline (visibility, state, date) is looked at again at its current lead.
            set_={**changes, "updated_at": func.now(), **UNHANDLED},
            where=deadlines.c.version < statement.excluded.version,
        )
        with engine.begin() as conn:
            # A late or redelivered event never brings back an erased case's deadline.
            if erasure.refused(conn, changed.case.case_id):
                return
            conn.execute(statement)

    return record


def case_watcher(engine: Engine) -> Callable[[events_pb2.CaseChanged, Event], None]:
    """The consumer's handler for CaseChanged (beside the notification rules): any change to a
    case (reps assigned or taken off, closed or reopened) makes the reminder loop look at its
    deadlines' current lead again, so a new rep or a reopened case is not left out."""

    def watch(changed: events_pb2.CaseChanged, event: Event) -> None:
        if not changed.case.case_id:
            return
        with engine.begin() as conn:
            conn.execute(
                update(deadlines)
                .where(deadlines.c.case_id == changed.case.case_id)
                .values(case_changes=deadlines.c.case_changes + 1, **UNHANDLED)
            )

    return watch


def one_line(text: str) -> str:
    """``text`` as one line: line breaks, tabs and other control or separator characters become
    single spaces. A label is typed by people, and an email subject with a line break in it is
    refused (it could also add headers)."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    return re.sub(r"\s+", " ", cleaned).strip()


def _what(deadline: Deadline) -> str:
    """The kind and the label, on one line, without saying the kind twice ("Tribunal claim: unfair dismissal")."""
    kind = DEADLINE_KIND_LABELS.get(deadline.kind, DEADLINE_KIND_LABELS["other"])
    label = one_line(deadline.label)
    if not label or label.lower().startswith(kind.lower()):
        return label or kind
    return f"{kind} ({label})"


def staff_reminder(deadline: Deadline, left: int, recipient: str, link: str) -> Notification:
    """A reminder for a rep, coordinator or official."""
    what, due = _what(deadline), long_date(deadline.due_on)
    if left < 0:
        message = (
            f"{what} on case {deadline.reference} was due on {due} ({days_left_text(left)}) and is not marked as met. "
            f"If it was met, record that on the case."
        )
    else:
        message = f"{what} on case {deadline.reference} is due on {due} ({days_left_text(left)})."
    if deadline.indicative:
        message += " The date is indicative: confirm with the regional office before relying on it."
    title = f"{what}, case {deadline.reference}: {days_left_text(left)}"
    return Notification(KIND, recipient, title, message, link, deadline.case_id, urgent=urgent(left))


def member_reminder(deadline: Deadline, left: int, recipient: str, link: str) -> Notification:
    """A reminder for the member: the same facts, in plain words, without legal alarm."""
    what, due = _what(deadline), long_date(deadline.due_on)
    if left < 0:
        title = f"A date on your case {deadline.reference} has passed"
        message = (
            f"The date for {what} on your case {deadline.reference} was {due}. "
            f"If you have not heard from your rep about it, please contact them."
        )
    else:
        title = f"A date on your case {deadline.reference}: {due}"
        message = (
            f"{what} on your case {deadline.reference} is due on {due} ({days_left_text(left)}). "
            f"Your rep is dealing with it; contact them if you have any questions."
        )
    if deadline.indicative:
        message += " The date was worked out from the facts recorded so far and may change; your rep can tell you more."
    return Notification(KIND, recipient, title, message, link, deadline.case_id, to_member=True, urgent=urgent(left))


def recipients(
    deadline: Deadline, left: int, ctx: RuleContext, reps: Sequence[str] | None = None
) -> list[tuple[str, bool]]:
    """Who is reminded, as (username, is the member), staff first, each once. ``reps``: the case's
    assigned reps now (workflow's answer); the ones the last event named when not given."""
    staff = set(deadline.reps if reps is None else reps)
    if inside_last_week(left):
        staff |= set(ctx.people("coordinator", branch=deadline.branch)) | set(deadline.officials)
    staff.discard("")
    people = [(person, False) for person in sorted(staff)]
    if deadline.visibility == "member" and deadline.membership_number:
        member = ctx.directory.member(deadline.membership_number)
        if member is not None and member.username not in staff:
            people.append((member.username, True))
    return people


class ReminderLoop:
    """Finds the reminders due today and delivers each once (see the module's docstring)."""

    def __init__(
        self,
        engine: Engine,
        deliverer: Deliverer,
        context: RuleContext,
        *,
        leads: tuple[int, ...] = DEFAULT_LEADS,
        today: dt.date | None = None,
        interval_s: float = 300.0,
    ) -> None:
        self.engine = engine
        self.deliverer = deliverer
        self.context = context
        self.leads = leads
        self.fixed_today = today  # a drill's or test's date; None: the real date in Europe/London
        self.interval_s = interval_s

    def open_deadlines(self, today: dt.date) -> list[Deadline]:
        """The open deadlines that have reached a lead by ``today`` (the others cannot be due a reminder)."""
        horizon = today + dt.timedelta(days=max(self.leads))
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(deadlines)
                .where(deadlines.c.state == "open", deadlines.c.due_on <= horizon)
                .order_by(deadlines.c.due_on)
            )
            return [
                Deadline(
                    deadline_id=row.deadline_id,
                    case_id=row.case_id,
                    reference=row.reference,
                    branch=row.branch,
                    membership_number=row.membership_number,
                    reps=tuple(row.reps),
                    officials=tuple(row.officials),
                    kind=row.kind,
                    label=row.label,
                    due_on=row.due_on,
                    state=row.state,
                    visibility=row.visibility,
                    indicative=row.indicative,
                    handled_due_on=row.handled_due_on,
                    handled_lead=row.handled_lead,
                    handled_on=row.handled_on,
                    version=row.version,
                    case_changes=row.case_changes,
                )
                for row in rows
            ]

    def run_once(self) -> int:
        """One pass over the open deadlines; returns how many reminders were delivered. A deadline
        that fails (the directory down...) is logged and tried again on the next pass.

        A deadline whose current lead is marked handled is skipped before any call to workflow or
        the directory: otherwise every pass would cost calls for every deadline past a lead,
        an overdue one for ever. A mark holds for the day it was made: the next day the lead is
        looked at once more, so someone the directory gained meanwhile (a new coordinator, a
        member who has just made an account) is not left out for good."""
        today = london_today(self.fixed_today)
        sent = 0
        for deadline in self.open_deadlines(today):
            lead = lead_reached(deadline.due_on, today, self.leads)
            handled = (deadline.handled_due_on, deadline.handled_lead, deadline.handled_on)
            if lead is None or handled == (deadline.due_on, lead, today):
                continue
            try:
                sent += self._remind(deadline, lead, today)
            except Exception:
                log.exception("reminders for deadline %s failed; trying again next pass", deadline.deadline_id)
        return sent

    def _remind(self, deadline: Deadline, lead: str, today: dt.date) -> int:
        left = days_left(deadline.due_on, today)
        event_id = f"reminder.{deadline.deadline_id}.{deadline.due_on.isoformat()}.{lead}"
        link = self.context.case_link(deadline.case_id)
        # The reps on the case now: a rep taken off the case since the deadline's last event must not
        # be reminded (nor miss the one who replaced them).
        case = self.context.workflow.get_case(self.context.tokens.token(), deadline.case_id)
        CASE_LOOKUPS.labels("open" if case.status == "open" else "not_open").inc()
        if case.status != "open":
            # A closed case's deadlines are not marked met or withdrawn one by one; nobody is
            # reminded of them while it stays closed.
            log.info("case %s is %s: no reminder of deadline %s", deadline.case_id, case.status, deadline.deadline_id)
            self._mark_handled(deadline, lead, event_id, today, emails_done=False)  # a reopening is a CaseChanged
            return 0
        sent = 0
        for person, is_member in recipients(deadline, left, self.context, tuple(case.reps)):
            compose = member_reminder if is_member else staff_reminder
            notification = compose(deadline, left, person, link)
            if self.deliverer.deliver(event_id, notification, claim=self._claim(deadline, lead, person, event_id)):
                sent += 1
                log.info("reminded %s of deadline %s (lead %s)", person, deadline.deadline_id, lead)
            else:
                self.deliverer.retry_email(event_id, notification, RETRY_PENDING_AFTER_S)
        self._mark_handled(deadline, lead, event_id, today, emails_done=True)
        return sent

    def _mark_handled(self, deadline: Deadline, lead: str, event_id: str, today: dt.date, *, emails_done: bool) -> None:
        """Record that this lead needs nothing more, unless the deadline or its case changed since
        the pass read it (a rep assigned meanwhile must still be reminded) or, with
        ``emails_done``, one of its emails is still pending (it is retried on a later pass)."""
        conditions = [
            deadlines.c.deadline_id == deadline.deadline_id,
            deadlines.c.due_on == deadline.due_on,
            deadlines.c.version == deadline.version,
            deadlines.c.case_changes == deadline.case_changes,
        ]
        if emails_done:
            pending = exists().where(
                deliveries.c.event_id == event_id,
                deliveries.c.channel == "email",
                deliveries.c.status == "pending",
            )
            conditions.append(~pending)
        with self.engine.begin() as conn:
            conn.execute(
                update(deadlines)
                .where(*conditions)
                .values(handled_due_on=deadline.due_on, handled_lead=lead, handled_on=today)
            )

    def _claim(self, deadline: Deadline, lead: str, recipient: str, event_id: str) -> Callable[[Connection], bool]:
        # Still open in this transaction: a "met" that arrived since the pass began stops the reminder.
        def claim(conn: Connection) -> bool:
            still_open = conn.execute(
                select(deadlines.c.deadline_id)
                .where(
                    deadlines.c.deadline_id == deadline.deadline_id,
                    deadlines.c.state == "open",
                    deadlines.c.due_on == deadline.due_on,
                )
                .with_for_update()  # an event changing the deadline waits until this reminder is recorded
            ).first()
            if still_open is None:
                return False
            inserted = conn.execute(
                insert(reminders_sent)
                .values(
                    deadline_id=deadline.deadline_id,
                    due_on=deadline.due_on,
                    lead=lead,
                    recipient=recipient,
                    event_id=event_id,
                )
                .on_conflict_do_nothing(constraint="reminders_sent_once")
                .returning(reminders_sent.c.lead)
            ).first()
            return inserted is not None

        return claim

    def loop(self, stop: threading.Event) -> None:
        """Run a pass at start and then every ``interval_s`` seconds until ``stop`` is set; a failed
        pass is logged and counted in PASSES, and the next one tried."""
        periodic("deadline reminder", self._logged_pass, self.interval_s, PASSES)(stop)

    def _logged_pass(self) -> None:
        sent = self.run_once()
        if sent:
            log.info("sent %d deadline reminders", sent)
