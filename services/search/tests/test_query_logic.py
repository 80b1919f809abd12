"""Pure logic of search: scope filters, the query language, cursors, anonymising, labels.
How these behave on a real OpenSearch-compatible server is tested end to end in tests/."""

import pytest

from casework.v1 import workflow_pb2
from casework_common.problems import Problem
from casework_search import query_syntax
from casework_search.comparators import ANONYMOUS_FIELDS, anonymise
from casework_search.documents import doc_type, employer_key
from casework_search.evidence_search import decode_cursor, encode_cursor
from casework_search.scope import SearchScope
from casework_search.trends import period_label, to_csv


def word(w: str) -> dict:
    return {"multi_match": {"query": w, "fields": ["text"], "operator": "and"}}


def test_empty_scope_means_no_query_at_all() -> None:
    scope = SearchScope.from_proto(workflow_pb2.Scope())
    assert scope.empty and scope.pages_filter() is None and scope.cases_filter() is None


def test_a_whole_branch_is_filtered_by_branch_not_by_listing_its_cases() -> None:
    scope = SearchScope.from_proto(workflow_pb2.Scope(case_ids=["a"], branches=["north"]))
    assert scope.pages_filter() == {
        "bool": {"minimum_should_match": 1, "should": [{"terms": {"case_id": ["a"]}}, {"terms": {"branch": ["north"]}}]}
    }
    assert scope.sees_fully("zzz", "north") and not scope.sees("zzz", "south")


def test_member_cases_are_limited_to_member_visible_evidence() -> None:
    scope = SearchScope.from_proto(workflow_pb2.Scope(case_ids=["a"], member_case_ids=["m"]))
    assert scope.pages_filter() == {
        "bool": {
            "minimum_should_match": 1,
            "should": [
                {"terms": {"case_id": ["a"]}},
                {"bool": {"filter": [{"terms": {"case_id": ["m"]}}, {"term": {"visibility": "member"}}]}},
            ],
        }
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hearing", word("hearing")),
        ('"written warning"', {"multi_match": {"query": "written warning", "fields": ["text"], "type": "phrase"}}),
        ("dismiss*", {"multi_match": {"query": "dismiss", "fields": ["text"], "type": "phrase_prefix"}}),
    ],
)
def test_query_atoms(query: str, expected: dict) -> None:
    assert query_syntax.parse(query, ["text"]) == expected


def test_query_operators_nest_as_written() -> None:
    assert query_syntax.parse("(late OR absent) AND NOT sick -covid", ["text"]) == {
        "bool": {
            "must": [
                {"bool": {"should": [word("late"), word("absent")], "minimum_should_match": 1}},
                {"bool": {"must_not": [word("sick")]}},
                {"bool": {"must_not": [word("covid")]}},
            ]
        }
    }
    # Operators are upper case; lower-case "or" is a word like any other.
    assert query_syntax.parse("late or absent", ["text"])["bool"]["must"][1] == word("or")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"unclosed', "column 1"),
        ("(late OR absent", "cannot be read"),
        ("late)", "column 5"),
        ("a*", "at least 2 letters"),
        ("NOT late", "only excludes"),
        ('""', "Empty quotes"),
        ("   ", "empty"),
    ],
)
def test_bad_queries_say_where_and_why(query: str, message: str) -> None:
    with pytest.raises(query_syntax.QuerySyntaxError, match=message):
        query_syntax.parse(query, ["text"])


def test_cursor_round_trip_and_tampering() -> None:
    cursor = encode_cursor("date", [1700000000000, "e:1"])
    assert decode_cursor(cursor, "date") == [1700000000000, "e:1"]
    with pytest.raises(Problem):
        decode_cursor(cursor, "relevance")
    with pytest.raises(Problem):
        decode_cursor("not-a-cursor", "date")
    assert decode_cursor(encode_cursor("relevance", [40]), "relevance") == [40]
    for forged in ([-1], [10**9], [True], ["40"], [{"script": 1}, "x"]):
        with pytest.raises(Problem):
            decode_cursor(encode_cursor("relevance", forged), "relevance")


def test_anonymised_comparators_keep_only_structured_facts() -> None:
    doc = {
        "case_id": "c1",
        "reference": "CW-2026-000001",
        "sanction": "Mr Smith suspended",
        "employer": "Acme",
        "allegations": ["lateness"],
        "outcome": "dismissal",
        "hearing_date": "2026-03-14",
    }
    shown = anonymise(doc)
    assert set(shown) <= set(ANONYMOUS_FIELDS)
    assert shown == {"employer": "Acme", "allegations": ["lateness"], "outcome": "dismissal", "hearing_date": "2026-03"}


def test_labels() -> None:
    assert doc_type("application/pdf", "x.bin") == "pdf"
    assert doc_type("application/octet-stream", "Letter.DOCX") == "word"
    assert doc_type("", "notes") == "other"
    assert employer_key("ACME Ltd.") == employer_key("Acme Limited") == "acme"
    assert period_label(1743465600000, "quarter") == "2025-Q2"
    assert period_label(1743465600000, "month") == "2025-04"


def test_csv_neutralises_formulas() -> None:
    buckets = [{"period": "2025", "employer": "=HYPERLINK()", "case_type": "x", "outcome": "y", "count": 5}]
    assert to_csv({"buckets": buckets}).splitlines()[1] == "2025,'=HYPERLINK(),x,y,5"
