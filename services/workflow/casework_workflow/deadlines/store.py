"""Persistence of a case's deadlines (the ``deadlines`` table) and their announcements.

Every change to a deadline is, in the caller's transaction: the row, a ``DeadlineChanged`` event
in the outbox (notify's reminders and the calendar feeds follow it), a timeline entry (reps-only
unless the deadline is member-visible) and an audit record. Nothing is written when nothing
changed, so recomputing the same facts twice is silent.

A deadline is identified on its case by ``source``: ``rule:<key>`` (computed from the case's
deadline facts), ``request:<information request id>`` or ``manual:<uuid>`` (entered by hand).
Callers check authorisation (``scope.may`` with ``CASE_ACTION_EDIT_DEADLINES``) before calling.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Connection, Row, and_, func, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import insert

from casework.v1 import events_pb2
from casework_common import typed_dates
from casework_common.auth import Principal
from casework_common.problems import not_found
from casework_common.typed_dates import long_date
from casework_common.vocabulary import DEADLINE_KINDS, DEADLINE_STATES, VISIBILITIES
from casework_workflow import audit, scope, timeline
from casework_workflow.outbound import case_ref, emit
from casework_workflow.tables import case_reps, cases, deadlines

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# A deadline's ``source`` says where it comes from; it is unique per case.
RULE_PREFIX = "rule:"  # + rule key: computed from the case's deadline facts
REQUEST_PREFIX = "request:"  # + information request id
MANUAL_PREFIX = "manual:"  # + a uuid: entered by hand
NOTICE = "Indicative only: confirm with the regional office before relying on it."
# The reason recorded when a recompute finds a rule deadline no longer follows from the facts; a
# later recompute that finds it again reopens only deadlines withdrawn this way, never a rep's.
NO_LONGER_APPLIES = "No longer follows from the case's deadline facts."
# Fields that only say how a deadline was computed (its steps, the rule and rule-set version).
_EXPLANATION = frozenset({"computation", "rule"})
_STATE_VERBS = {"met": "met", "withdrawn": "withdrawn", "open": "reopened"}

# How long regional staff keep access after a referral or support request ends; __main__ sets the
# service's own rules (use_rules) so DeadlineChanged.officials follows the same scope as reads.
_rules = scope.Rules(dt.timedelta(days=30))


def use_rules(rules: scope.Rules) -> None:
    """Use the service's scope rules (its configured ``after_end``) for ``officials`` in events."""
    global _rules
    _rules = rules


def today() -> dt.date:
    """Today in Europe/London, the day deadlines are counted from."""
    return typed_dates.london_today()


def microseconds(at: dt.datetime) -> int:
    """A timestamp as whole microseconds since the epoch (exact, unlike float seconds): the version."""
    return (at - EPOCH) // dt.timedelta(microseconds=1)


def _case(case_row: Any) -> Any:
    """The ``cases`` row, whether given the row itself or a CaseView (which carries it as ``row``)."""
    return getattr(case_row, "row", case_row)


def _case_ref(conn: Connection, row: Any) -> events_pb2.CaseRef:
    reps = list(
        conn.execute(
            select(case_reps.c.username)
            .where(case_reps.c.case_id == row.id, case_reps.c.kind == "assigned")
            .order_by(case_reps.c.assigned_at)
        ).scalars()
    )
    return case_ref(row, reps)


def _announce(
    conn: Connection,
    case_row: Any,
    deadline: Row[Any],
    *,
    actor: Principal,
    body: str,
    action: str,
    detail: dict[str, Any],
) -> None:
    """The event, timeline entry and audit record of one change to ``deadline`` (its new state)."""
    ref = _case_ref(conn, case_row)
    officials = sorted(set(conn.execute(_rules.regional_staff_named(case_row.id)).scalars()))
    emit(
        conn,
        str(case_row.id),
        events_pb2.DeadlineChanged(
            case=ref,
            deadline_id=str(deadline.id),
            kind=DEADLINE_KINDS[deadline.kind],
            label=deadline.label,
            due_on=deadline.due_on.isoformat(),
            state=DEADLINE_STATES[deadline.state],
            visibility=VISIBILITIES[deadline.visibility],
            indicative=deadline.indicative,
            version=microseconds(deadline.updated_at),
            officials=officials,
        ),
    )
    timeline.add(
        conn,
        ref,
        author=actor.username,
        author_role=actor.primary_role,
        kind="deadline",
        body=body,
        visibility=deadline.visibility,
        data={
            "deadline_id": str(deadline.id),
            "source": deadline.source,
            "due_on": deadline.due_on.isoformat(),
            "state": deadline.state,
        },
    )
    audit.record(conn, actor, action, case_row.id, f"deadline:{deadline.id}", detail)


