"""The scope filter every search carries (pure logic; behaviour on OpenSearch is tested end to end)."""

from casework.v1 import workflow_pb2
from casework_search.api import SearchParams, build_query, scope_filter


def test_empty_scope_means_no_query_at_all() -> None:
    assert scope_filter(workflow_pb2.Scope()) is None


def test_member_cases_are_limited_to_member_visible_evidence() -> None:
    allowed = scope_filter(workflow_pb2.Scope(case_ids=["a"], member_case_ids=["m"]))
    assert allowed == {
        "bool": {
            "minimum_should_match": 1,
            "should": [
                {"terms": {"case_id": ["a"]}},
                {"bool": {"filter": [{"terms": {"case_id": ["m"]}}, {"term": {"visibility": "member"}}]}},
            ],
        }
    }


def test_case_filter_narrows_and_scope_is_always_a_filter() -> None:
    scope = scope_filter(workflow_pb2.Scope(case_ids=["a"]))
    body = build_query(SearchParams(q="hearing", case_id="zzz"), scope, 20)
    assert body["query"]["bool"]["filter"] == [scope, {"term": {"case_id": "zzz"}}]
    assert body["highlight"]["encoder"] == "html"
