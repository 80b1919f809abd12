"""What the deadline endpoints do: who may, in which transaction, with which audit record.

Reading a case's deadlines follows the case's visibility (members: member-visible deadlines only;
outsiders: 404). Recording facts and entering or closing deadlines is ``CASE_ACTION_EDIT_DEADLINES``
(union staff with full access). The rule set in force is read in each request (versions.in_force),
so an administrator's upload applies from the next computation without a restart.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine

from casework.v1 import workflow_pb2
from casework_common.auth import Principal
from casework_common.problems import Problem, forbidden, invalid, not_found
from casework_common.vocabulary import STAFF_ROLES
from casework_workflow import audit, scope
from casework_workflow.cases import Cases, CaseView, parse_id
from casework_workflow.deadlines import facts as case_facts
from casework_workflow.deadlines import store, versions
from casework_workflow.deadlines.compute import compute
from casework_workflow.deadlines.model import DeadlineFacts
from casework_workflow.deadlines.ruleset import RuleSet, RuleSetError, parse_rule_set
from casework_workflow.schemas import DeadlineChange, DeadlineFactsIn, NewDeadline


def rule_set_json(current: versions.InForce) -> dict[str, Any]:
    """The rule set in force as ``GET /v1/deadline-rules`` shows it."""
    rules = current.rules
    return {
        **current.about(),
        "claim_types": [
            {"key": key, "label": c.label, "runs_from": c.runs_from, "runs_from_label": c.runs_from_label}
            for key, c in rules.claim_types.items()
        ],
        "jurisdictions": list(rules.jurisdictions),
        "document": rules.to_json(),
    }


def _facts(body: DeadlineFactsIn) -> DeadlineFacts:
    return DeadlineFacts(
        jurisdiction=body.jurisdiction.value,
        termination_date=body.termination_date,
        act_date=body.act_date,
        claim_types=tuple(body.claim_types),
        acas_day_a=body.acas_day_a,
        acas_day_b=body.acas_day_b,
        outcome_letter_date=body.outcome_letter_date,
        appeal_window_days=body.appeal_window_days,
        appeal_window_working=body.appeal_window_working,
    )


def _check_claim_types(body: DeadlineFactsIn, rules: RuleSet) -> None:
    valid = list(rules.claim_types)
    errors = [
        {
            "field": f"claim_types.{i}",
            "message": f"Unknown claim type {key!r}: rule set {rules.version} has {', '.join(valid)}.",
            "valid": valid,
        }
        for i, key in enumerate(body.claim_types)
        if key not in rules.claim_types
    ]
    if errors:
        raise invalid(errors, "The facts name a claim type the rule set in force does not have.")


class CaseDeadlines:
    def __init__(self, engine: Engine, cases: Cases) -> None:
        self.engine = engine
        self.cases = cases

    def _editable(self, conn: Any, caller: Principal, case_id: str) -> CaseView:
        """The case, locked, if ``caller`` may change its deadlines (404 if invisible, 403 if not allowed)."""
        view = self.cases.require(conn, caller, case_id, lock=True, write=True)
        allowed, reason = scope.may(caller, view.access, workflow_pb2.CASE_ACTION_EDIT_DEADLINES)
        if not allowed:
            raise forbidden(reason)
        return view

    # -- facts -------------------------------------------------------------------------------

    def facts(self, caller: Principal, case_id: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            view = self.cases.require(conn, caller, case_id, full=True)
            row = case_facts.load(conn, view.id)
            audit.record(conn, caller, "deadline_facts.read", view.id)
        return case_facts.to_json(view.id, row)

    def put_facts(self, caller: Principal, case_id: str, body: DeadlineFactsIn) -> dict[str, Any]:
        """Record the facts and recompute the case's rule deadlines with the rule set in force."""
        with self.engine.begin() as conn:
            view = self._editable(conn, caller, case_id)
            current = versions.in_force(conn)
            _check_claim_types(body, current.rules)
            facts = _facts(body)
            try:
                computed = compute(facts, current.rules)
            except ValueError as exc:  # facts the engine cannot compute from (it says why)
                raise invalid(
                    [{"field": "", "message": str(exc)}], "No deadline can be computed from these facts."
                ) from exc
            row, _ = case_facts.save(conn, view.ref(), facts, caller)
            counts = case_facts.reconcile(conn, view.row, computed, caller)
            case_facts.mark_computed(conn, view.id, current.rules.version)
            rows = store.for_case(conn, view.id, member_view=False)
        today = store.today()
        return {
            "facts": case_facts.to_json(view.id, row),
            "rule_set": current.about(),
            "recomputed": counts,
            "deadlines": [store.to_json(r, today) for r in rows],
        }

    # -- deadlines of a case -------------------------------------------------------------------

    def for_case(self, caller: Principal, case_id: str) -> list[dict[str, Any]]:
        with self.engine.begin() as conn:
            view = self.cases.require(conn, caller, case_id)
            full = view.access is scope.Access.FULL
            rows = store.for_case(conn, view.id, member_view=not full)
            audit.record(conn, caller, "deadline.list", view.id)
        today = store.today()
        return [store.to_json(r, today, full=full) for r in rows]

    def add(self, caller: Principal, case_id: str, body: NewDeadline) -> dict[str, Any]:
        """A deadline entered by hand (not indicative: the rep read it somewhere)."""
        with self.engine.begin() as conn:
            view = self._editable(conn, caller, case_id)
            deadline_id = store.put_deadline(
                conn,
                view.row,
                source=f"{store.MANUAL_PREFIX}{uuid.uuid4()}",
                kind=body.kind.value,
                label=body.label,
                due_on=body.due_on,
                visibility=body.visibility.value,
                indicative=False,
                computation=[f"Entered by {caller.username}."],
                rule=None,
                actor=caller,
            )
            row = store.get(conn, view.id, deadline_id)
        return store.to_json(row, store.today())

    def change(self, caller: Principal, case_id: str, deadline_id: str, body: DeadlineChange) -> dict[str, Any]:
        """Mark a deadline met, withdrawn or open again, and/or change who sees it."""
        with self.engine.begin() as conn:
            view = self._editable(conn, caller, case_id)
            parsed = parse_id(deadline_id)
            row = store.get(conn, view.id, parsed, lock=True) if parsed else None
            if row is None:
                raise not_found("deadline")
            if "state" in body.model_fields_set and row.source.startswith(store.REQUEST_PREFIX):
                # The request's own state says when it was answered or dropped; two ways to end its
                # deadline would let the two disagree.
                request_id = row.source.removeprefix(store.REQUEST_PREFIX)
                raise Problem(
                    409,
                    "request-deadline",
                    "Ended through its information request",
                    "This deadline belongs to an information request: record the reply or withdraw the request "
                    f"(/v1/cases/{view.id}/information-requests/{request_id}/reply or /withdraw).",
                    request_id=request_id,
                )
            if "state" in body.model_fields_set:
                store.set_deadline_state(
                    conn, view.row, source=row.source, state=body.state.value, reason=body.reason, actor=caller
                )
                row = store.get(conn, view.id, row.id)
            if "visibility" in body.model_fields_set:
                row = store.set_visibility(conn, view.row, row, body.visibility.value, caller)
        return store.to_json(row, store.today())

    # -- across cases ----------------------------------------------------------------------------

    def due_soon(self, caller: Principal, within_days: int) -> list[dict[str, Any]]:
        """Open deadlines due within ``within_days`` (and overdue ones) on every case ``caller`` works on."""
        if caller.is_service or not caller.has(*STAFF_ROLES):
            raise forbidden("The deadlines list is for reps, coordinators, officials and caseworkers.")
        today = store.today()
        with self.engine.begin() as conn:
            rows = store.due_within(conn, self.cases.rules, caller, within_days, today)
            audit.record(
                conn,
                caller,
                "deadline.due_list",
                detail={"within_days": within_days, "cases": sorted({str(r.case_id) for r in rows})},
            )
        return [store.to_json(r, today) for r in rows]

    # -- rule sets -------------------------------------------------------------------------------

    def rules(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return rule_set_json(versions.in_force(conn))

    def upload_rules(self, caller: Principal, document: Any) -> dict[str, Any]:
        """Store a new rule set version (administrators); in force from the next computation."""
        if not caller.has("admin") or caller.is_service:
            raise forbidden("Rule sets are uploaded by administrators.")
        if not isinstance(document, dict):  # parse_rule_set would read a JSON string as a document
            raise invalid([{"field": "", "message": "A rule set is a JSON object."}], "The rule set is not valid.")
        try:
            rules = parse_rule_set(document)
        except RuleSetError as exc:
            errors = [{"field": "" if e["loc"] == "(root)" else e["loc"], "message": e["msg"]} for e in exc.errors]
            raise invalid(errors, "The rule set is not valid.") from exc
        with self.engine.begin() as conn:
            current = versions.store(conn, rules, caller)
        return rule_set_json(current)

    def history(self, caller: Principal) -> list[dict[str, Any]]:
        if caller.is_service or not caller.has("admin", *STAFF_ROLES):
            raise forbidden("The rule set's history is for union staff and administrators.")
        with self.engine.connect() as conn:
            return versions.history(conn)