def _next_version() -> Any:
    """A new updated_at, strictly later than the row's (it is the event's version)."""
    return func.greatest(deadlines.c.updated_at + dt.timedelta(microseconds=1), func.clock_timestamp())


def _locked(conn: Connection, case_id: uuid.UUID, source: str) -> Row[Any] | None:
    return conn.execute(
        select(deadlines).where(deadlines.c.case_id == case_id, deadlines.c.source == source).with_for_update()
    ).first()


def _due_phrase(row: Row[Any]) -> str:
    return f"{row.label}, due {long_date(row.due_on)}" + (" (indicative)" if row.indicative else "")


def put_deadline(
    conn: Connection,
    case_row: Any,
    *,
    source: str,
    kind: str,
    label: str,
    due_on: dt.date,
    visibility: str,
    indicative: bool,
    computation: list[str],
    rule: dict[str, Any] | None,
    actor: Principal,
) -> uuid.UUID:
    """Insert or update the case's deadline ``source``; return its id.

    A deadline a recompute had withdrawn (``NO_LONGER_APPLIES``) is open again; one a person marked
    met or withdrew keeps that state. When anything changed: the DeadlineChanged event, a timeline
    entry and an audit record, in the caller's transaction. ``case_row``: the ``cases`` row (or a
    CaseView)."""
    if kind not in DEADLINE_KINDS:
        raise ValueError(f"unknown deadline kind {kind!r}")
    if visibility not in VISIBILITIES:
        raise ValueError(f"unknown visibility {visibility!r}")
    row_case = _case(case_row)
    values = {
        "kind": kind,
        "label": label,
        "due_on": due_on,
        "visibility": visibility,
        "indicative": indicative,
        "computation": list(computation),
        "rule": rule,
    }
    created = conn.execute(
        insert(deadlines)
        .values(id=uuid.uuid4(), case_id=row_case.id, source=source, state="open", **values)
        .on_conflict_do_nothing(constraint="deadlines_case_source")
        .returning(deadlines)
    ).first()
    if created is not None:
        _announce(
            conn,
            row_case,
            created,
            actor=actor,
            body=f"Deadline added: {_due_phrase(created)}.",
            action="deadline.create",
            detail={"source": source, "kind": kind, "due_on": due_on.isoformat(), "visibility": visibility},
        )
        return created.id
    existing = _locked(conn, row_case.id, source)
    assert existing is not None  # the insert found it
    changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
    reopen = existing.state == "withdrawn" and existing.state_reason == NO_LONGER_APPLIES
    if reopen:
        changed.update(state="open", state_changed_by=actor.username, state_reason="")
    if not changed:
        return existing.id
    if not reopen and changed.keys() <= _EXPLANATION:
        # Same date, label and state, only computed with another rule-set version: nothing anyone is
        # told or reminded of changed, so no event and no timeline entry (a rule-set upload recomputes
        # every case); the audit log still records it.
        conn.execute(update(deadlines).where(deadlines.c.id == existing.id).values(**changed))
        audit.record(conn, actor, "deadline.explained", row_case.id, f"deadline:{existing.id}", {"source": source})
        return existing.id
    updated = conn.execute(
        update(deadlines)
        .where(deadlines.c.id == existing.id)
        .values(**changed, updated_at=_next_version())
        .returning(deadlines)
    ).one()
    what = "Deadline applies again" if reopen else "Deadline changed"
    shown = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in changed.items() if k != "computation"}
    _announce(
        conn,
        row_case,
        updated,
        actor=actor,
        body=f"{what}: {_due_phrase(updated)}"
        + (f" (was {long_date(existing.due_on)})." if "due_on" in changed else "."),
        action="deadline.update",
        detail={"source": source, "changed": shown},
    )
    return updated.id


def set_deadline_state(
    conn: Connection, case_row: Any, *, source: str, state: str, reason: str, actor: Principal
) -> None:
    """Mark the case's deadline ``source`` met, withdrawn or open again (404 problem if it has none);
    when the state changes: the DeadlineChanged event, a timeline entry and an audit record."""
    if state not in DEADLINE_STATES:
        raise ValueError(f"unknown deadline state {state!r}")
    row_case = _case(case_row)
    existing = _locked(conn, row_case.id, source)
    if existing is None:
        raise not_found("deadline")
    if existing.state == state:
        return
    updated = conn.execute(
        update(deadlines)
        .where(deadlines.c.id == existing.id)
        .values(state=state, state_changed_by=actor.username, state_reason=reason, updated_at=_next_version())
        .returning(deadlines)
    ).one()
    body = f"Deadline {_STATE_VERBS[state]}: {_due_phrase(updated)}."
    if reason:
        body += f" {reason}" if reason.endswith((".", "!", "?")) else f" {reason}."
    _announce(
        conn,
        row_case,
        updated,
        actor=actor,
        body=body,
        action=f"deadline.{_STATE_VERBS[state]}",
        detail={"source": source, "from": existing.state, "to": state, "reason": reason},
    )


