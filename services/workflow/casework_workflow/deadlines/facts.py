"""A case's deadline facts (the ``deadline_facts`` row) and the reconciliation of its rule deadlines.

Recording the facts recomputes the case's ``rule:*`` deadlines with the rule set in force: a
deadline computed for the first time is added (open), one whose date, label or working changed is
updated, and one that no longer follows from the facts is withdrawn. A deadline a person marked met
is never touched, and one a person withdrew keeps that state (store.put_deadline).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.dialects.postgresql import insert

from casework_common.auth import Principal
from casework_common.typed_dates import long_date
from casework_workflow.changes import Entry, record_change
from casework_workflow.deadlines import store
from casework_workflow.deadlines.model import ComputedDeadline, DeadlineFacts
from casework_workflow.tables import deadline_facts

FIELDS = (
    "jurisdiction",
    "termination_date",
    "act_date",
    "claim_types",
    "acas_day_a",
    "acas_day_b",
    "outcome_letter_date",
    "appeal_window_days",
    "appeal_window_working",
)


def load(conn: Connection, case_id: uuid.UUID) -> Row[Any] | None:
    """The case's recorded facts row, if any."""
    return conn.execute(select(deadline_facts).where(deadline_facts.c.case_id == case_id)).first()


def from_row(row: Row[Any]) -> DeadlineFacts:
    """The engine's DeadlineFacts from a stored row."""
    return DeadlineFacts(
        jurisdiction=row.jurisdiction,
        termination_date=row.termination_date,
        act_date=row.act_date,
        claim_types=tuple(row.claim_types or ()),
        acas_day_a=row.acas_day_a,
        acas_day_b=row.acas_day_b,
        outcome_letter_date=row.outcome_letter_date,
        appeal_window_days=row.appeal_window_days,
        appeal_window_working=row.appeal_window_working,
    )


def to_json(case_id: uuid.UUID, row: Row[Any] | None) -> dict[str, Any]:
    """The facts as the API shows them (``recorded`` false and nulls before any were recorded)."""
    body: dict[str, Any] = {"case_id": str(case_id), "recorded": row is not None}
    for name in FIELDS:
        value = getattr(row, name) if row is not None else None
        body[name] = value.isoformat() if isinstance(value, dt.date) else value
    if row is None:
        body.update(claim_types=[], appeal_window_working=False)
    body["updated_by"] = row.updated_by if row is not None else None
    body["updated_at"] = row.updated_at.isoformat() if row is not None else None
    return body


def save(conn: Connection, case_ref: Any, facts: DeadlineFacts, actor: Principal) -> tuple[Row[Any], bool]:
    """Record the case's facts (replacing any before); whether they changed. A change is a reps-only
    timeline entry and an audit record with the values."""
    values = {
        "jurisdiction": facts.jurisdiction,
        "termination_date": facts.termination_date,
        "act_date": facts.act_date,
        "claim_types": list(facts.claim_types),
        "acas_day_a": facts.acas_day_a,
        "acas_day_b": facts.acas_day_b,
        "outcome_letter_date": facts.outcome_letter_date,
        "appeal_window_days": facts.appeal_window_days,
        "appeal_window_working": facts.appeal_window_working,
    }
    case_id = uuid.UUID(case_ref.case_id)
    before = conn.execute(select(deadline_facts).where(deadline_facts.c.case_id == case_id).with_for_update()).first()
    if before is not None and all(getattr(before, k) == v for k, v in values.items()):
        return before, False
    row = conn.execute(
        insert(deadline_facts)
        .values(case_id=case_id, updated_by=actor.username, **values)
        .on_conflict_do_update(
            index_elements=[deadline_facts.c.case_id],
            set_={**values, "updated_by": actor.username, "updated_at": dt.datetime.now(dt.UTC)},
        )
        .returning(deadline_facts)
    ).one()
    shown = to_json(case_id, row)
    recorded = {k: shown[k] for k in FIELDS}
    said = "Deadline facts recorded: " + _describe(facts) + "."
    record_change(
        conn,
        actor,
        "deadline_facts.update",
        case=case_ref,
        entries=[Entry("deadline_facts", said, "reps", data=recorded)],
        detail=recorded,
    )
    return row, True


def mark_computed(conn: Connection, case_id: uuid.UUID, version: str) -> None:
    """Note the rule set version the case's rule deadlines were just computed (or tried) with."""
    conn.execute(update(deadline_facts).where(deadline_facts.c.case_id == case_id).values(computed_with=version))


def _describe(facts: DeadlineFacts) -> str:
    parts = [facts.jurisdiction.replace("_", " ")]
    for label, value in (
        ("termination", facts.termination_date),
        ("act", facts.act_date),
        ("ACAS Day A", facts.acas_day_a),
        ("ACAS Day B", facts.acas_day_b),
        ("outcome letter", facts.outcome_letter_date),
    ):
        if value is not None:
            parts.append(f"{label} {long_date(value)}")
    if facts.claim_types:
        parts.append("claims: " + ", ".join(c.replace("_", " ") for c in facts.claim_types))
    return "; ".join(parts)


def rule_of(deadline: ComputedDeadline) -> dict[str, Any]:
    """What the ``rule`` column keeps of a computed deadline: rule set, key and source."""
    rule: dict[str, Any] = {"rule_set": deadline.rule_set, "key": deadline.key}
    if deadline.source is not None:
        rule.update(title=deadline.source.title, citation=deadline.source.citation, url=deadline.source.url)
    return rule


def reconcile(conn: Connection, case_row: Any, computed: list[ComputedDeadline], actor: Principal) -> dict[str, int]:
    """Bring the case's ``rule:*`` deadlines in line with ``computed``; counts of what was done."""
    existing = store.rule_deadlines(conn, case_row.id)
    wanted = {store.RULE_PREFIX + deadline.key: deadline for deadline in computed}
    for source, deadline in wanted.items():
        before = existing.get(source)
        if before is not None and before.state == "met":
            continue  # done: a recompute never reopens or moves it
        store.put_deadline(
            conn,
            case_row,
            source=source,
            kind=deadline.kind,
            label=deadline.label,
            due_on=deadline.due_on,
            # A person's choice of who sees it outlives recomputes; the rule's default is for new ones.
            visibility=before.visibility if before is not None else deadline.visibility,
            indicative=deadline.indicative,
            computation=list(deadline.steps),
            rule=rule_of(deadline),
            actor=actor,
        )
    withdrawn = 0
    for source, before in existing.items():
        if source not in wanted and before.state == "open":
            store.set_deadline_state(
                conn, case_row, source=source, state="withdrawn", reason=store.NO_LONGER_APPLIES, actor=actor
            )
            withdrawn += 1
    after = store.rule_deadlines(conn, case_row.id)
    return {
        "added": len(wanted.keys() - existing.keys()),
        "updated": sum(1 for s in wanted.keys() & existing.keys() if after[s].updated_at != existing[s].updated_at),
        "withdrawn": withdrawn,
    }
