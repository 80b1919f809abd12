"""Member enquiries: a member who contacts the regional office directly is sent back to their
branch, which gets a task, until a referral they have been advised of makes the region handle the
case (protocol rule 1 in docs/design.md, 'Referral protocol')."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine, select

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_common.problems import forbidden
from casework_workflow.branch_tasks import open_task
from casework_workflow.cases import Cases
from casework_workflow.changes import Entry, record_change
from casework_workflow.schemas import NewEnquiry
from casework_workflow.tables import cases, enquiries, referrals

TO_BRANCH = (
    "Thank you. Cases are dealt with by your branch first, so please contact your branch. "
    "We have passed your message to them and asked them to get in touch with you."
)
TO_OFFICE = "Thank you. Your message has been passed to the regional office that is handling your case."


class Enquiries:
    """Members' enquiries to the regional office as the service handles them: routed, recorded,
    audited and announced."""

    def __init__(self, engine: Engine, cases_: Cases) -> None:
        self.engine = engine
        self.cases = cases_

    def enquire(self, caller: Principal, data: NewEnquiry) -> dict[str, Any]:
        """A member contacts the regional office directly. Without an agreed referral they have been
        advised of, they are referred back to their branch, which gets a task. The answer is worded
        the same whatever the state of any referral they have not been told about."""
        if not caller.has("member") or not caller.membership_number or not caller.branch or not caller.region:
            raise forbidden("Enquiries to the regional office come from members.")
        number = caller.membership_number.upper()
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
                    member=caller.username,
                    membership_number=number,
                    branch=caller.branch,
                    region=caller.region,
                    case_id=case_id,
                    message=data.message,
                    routed_to=routed_to,
                )
            )
            task_id = None
            if routed_to == "branch":
                task_id = open_task(
                    conn,
                    branch=caller.branch,
                    region=caller.region,
                    kind="member_enquiry",
                    case_id=case_id,
                    enquiry_id=enquiry_id,
                    description=f"{caller.name or caller.username} ({number}) contacted the regional office directly: "
                    f"{data.message} — please get in touch with them.",
                )
            view = self.cases.load(conn, caller, case_id) if case_id else None
            said = f"The member contacted the regional office: {data.message}"
            entry_data = {"enquiry_id": str(enquiry_id), "routed_to": routed_to}
            record_change(
                conn,
                caller,
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
                    member=caller.username,
                    branch=caller.branch,
                    region=caller.region,
                    routed_to=routed_to,
                    task_id=str(task_id or ""),
                    case=view.ref() if view else None,
                ),
                key=str(case_id or number),
            )
        return {"id": str(enquiry_id), "message": TO_OFFICE if advised else TO_BRANCH}
