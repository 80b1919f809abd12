"""Who may do what with a case's evidence, as workflow decides it (its Authorize call), and what
the caller is told when they may not: 404 for whoever may not see the item or case at all (an
item's existence is not given away), 403 for whoever sees it but may not do this."""

from __future__ import annotations

from typing import Any

from casework.v1 import workflow_pb2
from casework_common.auth import Principal
from casework_common.problems import forbidden, not_found
from casework_common.workflow_client import WorkflowClient


class EvidenceAccess:
    """The evidence API's questions to workflow, each with the refusal it answers."""

    def __init__(self, workflow: WorkflowClient) -> None:
        self.workflow = workflow

    def case(self, caller: Principal, case_id: str, action: int, resource: str) -> workflow_pb2.AuthorizeResponse:
        """The caller may do ``action`` on the case: its decision (with the case); 404 if they may
        not see the case, 403 (with workflow's reason) if they see it but may not do this."""
        decision = self.workflow.authorize(caller.token, case_id, action, resource)
        if not decision.visible:
            raise not_found("case")
        if not decision.allowed:
            raise forbidden(decision.reason)
        return decision

    def allowed(self, caller: Principal, case_id: str, action: int, resource: str) -> bool:
        """Whether the caller may do ``action`` on the case, without refusing."""
        return self.workflow.authorize(caller.token, case_id, action, resource).allowed

    def may_read(self, caller: Principal, row: Any, what: str) -> bool:
        """Whether the caller may read the item (``what``: which part of it, for the audit trail):
        a reps-only item needs the right to see reps' evidence on its case."""
        action = (
            workflow_pb2.CASE_ACTION_VIEW_EVIDENCE
            if row.visibility == "member"
            else workflow_pb2.CASE_ACTION_VIEW_REPS_EVIDENCE
        )
        return self.allowed(caller, str(row.case_id), action, f"evidence:{row.id}{what}")

    def require_edit(
        self, caller: Principal, row: Any, what: str, action: int = workflow_pb2.CASE_ACTION_EDIT_EVIDENCE
    ) -> None:
        """Changing an item's facts (``action`` EDIT_EVIDENCE), or reading who changed them
        (VIEW_REPS_EVIDENCE): union staff with full access to the case. A member who can see the
        item gets 403; whoever cannot see it, 404, as for every other evidence request."""
        decision = self.workflow.authorize(caller.token, str(row.case_id), action, f"evidence:{row.id}{what}")
        if decision.allowed and not caller.is_service:
            return
        if not decision.visible or (not decision.allowed and row.visibility != "member"):
            raise not_found("evidence")
        raise forbidden("Only union staff with full access to the case may correct or review an item's facts.")
