"""How a search uses a predicted scope (service.py), with workflow and the query code stood in for:
the order of answers and refusals is pure logic. The stack test is tests/test_search_scope_prediction.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from casework.v1 import workflow_pb2
from casework_common.auth import Principal
from casework_common.problems import Problem, unauthorized
from casework_search.availability import IndexUnavailable
from casework_search.evidence_search import SearchParams
from casework_search.scope import SearchScope
from casework_search.service import SearchService

RACHEL = Principal(subject="s-rachel", username="rachel", roles=frozenset({"rep"}), branch="north-london", token="t")
PARAMS = SearchParams.model_validate({"q": "letter from the employer"})


class Workflow:
    """Answers each scope request with the next of ``answers`` (a Scope, or a Problem to raise)."""

    def __init__(self, *answers: workflow_pb2.Scope | Problem) -> None:
        self.answers = list(answers)
        self.asked = 0

    def _next(self) -> workflow_pb2.Scope:
        self.asked += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Problem):
            raise answer
        return answer

    def scope(self, token: str) -> workflow_pb2.Scope:
        return self._next()

    def scope_later(self, token: str) -> Callable[[], workflow_pb2.Scope]:
        return self._next


class Evidence:
    """The query code: answers with the cases of the scope it was given, except that the calls
    numbered in ``failing`` (1 for the first) raise ``FAILURE``."""

    def __init__(self, *failing: int) -> None:
        self.failing = set(failing)
        self.scopes: list[SearchScope] = []

    def search(self, scope: SearchScope, params: SearchParams) -> dict[str, Any]:
        self.scopes.append(scope)
        if len(self.scopes) in self.failing:
            raise IndexUnavailable("Search is not available right now; try again shortly.")
        return {"cases": sorted(scope.full)}


def scope(*case_ids: str) -> workflow_pb2.Scope:
    return workflow_pb2.Scope(case_ids=case_ids)


def searched(workflow: Workflow, evidence: Evidence, times: int) -> dict[str, Any]:
    """Search as rachel ``times`` times; the last answer."""
    search = SearchService(workflow, evidence, comparators=None, trends=None)  # type: ignore[arg-type]
    for _ in range(times - 1):
        search.search(RACHEL, PARAMS)
    return search.search(RACHEL, PARAMS)


def test_a_right_prediction_is_answered_with_one_query() -> None:
    workflow, evidence = Workflow(scope("a"), scope("a")), Evidence()
    assert searched(workflow, evidence, 2) == {"cases": ["a"]}
    assert workflow.asked == 2 and len(evidence.scopes) == 2


@pytest.mark.parametrize(("old", "new"), [(("a", "b"), ("a",)), (("a",), ("a", "b")), (("a",), ())])
def test_a_wrong_prediction_is_discarded_and_the_query_run_with_workflows_answer(
    old: tuple[str, ...], new: tuple[str, ...]
) -> None:
    evidence = Evidence()
    assert searched(Workflow(scope(*old), scope(*new)), evidence, 2) == {"cases": sorted(new)}
    assert [sorted(s.full) for s in evidence.scopes] == [sorted(old), sorted(old), sorted(new)]


@pytest.mark.parametrize("failing", [(), (2,)], ids=["answer", "failure"])
def test_workflows_refusal_comes_before_what_the_predicted_query_gave(failing: tuple[int, ...]) -> None:
    with pytest.raises(Problem) as refused:
        searched(Workflow(scope("a"), unauthorized("The token has expired.")), Evidence(*failing), 2)
    assert refused.value.status == 401


def test_a_failure_of_the_query_with_the_right_scope_is_the_answer() -> None:
    with pytest.raises(IndexUnavailable):
        searched(Workflow(scope("a"), scope("a")), Evidence(2), 2)


def test_a_failure_of_the_query_with_a_wrong_prediction_is_not_the_answer() -> None:
    assert searched(Workflow(scope("old"), scope("new")), Evidence(2), 2) == {"cases": ["new"]}
