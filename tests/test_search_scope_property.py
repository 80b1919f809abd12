"""Property: whatever the cases, evidence and caller, no search hit, facet, comparator or
trend count comes from outside the caller's scope, and anonymised comparators carry only
structured facts. Hypothesis builds each world into fresh indices on the real
OpenSearch-compatible server and runs search's own query code against it; the scope is
generated directly (how workflow decides scopes is tested in test_access_matrix.py)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opensearchpy import OpenSearch

from casework.v1 import events_pb2
from casework_common.auth import Principal
from casework_search.comparators import ANONYMOUS_FIELDS, Comparators
from casework_search.evidence_search import EvidenceSearch, SearchParams
from casework_search.index_documents import case_document, employer_key, page_document
from casework_search.indices import CASES, PAGES, SPECS, Indices
from casework_search.scope import SearchScope
from casework_search.trends import TrendParams, Trends, period_label
from harness import Platform

pytestmark = pytest.mark.stack

EXAMPLES = 150
BRANCHES = {"north": "london", "south": "london", "mcr": "north-west"}
EMPLOYERS = ["Acme Ltd", "ACME Limited", "Globex", "Initech plc"]
WORDS = ["lateness", "hearing", "warning", "dismissal", "grievance", "bullying", "sickness", "rota"]
ALLEGATIONS = ["lateness", "absence", "conduct", "performance"]
OUTCOMES = ["written_warning", "final_written_warning", "dismissal", "no_case_to_answer"]
_serial = itertools.count()

cases_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "branch": st.sampled_from(sorted(BRANCHES)),
            "employer": st.sampled_from(EMPLOYERS),
            "sector": st.sampled_from(["", "health", "transport"]),
            "case_type": st.sampled_from(["disciplinary", "grievance"]),
            "allegations": st.lists(st.sampled_from(ALLEGATIONS), max_size=2, unique=True),
            "outcome": st.sampled_from(["", *OUTCOMES]),
            "sanction": st.sampled_from(["", "two weeks unpaid", "Mr Jones to be moved"]),
            "opened_on": st.dates(dt.date(2024, 1, 1), dt.date(2026, 11, 1)),
            "pages": st.lists(
                st.tuples(
                    st.lists(st.sampled_from(WORDS), min_size=1, max_size=6), st.sampled_from(["member", "reps"])
                ),
                max_size=3,
            ),
        }
    ),
    min_size=1,
    max_size=12,
)


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    cases = draw(cases_strategy)
    for i, case in enumerate(cases):
        case["id"] = f"case-{i:02d}"
        case["reference"] = f"CW-TEST-{i:06d}"
    ids = [c["id"] for c in cases]
    full = draw(st.sets(st.sampled_from(ids)))
    member = draw(st.sets(st.sampled_from(ids))) - full
    branches = draw(st.sets(st.sampled_from(sorted(BRANCHES)), max_size=1))  # a coordinator's branch
    role = draw(st.sampled_from(["member", "rep", "coordinator", "official", "caseworker", "admin"]))
    branch = draw(st.sampled_from(sorted(BRANCHES)))
    return {
        "cases": cases,
        "scope": SearchScope(frozenset(full), frozenset(member), frozenset(branches)),
        "principal": Principal(
            subject="s", username="u", roles=frozenset({role}), branch=branch, region=BRANCHES[branch]
        ),
        "query": " OR ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))),
        "employer_filter": draw(st.sampled_from([[], ["acme"], ["Globex"]])),
        "threshold": draw(st.integers(1, 3)),
        "period": draw(st.sampled_from(["month", "quarter", "year"])),
    }


def build(client: OpenSearch, world: dict[str, Any]) -> Indices:
    indices = Indices(client, f"prop-{next(_serial)}")
    new = {spec.name: indices.begin_rebuild(spec) for spec in SPECS}
    for case in world["cases"]:
        facts = events_pb2.CaseFacts(
            case_id=case["id"],
            reference=case["reference"],
            status="open",
            case_type=case["case_type"],
            branch=case["branch"],
            region=BRANCHES[case["branch"]],
            employer=case["employer"],
            sector=case["sector"],
            allegations=case["allegations"],
            outcome=case["outcome"],
            sanction=case["sanction"],
            opened_on=case["opened_on"].isoformat(),
            version=1,
        )
        indices.write_case(case_document(facts), 1, target=indices.building_alias(CASES))
        docs = []
        for n, (words, visibility) in enumerate(case["pages"], start=1):
            ref = events_pb2.EvidenceRef(
                evidence_id=f"{case['id']}-e",
                case_id=case["id"],
                branch=case["branch"],
                region=BRANCHES[case["branch"]],
                visibility=events_pb2.VISIBILITY_MEMBER if visibility == "member" else events_pb2.VISIBILITY_REPS,
                filename="letter.pdf",
                content_type="application/pdf",
            )
            docs.append(page_document(ref, n, " ".join(words)))
        if docs:
            indices.write_pages(docs, target=indices.building_alias(PAGES))
    for spec in SPECS:
        indices.finish_rebuild(spec, new[spec.name])
    client.indices.refresh(index=f"{indices.prefix}-*")
    return indices


@pytest.fixture(scope="module")
def client(platform: Platform) -> OpenSearch:
    return OpenSearch(hosts=[platform.url("opensearch")], timeout=30)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_nothing_comes_from_outside_the_callers_scope(client: OpenSearch, world: dict[str, Any]) -> None:
    indices = build(client, world)
    try:
        _check(client, indices, world)
    finally:
        client.indices.delete(index=f"{indices.prefix}-*")


def _check(client: OpenSearch, indices: Indices, world: dict[str, Any]) -> None:
    scope: SearchScope = world["scope"]
    by_id = {c["id"]: c for c in world["cases"]}

    def visible(case_id: str, visibility: str) -> bool:
        fully = case_id in scope.full or by_id[case_id]["branch"] in scope.branches
        return fully or (case_id in scope.member and visibility == "member")

    known = {c["id"] for c in world["cases"] if c["id"] in scope.full | scope.member or c["branch"] in scope.branches}

    # Search: every hit and every facet bucket is in scope; nothing in scope is missed.
    params = SearchParams(q=world["query"], size=50, employer=world["employer_filter"])
    result = EvidenceSearch(client, indices, 50).search(scope, params)
    wanted = set(world["query"].split(" OR "))
    expected = {
        (c["id"], n)
        for c in world["cases"]
        for n, (words, visibility) in enumerate(c["pages"], start=1)
        if visible(c["id"], visibility)
        and wanted & set(words)
        and (not world["employer_filter"] or employer_key(c["employer"]) == employer_key(world["employer_filter"][0]))
    }
    assert {(item["case_id"], item["page"]) for item in result["items"]} == expected
    assert result["total"] == len(expected)
    assert {b["value"] for b in result["facets"].get("case", [])} <= known
    assert sum(b["count"] for b in result["facets"].get("case", [])) == len(expected)

    # Comparators: in-scope results are the caller's cases; the rest are anonymised.
    for subject in sorted(c["id"] for c in world["cases"] if visible(c["id"], "reps"))[:2]:
        found = Comparators(client, indices, b"key").find(scope, subject, 50)
        for item in found["comparators"] + found["disparators"]:
            if item["in_scope"]:
                assert item["case"]["case_id"] in known
                continue
            assert set(item["case"]) <= set(ANONYMOUS_FIELDS)
            text = json.dumps(item)
            others = [c for c in world["cases"] if c["id"] not in known]
            for other in others:
                assert other["id"] not in text and other["reference"] not in text
                if other["sanction"] and other["sanction"] != by_id[subject]["sanction"]:  # ours may be quoted
                    assert other["sanction"] not in text

    # Trends: every bucket counts exactly the cases of the caller's level, and none is small.
    principal: Principal = world["principal"]
    trends = Trends(client, indices, world["threshold"])
    if principal.has("member"):
        with pytest.raises(Exception, match="union staff"):
            trends.count(principal, TrendParams())
        return
    counted = trends.count(principal, TrendParams(period=world["period"]))
    level = counted["level"]
    in_level = [
        c
        for c in world["cases"]
        if level == "national"
        or (level == "branch" and c["branch"] == principal.branch)
        or (level == "region" and BRANCHES[c["branch"]] == principal.region)
    ]
    truth = Counter(
        (
            period_label(
                int(dt.datetime.combine(c["opened_on"], dt.time(), dt.UTC).timestamp() * 1000), world["period"]
            ),
            c["employer"],
            c["case_type"],
            c["outcome"] or "(not recorded)",
        )
        for c in in_level
    )
    shown = {(b["period"], b["employer"], b["case_type"], b["outcome"]): b["count"] for b in counted["buckets"]}
    assert shown == {k: n for k, n in truth.items() if n >= world["threshold"]}
    assert counted["suppressed_buckets"] == sum(1 for n in truth.values() if n < world["threshold"])
