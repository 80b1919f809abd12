"""Pure logic of document facts in search: the fields each page gets, the typed-date and kind
parameters, and the filters they become. Their behaviour on a real server: tests/test_document_facts_search.py."""

import datetime as dt

import pytest
from pydantic import ValidationError

from casework.v1 import events_pb2, workflow_pb2
from casework_common import typed_dates
from casework_search.evidence_search import EvidenceSearch, SearchParams
from casework_search.index_documents import facts_fields, facts_from_record, page_document
from casework_search.scope import SearchScope


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("1 March 2026", dt.date(2026, 3, 1)),
        ("3rd March 2026", dt.date(2026, 3, 3)),
        ("March 3, 2026", dt.date(2026, 3, 3)),
        ("03/03/2026", dt.date(2026, 3, 3)),
        ("3/4/2026", dt.date(2026, 4, 3)),  # day first
        ("3.3.2026", dt.date(2026, 3, 3)),
        ("2026-03-03", dt.date(2026, 3, 3)),
        ("29 February 2028", dt.date(2028, 2, 29)),
    ],
)
def test_a_day_as_people_type_it(typed: str, day: dt.date) -> None:
    assert typed_dates.parse_day(typed) == day


@pytest.mark.parametrize("typed", ["3 March", "31/02/2026", "29 February 2026", "yesterday", "", "3 March 2026 on"])
def test_anything_else_is_refused_with_a_sentence(typed: str) -> None:
    with pytest.raises(ValueError, match=r"[A-Z].*\."):
        typed_dates.parse_day(typed)


def test_kinds_repeat_or_are_comma_separated_and_must_be_in_the_vocabulary() -> None:
    assert SearchParams.model_validate({"q": "x", "kind": ["email", "warning"]}).kind == ["email", "warning"]
    assert SearchParams.model_validate({"q": "x", "kind": "email, warning"}).kind == ["email", "warning"]
    with pytest.raises(ValidationError) as refused:
        SearchParams.model_validate({"q": "x", "kind": "email,memo"})
    assert [e["loc"] for e in refused.value.errors()] == [("kind", 1)]


def test_a_document_date_range_ends_after_it_starts() -> None:
    params = SearchParams.model_validate({"q": "x", "document_from": "1 March 2026", "document_to": "03/03/2026"})
    assert (params.document_from, params.document_to) == (dt.date(2026, 3, 1), dt.date(2026, 3, 3))
    with pytest.raises(ValidationError) as refused:
        SearchParams.model_validate({"q": "x", "document_from": "5 March 2026", "document_to": "1 March 2026"})
    assert [e["loc"] for e in refused.value.errors()] == [("document_to",)]
    with pytest.raises(ValidationError) as refused:
        SearchParams.model_validate({"q": "x", "document_from": "3" * 61})
    assert [e["loc"] for e in refused.value.errors()] == [("document_from",)]


def test_the_filters_follow_the_scope_and_include_both_ends() -> None:
    scope = SearchScope.from_proto(workflow_pb2.Scope(case_ids=["a"]))
    params = SearchParams.model_validate(
        {"q": "x", "kind": "invitation", "document_from": "1 March 2026", "document_to": "3 March 2026"}
    )
    body = EvidenceSearch(None, None, 20).build(scope, params, None, {"match_all": {}})  # type: ignore[arg-type]
    filters = body["query"]["bool"]["filter"]
    assert filters[0] == scope.pages_filter()
    assert {"terms": {"document_kind": ["invitation"]}} in filters
    assert {"range": {"document_date": {"gte": "2026-03-01", "lte": "2026-03-03"}}} in filters
    assert body["aggs"]["kinds"] == {"terms": {"field": "document_kind", "size": 14}}


def test_each_page_carries_its_items_facts_and_an_undated_item_its_upload_day() -> None:
    ref = events_pb2.EvidenceRef(evidence_id="e", case_id="c", filename="a.pdf", content_type="application/pdf")
    ref.uploaded_at.FromJsonString("2026-04-01T10:00:00Z")
    read = events_pb2.DocumentFacts(date="2026-03-03", title="Invitation", kind=events_pb2.DOCUMENT_KIND_INVITATION)
    page = page_document(ref, 2, "text", None, read)
    assert (page["document_date"], page["document_kind"], page["title"]) == ("2026-03-03", "invitation", "Invitation")
    assert facts_fields(events_pb2.DocumentFacts(), "2026-04-01T10:00:00Z") == {
        "document_date": "2026-04-01",
        "document_kind": None,
        "title": None,
    }
    assert facts_fields(None, "2026-04-01T10:00:00Z")["document_date"] == "2026-04-01"
    assert facts_fields(events_pb2.DocumentFacts(date="03/03/2026"), None)["document_date"] is None
    assert facts_fields(events_pb2.DocumentFacts(kind=999), None)["document_kind"] is None  # a newer producer's


def test_a_rebuild_reads_the_facts_of_intakes_record() -> None:
    facts = facts_from_record({"date": "2026-03-05", "date_source": "rep", "title": "T", "kind": "outcome_letter"})
    assert facts is not None
    assert facts_fields(facts, None) == {"document_date": "2026-03-05", "document_kind": "outcome_letter", "title": "T"}
    assert facts_from_record(None) is None
    unknown = facts_from_record({"date": "2026-03-05", "title": None, "kind": None})
    assert unknown is not None and facts_fields(unknown, None)["document_kind"] is None
