"""Protocol rule 6 (support with cases), rule 1 (members contacting the regional office directly)
and the branch tasks those create. Rules as numbered in docs/design.md#referral-protocol."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine, Row, func, select, update

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_common.directory import Directory
from casework_common.problems import Problem, forbidden, not_found
from casework_workflow import audit, erased, flags, scope
from casework_workflow.cases import CaseStore, parse_id
from casework_workflow.changes import Entry, record_change
from casework_workflow.schemas import NewEnquiry, NewSupportRequest
from casework_workflow.tables import branch_tasks, cases, enquiries, referrals, support_requests

REFERRED_BACK = (
    "Support with cases goes to your regional official first. Only branch casework coordinators "
    "may contact the regional caseworker directly, so your request has gone to the official (rule 6)."
)
TO_BRANCH = (
    "Thank you. Cases are dealt with by your branch first, so please contact your branch. "
    "We have passed your message to them and asked them to get in touch with you."
)
TO_OFFICE = "Thank you. Your message has been passed to the regional office that is handling your case."


def request_json(row: Row[Any]) -> dict[str, Any]:
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


def task_json(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "branch": row.branch,
        "kind": row.kind,
        "description": row.description,
        "case_id": str(row.case_id) if row.case_id else None,
        "status": row.status,
        "done_by": row.done_by,
        "created_at": row.created_at.isoformat(),
    }


class SupportStore:
    def __init__(self, engine: Engine, cases_: CaseStore, directory: Directory | None) -> None:
        self.engine = engine
        self.cases = cases_
        self.directory = directory

    # -- rule 6 ------------------------------------------------------------------------

    def request_support(self, p: Principal, case_id: str, data: NewSupportRequest) -> dict[str, Any]:
        with self.engine.begin() as conn:
            view = self.cases.require(conn, p, case_id, full=True, write=True)
            if not scope.is_branch_staff(p):
                raise forbidden("Support requests come from the branch: the case's rep or the coordinator.")
            asked_for = data.to.value
            # Only coordinators may go to the caseworker directly; a rep is referred back to the official.
            referred_back = asked_for == "caseworker" and not p.has("coordinator")
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
                    requested_by=p.username,
                    requested_by_role=p.primary_role,
                )
                .returning(support_requests)
            ).one()
            who = "the regional caseworker" if to_role == "caseworker" else "the regional official"
            said = f"Support requested from {who}: {data.question}" + (
                " (referred back to the official: rule 6)" if referred_back else ""
            )
            record_change(
                conn,
                p,
                "support.request",
                case=view.ref(),
                entries=[Entry("support_request", said, "reps", data={"support_request_id": str(row.id)})],
                resource=f"support:{row.id}",
                detail={"asked_for": asked_for, "to": to_role, "referred_back": referred_back},
                event=events_pb2.SupportRequested(
                    case=view.ref(),
                    request_id=str(row.id),
                    to_role=to_role,
                    asked_for=asked_for,
                    requested_by=p.username,
                    requested_by_role=p.primary_role,
                    referred_back=referred_back,
                ),
            )
            flags.check_branch_has_coordinator(conn, self.directory, view.row.branch, view.row.region)
        return request_json(row)

    def answer(self, p: Principal, request_id: str, answer: str) -> dict[str, Any]:
        with self.engine.begin() as conn:
            parsed = parse_id(request_id)
            row = (
                conn.execute(select(support_requests).where(support_requests.c.id == parsed).with_for_update()).first()
                if parsed
                else None
            )
            view = self.cases.load(conn, p, row.case_id) if row else None
            if row is None or view is None or view.access is not scope.Access.FULL:
                raise not_found("support request")
            erased.refuse_if_erased(conn, view.id)
            if not p.has(row.to_role):
                raise Problem(
                    403,
                    "protocol-role",
                    "Not your step in the casework protocol",
                    f"This request went to the regional {row.to_role}.",
                    rule=6,
                )
            if row.answer is not None:
                raise Problem(409, "protocol", "Already answered", "This support request has been answered.", rule=6)
            updated = conn.execute(
                update(support_requests)
                .where(support_requests.c.id == row.id)
                .values(answer=answer, answered_by=p.username, answered_at=func.now())
                .returning(support_requests)
            ).one()
            said = f"Support answered by {p.username}: {answer}"
            record_change(
                conn,
                p,
                "support.answer",
                case=view.ref(),
                entries=[Entry("support_request", said, "reps", data={"support_request_id": str(row.id)})],
                resource=f"support:{row.id}",
                event=events_pb2.SupportRequested(
                    case=view.ref(),
                    request_id=str(row.id),
                    to_role=row.to_role,
                    asked_for=row.asked_for,
                    requested_by=row.requested_by,
                    requested_by_role=row.requested_by_role,
                    referred_back=row.referred_back,
                    answered=True,
                ),
            )
        return request_json(updated)

    def requests(self, p: Principal) -> list[dict[str, Any]]:
        """Officials and caseworkers: requests to them in their region. The branch: its own requests."""
        query = (
            select(support_requests)
            .join(cases, cases.c.id == support_requests.c.case_id)
            .where(self.cases.rules.full_access(p))
            .order_by(support_requests.c.created_at)
        )
        if p.has("official", "caseworker"):
            roles = [r for r in ("official", "caseworker") if p.has(r)]
            query = query.where(support_requests.c.to_role.in_(roles))
        elif scope.is_branch_staff(p):
            if not p.has("coordinator"):
                query = query.where(support_requests.c.requested_by == p.username)
        else:
            raise forbidden("Support requests are for branch and regional staff.")
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            audit.record(conn, p, "support.list", detail={"requests": [str(r.id) for r in rows]})
        return [request_json(r) for r in rows]

    # -- rule 1 ------------------------------------------------------------------------

    def enquire(self, p: Principal, data: NewEnquiry) -> dict[str, Any]:
        """A member contacts the regional office directly. Without an agreed referral they have been
        advised of, they are referred back to their branch, which gets a task. The answer is worded
        the same whatever the state of any referral they have not been told about."""
        if not p.has("member") or not p.membership_number or not p.branch or not p.region:
            raise forbidden("Enquiries to the regional office come from members.")
        number = p.membership_number.upper()
        with self.engine.begin() as conn:
            advised = conn.execute(
                select(cases.c.id)
                .join(referrals, referrals.c.case_id == cases.c.id)
                .where(
                    cases.c.membership_number == number,
                    referrals.c.member_advised_at.is_not(None),
                    referrals.c.state.in_(("member_advised", "handled_regionally")),
                )
                .order_by(referrals.c.updated_at.desc())
            ).first()
            case_row = conn.execute(
                select(cases)
                .where(cases.c.membership_number == number, cases.c.status == "open")
                .order_by(cases.c.updated_at.desc())
            ).first()
            case_id = advised.id if advised else (case_row.id if case_row else None)
            routed_to = "official" if advised else "branch"
            enquiry_id = uuid.uuid4()
            conn.execute(
                enquiries.insert().values(
                    id=enquiry_id,
                    member=p.username,
                    membership_number=number,
                    branch=p.branch,
                    region=p.region,
                    case_id=case_id,
                    message=data.message,
                    routed_to=routed_to,
                )
            )
            task_id = None
            if routed_to == "branch":
                task_id = uuid.uuid4()
                conn.execute(
                    branch_tasks.insert().values(
                        id=task_id,
                        branch=p.branch,
                        region=p.region,
                        kind="member_enquiry",
                        case_id=case_id,
                        enquiry_id=enquiry_id,
                        description=f"{p.name or p.username} ({number}) contacted the regional office directly: "
                        f"{data.message} — please get in touch with them.",
                    )
                )
            view = self.cases.load(conn, p, case_id) if case_id else None
            said = f"The member contacted the regional office: {data.message}"
            entry_data = {"enquiry_id": str(enquiry_id), "routed_to": routed_to}
            record_change(
                conn,
                p,
                "enquiry.create",
                case=view.ref() if view else None,
                # Not on a timeline without a case the member can see; still audited and announced.
                entries=[Entry("enquiry", said, "member", data=entry_data)] if view else [],
                case_id=case_id,
                resource=f"enquiry:{enquiry_id}",
                detail={"routed_to": routed_to},
                event=events_pb2.EnquiryReceived(
                    enquiry_id=str(enquiry_id),
                    membership_number=number,
                    member=p.username,
                    branch=p.branch,
                    region=p.region,
                    routed_to=routed_to,
                    task_id=str(task_id or ""),
                    case=view.ref() if view else None,
                ),
                key=str(case_id or number),
            )
        return {"id": str(enquiry_id), "message": TO_OFFICE if advised else TO_BRANCH}

    # -- branch tasks --------------------------------------------------------------------

    def tasks(self, p: Principal, status: str | None) -> list[dict[str, Any]]:
        if not scope.is_branch_staff(p) or not p.branch:
            raise forbidden("Branch tasks are for the branch's reps and coordinator.")
        query = select(branch_tasks).where(branch_tasks.c.branch == p.branch).order_by(branch_tasks.c.created_at)
        if status:
            query = query.where(branch_tasks.c.status == status)
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            audit.record(conn, p, "task.list", detail={"tasks": [str(r.id) for r in rows]})
        return [task_json(r) for r in rows]

    def complete_task(self, p: Principal, task_id: str) -> dict[str, Any]:
        parsed = parse_id(task_id)
        with self.engine.begin() as conn:
            row = (
                conn.execute(
                    update(branch_tasks)
                    .where(
                        branch_tasks.c.id == parsed,
                        branch_tasks.c.branch == (p.branch if scope.is_branch_staff(p) else None),
                        branch_tasks.c.status == "open",
                    )
                    .values(status="done", done_by=p.username, done_at=func.now())
                    .returning(branch_tasks)
                ).first()
                if parsed
                else None
            )
            if row is None:
                raise not_found("open task")
            audit.record(conn, p, "task.done", row.case_id, f"task:{row.id}")
        return task_json(row)

    def flags(self, p: Principal) -> list[dict[str, Any]]:
        if not p.has("official") or not p.region:
            raise forbidden("Branch flags are for regional officials.")
        with self.engine.begin() as conn:
            rows = flags.open_flags(conn, p.region)
            audit.record(conn, p, "flag.list")
        return [
            {"id": str(r.id), "branch": r.branch, "reason": r.reason, "created_at": r.created_at.isoformat()}
            for r in rows
        ]