def set_visibility(conn: Connection, case_row: Any, deadline: Row[Any], visibility: str, actor: Principal) -> Row[Any]:
    """Show a deadline to the member too, or to the reps only; returns the row as it now is."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"unknown visibility {visibility!r}")
    if deadline.visibility == visibility:
        return deadline
    row_case = _case(case_row)
    updated = conn.execute(
        update(deadlines)
        .where(deadlines.c.id == deadline.id)
        .values(visibility=visibility, updated_at=_next_version())
        .returning(deadlines)
    ).one()
    shown = "shown to the member" if visibility == "member" else "now visible to the reps only"
    _announce(
        conn,
        row_case,
        updated,
        actor=actor,
        body=f"Deadline {shown}: {_due_phrase(updated)}.",
        action="deadline.visibility",
        detail={"source": deadline.source, "from": deadline.visibility, "to": visibility},
    )
    return updated


# -- reading ----------------------------------------------------------------------------------


def _most_urgent_first() -> tuple[Any, ...]:
    """Open deadlines by due date, then the met and withdrawn ones by due date."""
    return (sql_case((deadlines.c.state == "open", 0), else_=1), deadlines.c.due_on, deadlines.c.label)


def for_case(conn: Connection, case_id: uuid.UUID, *, member_view: bool) -> list[Row[Any]]:
    """A case's deadlines, most urgent first; a member's view holds the member-visible ones only."""
    query = select(deadlines).where(deadlines.c.case_id == case_id)
    if member_view:
        query = query.where(deadlines.c.visibility == "member")
    return list(conn.execute(query.order_by(*_most_urgent_first())))


def get(conn: Connection, case_id: uuid.UUID, deadline_id: uuid.UUID, *, lock: bool = False) -> Row[Any] | None:
    """One deadline of the case (None if the case has none with that id)."""
    query = select(deadlines).where(deadlines.c.case_id == case_id, deadlines.c.id == deadline_id)
    return conn.execute(query.with_for_update() if lock else query).first()


def rule_deadlines(conn: Connection, case_id: uuid.UUID) -> dict[str, Row[Any]]:
    """The case's deadlines computed from its facts (``rule:*``), by source, locked for a recompute."""
    rows = conn.execute(
        select(deadlines)
        .where(deadlines.c.case_id == case_id, deadlines.c.source.startswith(RULE_PREFIX, autoescape=True))
        .with_for_update()
    )
    return {row.source: row for row in rows}


def due_within(
    conn: Connection, rules: scope.Rules, caller: Principal, days: int, on: dt.date, limit: int = 500
) -> list[Row[Any]]:
    """Open deadlines due by ``on`` + ``days`` (overdue ones too) on every case ``caller`` has full access
    to, most urgent first, each with its case's ``case_reference``."""
    query = (
        select(deadlines, cases.c.reference.label("case_reference"))
        .join(cases, cases.c.id == deadlines.c.case_id)
        .where(
            and_(
                deadlines.c.state == "open",
                deadlines.c.due_on <= on + dt.timedelta(days=days),
                rules.full_access(caller),
            )
        )
        .order_by(deadlines.c.due_on, cases.c.reference, deadlines.c.label)
        .limit(limit)
    )
    return list(conn.execute(query))


def to_json(row: Row[Any], on: dt.date, *, full: bool = True) -> dict[str, Any]:
    """A deadline as the API shows it; ``full``: the staff's view (who changed its state and why)."""
    rule = row.rule or {}
    source = (
        {"title": rule["title"], "citation": rule.get("citation", ""), "url": rule.get("url", "")}
        if rule.get("title")
        else None
    )
    body: dict[str, Any] = {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "origin": row.source,
        "kind": row.kind,
        "label": row.label,
        "due_on": row.due_on.isoformat(),
        "days_left": (row.due_on - on).days,
        "state": row.state,
        "visibility": row.visibility,
        "indicative": row.indicative,
        "computation": list(row.computation or []),
        "source": source,
        "rule_set": rule.get("rule_set", ""),
        "notice": NOTICE if row.indicative else None,
        "updated_at": row.updated_at.isoformat(),
    }
    if full:
        body.update(state_changed_by=row.state_changed_by, state_reason=row.state_reason)
    if "case_reference" in row._fields:
        body["case_reference"] = row.case_reference
    return body
