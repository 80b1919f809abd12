"""Pure logic of search: scope filters, the query language, cursors, anonymising, labels.
How these behave on a real OpenSearch-compatible server is tested end to end in tests/."""

import json

import pytest

from casework.v1 import workflow_pb2
from casework_common import typed_dates
from casework_common.problems import Problem
from casework_search import natural, query_syntax
from casework_search.comparators import ANONYMOUS_FIELDS, anonymise
from casework_search.evidence_search import corrected_query, decode_cursor, encode_cursor
from casework_search.index_documents import doc_type, employer_key
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
    # Operators are upper case; lower-case "or" is a common word, which never vetoes a page.
    assert query_syntax.parse("late or absent", ["text"]) == {
        "bool": {
            "must": [word("late"), word("absent")],
            "should": [{"match_phrase": {"text": {"query": "late or absent", "slop": natural.PROXIMITY_SLOP}}}],
        }
    }


def test_common_words_never_veto_and_alone_are_an_error() -> None:
    query = query_syntax.parse("letter from the employer", ["text"])
    assert query["bool"]["must"] == [word("letter"), word("employer")]
    # A part with no words that count drops out, wherever it is.
    assert query_syntax.parse("(the OR hearing) -from", ["text"]) == word("hearing")
    for common in ("the and of", "to be or not to be", "what should I do", "it's", "don’t", "- ?"):
        with pytest.raises(query_syntax.QuerySyntaxError, match="no words to search for"):
            query_syntax.parse(common, ["text"])
    # Everything the English analyser drops counts as common, so no clause is left without terms.
    assert natural.ENGLISH_STOP_WORDS <= natural.FUNCTION_WORDS
    assert not natural.is_function_word("May") and not natural.is_function_word("employer's")


def test_a_hyphenated_word_finds_either_spelling() -> None:
    assert query_syntax.parse("e-mail", ["text"]) == {
        "bool": {
            "should": [
                {"multi_match": {"query": "e-mail", "fields": ["text"], "type": "phrase"}},
                {"multi_match": {"query": "email", "fields": ["text"], "operator": "and"}},
            ],
            "minimum_should_match": 1,
        }
    }


@pytest.mark.parametrize(
    ("typed", "spelling"),
    [
        ("03/03/2026", "3 March 2026"),
        ("3.3.2026", "3 March 2026"),
        ("2026-03-03", "3 March 2026"),
        ("3rd March 2026", "03/03/2026"),
        ("3rd of March, 2026", "2026-03-03"),
        ("March 3rd, 2026.", "3 March 2026"),
        ("3 Mar", "3 March"),
        ("21 sept", "21st September"),
        ("29 February", "29 Feb"),
    ],
)
def test_typed_dates_are_searched_as_letters_spell_them(typed: str, spelling: str) -> None:
    (date,) = typed_dates.find(typed.split())
    assert spelling in date.spellings()
    assert (date.start, date.end) == (0, len(typed.split()))


@pytest.mark.parametrize("typed", ["31/02/2026", "3 marching", "March", "12 months", "13/13/2026", "3/3/26"])
def test_what_is_not_a_date(typed: str) -> None:
    assert typed_dates.find(typed.split()) == []


def test_fuzzy_loosens_words_but_not_numbers_phrases_or_prefixes() -> None:
    parsed = query_syntax.compile_query('hearng 2026 "written warning" dismis*', ["text"], fuzzy=True)
    must = parsed.query["bool"]["must"]
    assert must[0]["bool"]["must"] == [
        {"multi_match": {"query": "hearng", "fields": ["text"], "operator": "and", "fuzziness": "AUTO"}},
        word("2026"),
    ]
    assert [str(token) for token in parsed.fuzzed] == ["hearng"]
    assert not query_syntax.compile_query("2026", ["text"], fuzzy=True).fuzzed


def test_the_correction_comes_from_the_marked_words() -> None:
    fuzzed = query_syntax.compile_query("Overtme for disiplinary hearng?", ["text"], fuzzy=True).fuzzed
    highlights = ["the <mark>Disciplinary</mark> hearing", "<mark>overtime</mark> &amp; <mark>hearing</mark>"]
    assert (
        corrected_query("Overtme for disiplinary hearng?", fuzzed, highlights) == "overtime for disciplinary hearing?"
    )
    # A word nothing marked resembles stays as typed.
    assert corrected_query("Overtme for disiplinary hearng?", fuzzed, []) == "Overtme for disiplinary hearng?"


@pytest.mark.parametrize(
    ("query", "marked", "expected"),
    [
        # The apostrophe typed is not the one marked: the correction replaces the word, never raises.
        ("o‘brein letter", "o'brien", "o'brien letter"),
        # "İ".lower() is two characters: the correction still replaces exactly the typed word.
        ("İnvestgation notes", "investigation", "investigation notes"),
        ("(‘hearng’)", "hearing", "(‘hearing’)"),
    ],
)
def test_the_correction_replaces_the_typed_word_however_it_is_spelled(query: str, marked: str, expected: str) -> None:
    fuzzed = query_syntax.compile_query(query, ["text"], fuzzy=True).fuzzed
    assert corrected_query(query, fuzzed, [f"<mark>{marked}</mark>"]) == expected


def test_negated_words_are_never_loosened_nor_corrected() -> None:
    for query in (
        "hearng -dismisal",
        "hearng NOT dismisal",
        "hearng -(dismisal OR apeal)",
        "hearng NOT (dismisal apeal)",
    ):
        parsed = query_syntax.compile_query(query, ["text"], fuzzy=True)
        must_not = parsed.query["bool"]["must"][1]["bool"]["must_not"][0]
        assert "fuzziness" not in json.dumps(must_not), query
        assert [str(token) for token in parsed.fuzzed] == ["hearng"], query
    fuzzed = query_syntax.compile_query("hearing -dismisal", ["text"], fuzzy=True).fuzzed
    assert corrected_query("hearing -dismisal", fuzzed, ["<mark>dismissal</mark>"]) == "hearing -dismisal"


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
