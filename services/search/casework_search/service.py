"""What search does for a caller, whichever protocol they came by (REST or gRPC): each
call asks workflow for the caller's scope and passes it to the query code.

An evidence search does not wait for workflow's answer when the caller searched recently: their
scope rarely changes from one search to the next, and asking for it (workflow's query and the
search's audit record, over gRPC) cost 8 ms under load where the API's whole cost is to stay
within 10 ms. So the query runs at once with the scope workflow gave the caller last time, while
workflow is asked; its result is answered only when workflow's answer is that same scope, and is
otherwise discarded and the query run again with workflow's. Workflow still decides, and audits,
every search: what the caller is answered never depends on the prediction, only how soon.
"""

from __future__ import annotations

import time
from typing import Any

from casework_common.auth import Principal
from casework_common.metrics import Metrics
from casework_common.problems import forbidden
from casework_common.recent import Recent
from casework_common.vocabulary import STAFF_ROLES
from casework_common.web import report_timing, timed
from casework_common.workflow_client import WorkflowClient
from casework_search.availability import index_answers
from casework_search.comparators import Comparators
from casework_search.evidence_search import EvidenceSearch, SearchParams
from casework_search.scope import SearchScope
from casework_search.trends import TrendParams, Trends

# How many callers' last scopes are kept to predict their next (a few MB at most: case ids).
PREDICTED_CALLERS = 1024

_metrics = Metrics("search")
PREDICTIONS = _metrics.counter(
    "scope_predictions_total",
    "Evidence searches by whether the caller's predicted scope was workflow's answer: right (answered"
    " without waiting), wrong (the query run again) or none (not searched recently).",
    ("outcome",),
)


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
        self._last_scope: Recent[str, SearchScope] = Recent(PREDICTED_CALLERS)

    def scope(self, caller: Principal) -> SearchScope:
        """The caller's scope, from workflow, for this one request: never cached, never widened."""
        return SearchScope.from_proto(self.workflow.scope(caller.token))

    def search(self, caller: Principal, params: SearchParams) -> dict[str, Any]:
        """Evidence search within the caller's scope, the query overlapping workflow's answer
        when their scope can be predicted (the module docstring says how)."""
        predicted = self._last_scope.get(caller.username)
        if predicted is None:
            PREDICTIONS.labels("none").inc()
            with timed("scope"):
                scope = self.scope(caller)
            self._last_scope.put(caller.username, scope)
        else:
            answer = self.workflow.scope_later(caller.token)
            started = time.perf_counter()
            result: dict[str, Any] | None = None
            failure: Exception | None = None
            try:
                with index_answers():
                    result = self.evidence.search(predicted, params)
            except Exception as exc:  # noqa: BLE001 -- raised below once workflow has answered, if the scope was right
                failure = exc
            queried_ms = (time.perf_counter() - started) * 1000
            with timed("scope"):  # what is left of workflow's answer to wait for
                scope = SearchScope.from_proto(answer())
            self._last_scope.put(caller.username, scope)
            if scope == predicted:
                PREDICTIONS.labels("right").inc()
                report_timing("index", queried_ms)
                if failure is not None:
                    raise failure
                return result  # type: ignore[return-value]
            PREDICTIONS.labels("wrong").inc()
            report_timing("discarded", queried_ms)
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
