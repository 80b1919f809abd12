"""The referral protocol (rules 2–5 in docs/design.md, 'Referral protocol') as an explicit state machine.

    discussion_requested --agree (official, reasons)--> agreed --request_pack--> pack_requested
                         --decline (official, reasons)--> not_agreed
    agreed | pack_requested --submit_pack (branch)--> pack_submitted
    pack_submitted --confirm_pack (official)--> pack_confirmed    --return_pack (official, reasons)--> pack_requested
    pack_confirmed --advise_member--> member_advised --take_on (handler)--> handled_regionally
    handled_regionally --return_to_branch (handler, reasons)--> returned_to_branch
                       --close (handler)--> closed
    any open state --withdraw (branch)--> withdrawn

A referral always starts as a discussion request (rule 2), so it cannot be agreed without
one (rule 3). Until ``advise_member``, everything about it is reps-only: timeline entries,
events flagged ``member_advised=false``, and so notifications (rules 3–4). The "handler" is the
region's official for the regional office and its caseworker for the regional caseworker
(rule 5). Each transition checks role and scope, and is a timeline entry, an audit record and
an event in one transaction. A transition the state does not allow is a 409 naming the rule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_common.problems import forbidden, invalid, not_found
from casework_common.vocabulary import BRANCH_STAFF_ROLES, REFERRAL_OPEN_STATES
from casework_workflow import audit, erased, evidence_events, scope, summary
from casework_workflow.cases import Cases, CaseView, parse_id
from casework_workflow.changes import Entry, record_change
from casework_workflow.protocol_problems import not_allowed, not_your_step
from casework_workflow.schemas import NewReferral, TransitionRequest
from casework_workflow.tables import cases, referrals

BRANCH = frozenset(BRANCH_STAFF_ROLES)
OFFICIAL = frozenset({"official"})
HANDLER = frozenset({"handler"})  # resolved per target: official (office) or caseworker (caseworker)
WHERE = {"regional_office": "the regional office", "regional_caseworker": "the regional caseworker"}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    rule: int  # the rule a refusal in the wrong state names
    role_rule: int  # the rule a refusal for the wrong role names
    needs_reasons: bool = False
    needs_pack: bool = False


_STEPS = (
    Transition("agree", ("discussion_requested",), "agreed", OFFICIAL, 3, 2, needs_reasons=True),
    Transition("decline", ("discussion_requested",), "not_agreed", OFFICIAL, 2, 2, needs_reasons=True),
    Transition("request_pack", ("agreed",), "pack_requested", OFFICIAL, 4, 4),
    Transition("submit_pack", ("agreed", "pack_requested"), "pack_submitted", BRANCH, 4, 4, needs_pack=True),
    Transition("return_pack", ("pack_submitted",), "pack_requested", OFFICIAL, 4, 4, needs_reasons=True),
    Transition("confirm_pack", ("pack_submitted",), "pack_confirmed", OFFICIAL, 4, 4),
    Transition("advise_member", ("pack_confirmed",), "member_advised", BRANCH | OFFICIAL, 4, 4),
    Transition("take_on", ("member_advised",), "handled_regionally", HANDLER, 4, 5),
    Transition("return_to_branch", ("handled_regionally",), "returned_to_branch", HANDLER, 4, 5, needs_reasons=True),
    Transition("close", ("handled_regionally",), "closed", HANDLER, 4, 5),
    Transition("withdraw", REFERRAL_OPEN_STATES, "withdrawn", BRANCH, 2, 2),
)
TRANSITIONS: dict[str, Transition] = {step.action: step for step in _STEPS}


def refusal_rule(step: Transition, state: str) -> int:
    """Advising the member before the referral is even agreed breaks rule 3, not just rule 4."""
    if step.action == "advise_member" and state == "discussion_requested":
        return 3
    return step.rule


# Why an action is refused in the wrong state, in the protocol's words.
STATE_RULES: dict[str, str] = {
    "agree": "A referral can only be agreed by the regional official after the rep has discussed it with them.",
    "decline": "Only a referral under discussion can be declined.",
    "request_pack": "The pack is requested once the referral is agreed.",
    "submit_pack": "The branch provides the information and documentation only after the referral is agreed.",
    "return_pack": "Only a submitted pack can be returned as incomplete.",
    "confirm_pack": "The official confirms the pack only once the branch has submitted it.",
    "advise_member": "The member must not be told the case will be handled regionally until the referral is "
    "agreed and the official has confirmed the pack is complete.",
    "take_on": "The case is taken on regionally only after the member has been advised to make contact.",
    "return_to_branch": "Only a case being handled regionally can be returned to the branch.",
    "close": "Only a case being handled regionally can be closed regionally.",
    "withdraw": "Only an open referral can be withdrawn.",
}


def allowed_roles(transition: Transition, target: str) -> frozenset[str]:
    if transition.roles is HANDLER:
        return frozenset({"caseworker" if target == "regional_caseworker" else "official"})
    return transition.roles


def actions_for(caller: Principal, state: str, target: str) -> list[str]:
    """What ``caller`` may do next (for clients that offer only allowed buttons)."""
    return [t.action for t in TRANSITIONS.values() if state in t.sources and caller.roles & allowed_roles(t, target)]


def _needs(step: Transition) -> str | None:
    return "pack" if step.needs_pack else "reasons" if step.needs_reasons else None


def to_json(row: Row[Any], caller: Principal) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "target": row.target,
        "state": row.state,
        "reason": row.reason,
        "requested_by": row.requested_by,
        "official": row.official,
        "decision_reasons": row.decision_reasons,
        "pack": row.pack,
        "summary": row.summary,
        "member_advised_at": row.member_advised_at.isoformat() if row.member_advised_at else None,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "allowed_actions": actions_for(caller, row.state, row.target),
        # What each allowed action must be sent with, so clients can ask for it up front.
        "action_needs": {action: _needs(TRANSITIONS[action]) for action in actions_for(caller, row.state, row.target)},
    }


def member_message(row: Row[Any]) -> str:
    return (
        f"Your branch has arranged for {WHERE[row.target]} to handle your case. "
        f"Please contact {WHERE[row.target]} now; they have your case details."
    )


def _check_pack_evidence(conn: Connection, view: CaseView, evidence_ids: list[uuid.UUID]) -> None:
    """A pack hands the official evidence of this case only: never another case's (which the
    official may not see) nor ids of nothing."""
    unknown = evidence_events.unknown_evidence(conn, view.id, evidence_ids)
    if unknown:
        raise invalid(
            [
                {
                    "field": "pack.evidence_ids",
                    "message": "Not evidence of this case (a just-uploaded item can take a moment to be "
                    f"recorded on the case): {', '.join(unknown)}.",
                    "evidence_ids": unknown,
                }
            ],
            "The pack names evidence that is not this case's.",
        )


def _entry_data(row: Row[Any]) -> dict[str, Any]:
    """What a referral's timeline entries carry: which referral, and its state after the step."""
    return {"referral_id": str(row.id), "state": row.state}


