"""What search does for a caller, whichever protocol they came by (REST or gRPC): each
call asks workflow for the caller's scope first, and passes it to the query code."""

from __future__ import annotations

from typing import Any

from casework_common.auth import Principal
from casework_common.problems import forbidden
from casework_common.vocabulary import STAFF_ROLES
from casework_common.web import timed
from casework_common.workflow_client import WorkflowClient
from casework_search.availability import index_answers
from casework_search.comparators import Comparators
from casework_search.evidence_search import EvidenceSearch, SearchParams
from casework_search.scope import SearchScope
from casework_search.trends import TrendParams, Trends


class SearchService:
    def __init__(
        self,
        workflow: WorkflowClient,
        evidence: EvidenceSearch,
        comparators: Comparators,
        trends: Trends,
    ) -> None:
        self.workflow = workflow
        self.evidence = evidence
        self.comparators = comparators
        self.trends = trends

    def scope(self, caller: Principal) -> SearchScope:
        """The caller's scope, from workflow, for this one request: never cached, never widened."""
        return SearchScope.from_proto(self.workflow.scope(caller.token))

    def search(self, caller: Principal, params: SearchParams) -> dict[str, Any]:
        with timed("scope"):
            scope = self.scope(caller)
        with timed("index"), index_answers():
            return self.evidence.search(scope, params)

    def find_comparators(self, caller: Principal, case_id: str, size: int) -> dict[str, Any]:
        scope = self.scope(caller)
        with index_answers():
            return self.comparators.find(scope, case_id, size)

    def save_comparator(self, caller: Principal, case_id: str, key: str) -> dict[str, Any]:
        """Save a comparator of the case as a timeline entry, written by workflow as the caller."""
        if not caller.has(*STAFF_ROLES):
            raise forbidden("Comparators are saved by the reps and officials working on the case.")
        scope = self.scope(caller)
        with index_answers():
            found = self.comparators.lookup(scope, case_id, key)
        facts = found["case"]
        what = ", ".join(str(facts.get(k)) for k in ("reference", "employer", "case_type") if facts.get(k))
        outcome = str(facts.get("outcome", "no outcome")).replace("_", " ")
        kind = "Disparator" if found["disparator"] else "Comparator"
        body = f"{kind} saved from search: {what or 'a case outside your scope'} — {outcome}."
        entry = {
            "kind": "comparator",
            "visibility": "reps",
            "body": body,
            "comparator": {
                "key": found["key"],
                "in_scope": found["in_scope"],
                "case": dict(facts),
                "matched": found["matched"],
                "differed": found["differed"],
                "disparator": found["disparator"],
            },
        }
        return self.workflow.add_timeline_entry(
            caller.token, case_id, entry, not_saved="The case service did not save the comparator."
        )

    def count_trends(self, caller: Principal, params: TrendParams) -> dict[str, Any]:
        # Trends count by branch or region, not by case: the role decides the level.
        with index_answers():
            return self.trends.count(caller, params)
