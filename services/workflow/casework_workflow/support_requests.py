"""Support requests: the branch asks the region for help with a case (protocol rule 6 in
docs/design.md, 'Referral protocol'). Requests go to the regional official; only coordinators
may go to the regional caseworker directly, and a rep who asks the caseworker is referred back."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_common.directory import Directory
from casework_common.problems import forbidden, not_found
from casework_workflow import audit, erased, flags, scope
from casework_workflow.cases import Cases, CaseView, parse_id
from casework_workflow.changes import Entry, record_change
from casework_workflow.protocol_problems import not_allowed, not_your_step
from casework_workflow.schemas import NewSupportRequest
from casework_workflow.tables import cases, support_requests

RULE = 6
REFERRED_BACK = (
    "Support with cases goes to your regional official first. Only branch casework coordinators "
    "may contact the regional caseworker directly, so your request has gone to the official (rule 6)."
)


def request_json(row: Row[Any]) -> dict[str, Any]:
    """A support request as the API answers it (with the referred-back message when it was)."""
    return {
        "id": str(row.id),
        "case_id": str(row.case_id),
        "asked_for": row.asked_for,
        "to": row.to_role,
        "referred_back": row.referred_back,
        "question": row.question,
        "requested_by": row.requested_by,
        "answer": row.answer,
        "answered_by": row.answered_by,
        "created_at": row.created_at.isoformat(),
        **({"message": REFERRED_BACK} if row.referred_back else {}),
    }


def _record(
    conn: Connection,
    caller: Principal,
    action: str,
    view: CaseView,
    row: Row[Any],
    said: str,
    detail: dict[str, Any] | None = None,
    answered: bool = False,
) -> None:
    """The reps-only timeline entry ``said``, the audit record ``action`` and the event of a request
    asked or (``answered``) answered."""
    record_change(
        conn,
        caller,
        action,
        case=view.ref(),
        entries=[Entry("support_request", said, "reps", data={"support_request_id": str(row.id)})],
        resource=f"support:{row.id}",
        detail=detail,
        event=_requested(view, row, answered),
    )


def _requested(view: CaseView, row: Row[Any], answered: bool = False) -> events_pb2.SupportRequested:
    """The ``case.events`` message for the support request ``row``, asked or (``answered``) answered."""
    return events_pb2.SupportRequested(
        case=view.ref(),
        request_id=str(row.id),
        to_role=row.to_role,
        asked_for=row.asked_for,
        requested_by=row.requested_by,
        requested_by_role=row.requested_by_role,
        referred_back=row.referred_back,
        answered=answered,
    )


class SupportRequests:
    """Support requests as the service handles them: checked, recorded, audited and announced."""

    def __init__(self, engine: Engine, cases_: Cases, directory: Directory | None) -> None:
        self.engine = engine
        self.cases = cases_
        self.directory = directory

    def request_support(self, caller: Principal, case_id: str, data: NewSupportRequest) -> dict[str, Any]:
        """The branch asks the official (or, a coordinator, the caseworker) about a case."""
        with self.engine.begin() as conn:
            view = self.cases.require(conn, caller, case_id, full=True, write=True)
            if not scope.is_branch_staff(caller):
                raise forbidden("Support requests come from the branch: the case's rep or the coordinator.")
            asked_for = data.to.value
            # Only coordinators may go to the caseworker directly; a rep is referred back to the official.
            referred_back = asked_for == "caseworker" and not caller.has("coordinator")
            to_role = "official" if referred_back else asked_for
            row = conn.execute(
                support_requests.insert()
                .values(
                    id=uuid.uuid4(),
                    case_id=view.id,
                    asked_for=asked_for,
                    to_role=to_role,
                    referred_back=referred_back,
                    question=data.question,
                    requested_by=caller.username,
                    requested_by_role=caller.primary_role,
                )
                .returning(support_requests)
            ).one()
            who = "the regional caseworker" if to_role == "caseworker" else "the regional official"
            said = f"Support requested from {who}: {data.question}" + (
                " (referred back to the official: rule 6)" if referred_back else ""
            )
            detail = {"asked_for": asked_for, "to": to_role, "referred_back": referred_back}
            _record(conn, caller, "support.request", view, row, said, detail)
            flags.check_branch_has_coordinator(conn, self.directory, view.row.branch, view.row.region)
        return request_json(row)

    def answer(self, caller: Principal, request_id: str, answer: str) -> dict[str, Any]:
        """The official or caseworker the request went to answers it, once."""
        with self.engine.begin() as conn:
            parsed = parse_id(request_id)
            row = (
                conn.execute(select(support_requests).where(support_requests.c.id == parsed).with_for_update()).first()
                if parsed
                else None
            )
            view = self.cases.load(conn, caller, row.case_id) if row else None
            if row is None or view is None or view.access is not scope.Access.FULL:
                raise not_found("support request")
            erased.refuse_if_erased(conn, view.id)
            if not caller.has(row.to_role):
                raise not_your_step(f"This request went to the regional {row.to_role}.", RULE)
            if row.answer is not None:
                raise not_allowed("This support request has been answered.", RULE, title="Already answered")
            updated = conn.execute(
                update(support_requests)
                .where(support_requests.c.id == row.id)
                .values(answer=answer, answered_by=caller.username, answered_at=func.now())
                .returning(support_requests)
            ).one()
            said = f"Support answered by {caller.username}: {answer}"
            _record(conn, caller, "support.answer", view, row, said, answered=True)
        return request_json(updated)

    def requests(self, caller: Principal) -> list[dict[str, Any]]:
        """Officials and caseworkers: requests to them in their region. The branch: its own requests."""
        query = (
            select(support_requests)
            .join(cases, cases.c.id == support_requests.c.case_id)
            .where(self.cases.rules.full_access(caller))
            .order_by(support_requests.c.created_at)
        )
        if caller.has("official", "caseworker"):
            roles = [r for r in ("official", "caseworker") if caller.has(r)]
            query = query.where(support_requests.c.to_role.in_(roles))
        elif scope.is_branch_staff(caller):
            if not caller.has("coordinator"):
                query = query.where(support_requests.c.requested_by == caller.username)
        else:
            raise forbidden("Support requests are for branch and regional staff.")
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            audit.record(conn, caller, "support.list", detail={"requests": [str(r.id) for r in rows]})
        return [request_json(r) for r in rows]