def _changed(
    view: CaseView, row: Row[Any], action: str, from_state: str, caller: Principal
) -> events_pb2.ReferralChanged:
    """The ``case.events`` message for a step of the referral ``row`` (its state after the step)."""
    return events_pb2.ReferralChanged(
        case=view.ref(),
        referral_id=str(row.id),
        target=row.target,
        from_state=from_state,
        to_state=row.state,
        action=action,
        actor=caller.username,
        actor_role=caller.primary_role,
        requested_by=row.requested_by,
        official=row.official or "",
        member_advised=row.member_advised_at is not None,
    )


class Referrals:
    """Referrals as the service handles them: each step checked against the protocol, role and
    scope, recorded on the timeline, audited and announced."""

    def __init__(self, engine: Engine, cases: Cases) -> None:
        self.engine = engine
        self.cases = cases

    def request_discussion(self, caller: Principal, case_id: str, data: NewReferral) -> dict[str, Any]:
        """Rule 2: the branch asks its regional official to discuss a referral; the official gets
        a generated case summary. Nothing about it is visible to the member."""
        with self.engine.begin() as conn:
            view = self.cases.require(conn, caller, case_id, full=True, lock=True, write=True)
            if not caller.has(*BRANCH):
                raise forbidden("Referrals are requested by the branch: the case's rep or the coordinator.")
            if conn.execute(
                select(referrals.c.id).where(
                    referrals.c.case_id == view.id,
                    referrals.c.target == data.target.value,
                    referrals.c.state.in_(REFERRAL_OPEN_STATES),
                )
            ).first():
                raise not_allowed(f"A referral of this case to {WHERE[data.target.value]} is already open.", 2)
            row = conn.execute(
                referrals.insert()
                .values(
                    id=uuid.uuid4(),
                    case_id=view.id,
                    target=data.target.value,
                    state="discussion_requested",
                    reason=data.reason,
                    summary=summary.generate(conn, view),
                    requested_by=caller.username,
                    requested_by_role=caller.primary_role,
                )
                .returning(referrals)
            ).one()
            said = f"Discussion requested with the regional official about a referral to {WHERE[row.target]}: "
            record_change(
                conn,
                caller,
                "referral.discussion_requested",
                case=view.ref(),
                entries=[Entry("referral", said + data.reason, "reps", data=_entry_data(row))],
                resource=f"referral:{row.id}",
                detail={"target": row.target},
                event=_changed(view, row, "request_discussion", "", caller),
            )
        return to_json(row, caller)

    def _load(
        self, conn: Connection, caller: Principal, referral_id: str, lock: bool = False
    ) -> tuple[Row[Any], CaseView]:
        parsed = parse_id(referral_id)
        query = select(referrals).where(referrals.c.id == parsed) if parsed else None
        row = conn.execute(query.with_for_update() if lock else query).first() if query is not None else None
        view = self.cases.load(conn, caller, row.case_id, lock=lock) if row else None
        if row is None or view is None or view.access is not scope.Access.FULL:
            raise not_found("referral")  # members never learn a referral exists
        return row, view

    def transition(self, caller: Principal, referral_id: str, request: TransitionRequest) -> dict[str, Any]:
        with self.engine.begin() as conn:
            row, view = self._load(conn, caller, referral_id, lock=True)
            erased.refuse_if_erased(conn, view.id)
            step = TRANSITIONS.get(request.action)
            if step is None:
                raise invalid([{"field": "action", "message": f"Unknown action; one of: {', '.join(TRANSITIONS)}."}])
            roles = allowed_roles(step, row.target)
            if not caller.roles & roles:
                raise not_your_step(
                    f"Only the {' or '.join(sorted(roles))} can {step.action.replace('_', ' ')} this referral.",
                    step.role_rule,
                    action=step.action,
                )
            if row.state not in step.sources:
                raise not_allowed(
                    STATE_RULES[step.action],
                    refusal_rule(step, row.state),
                    state=row.state,
                    action=step.action,
                    allowed_actions=actions_for(caller, row.state, row.target),
                )
            if step.needs_reasons and not request.reasons:
                raise invalid([{"field": "reasons", "message": "Give the reasons for this decision."}])
            if step.needs_pack and request.pack is None:
                raise invalid([{"field": "pack", "message": "Provide the case summary and the evidence to hand over."}])
            if step.needs_pack:
                _check_pack_evidence(conn, view, request.pack.evidence_ids)
            values: dict[str, Any] = {"state": step.target, "updated_at": func.now()}
            if step.roles is OFFICIAL and caller.has("official"):
                values["official"] = caller.username
            if step.needs_reasons:
                values["decision_reasons"] = request.reasons
            if step.needs_pack:
                values["pack"] = request.pack.model_dump(mode="json")
            if step.action == "advise_member":
                values["member_advised_at"] = func.now()
            updated = conn.execute(
                update(referrals).where(referrals.c.id == row.id).values(**values).returning(referrals)
            ).one()
            self._record(conn, caller, view, row.state, updated, step, request)
        return to_json(updated, caller)

    def _record(
        self,
        conn: Connection,
        caller: Principal,
        view: CaseView,
        from_state: str,
        row: Row[Any],
        step: Transition,
        request: TransitionRequest,
    ) -> None:
        """Timeline (reps-only until the member is advised), audit and event for one step."""
        said = f"Referral to {WHERE[row.target]}: {step.action.replace('_', ' ')} ({from_state} → {row.state})"
        if request.reasons:
            said += f". Reasons: {request.reasons}"
        entries = [Entry("referral", said, "reps", data=_entry_data(row))]
        if step.action == "advise_member":
            entries.append(Entry("referral", member_message(row), "member", data=_entry_data(row)))
        record_change(
            conn,
            caller,
            f"referral.{step.action}",
            case=view.ref(),
            entries=entries,
            resource=f"referral:{row.id}",
            detail={"from": from_state, "to": row.state},
            event=_changed(view, row, step.action, from_state, caller),
        )

    def for_case(self, caller: Principal, case_id: str) -> list[dict[str, Any]]:
        with self.engine.begin() as conn:
            view = self.cases.require(conn, caller, case_id)
            if view.access is not scope.Access.FULL:
                return []  # a member sees referral news only through the member-visible timeline
            rows = conn.execute(
                select(referrals).where(referrals.c.case_id == view.id).order_by(referrals.c.created_at)
            ).all()
            audit.record(conn, caller, "referral.list", view.id)
        return [to_json(r, caller) for r in rows]

    def get(self, caller: Principal, referral_id: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            row, view = self._load(conn, caller, referral_id)
            audit.record(conn, caller, "referral.read", view.id, f"referral:{row.id}")
        return to_json(row, caller)

    def queue(self, caller: Principal, state: str | None) -> list[dict[str, Any]]:
        """Referrals an official or caseworker acts on: those of their region in their scope."""
        if not caller.has("official", "caseworker"):
            raise forbidden("The referral queue is for regional officials and caseworkers.")
        query = (
            select(referrals)
            .join(cases, cases.c.id == referrals.c.case_id)
            .where(self.cases.rules.full_access(caller))
            .order_by(referrals.c.updated_at)
        )
        if caller.has("caseworker") and not caller.has("official"):
            query = query.where(referrals.c.target == "regional_caseworker")
        if state:
            query = query.where(referrals.c.state == state)
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            audit.record(conn, caller, "referral.queue", detail={"referrals": [str(r.id) for r in rows]})
        return [to_json(r, caller) for r in rows]
