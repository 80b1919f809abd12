"""Evidence search on the real servers: query syntax, filters, facets, highlights,
search_after pagination, the cases index following case changes, the gRPC API, and a
rebuild with an alias swap. Results are compared as sets (osmem's ranking means nothing)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import grpc
import pytest

import testdocs
from casework.v1 import search_pb2, search_pb2_grpc
from harness import Platform, unique_number

MARIA = "M100001"

pytestmark = pytest.mark.stack


def ids(response_json: dict[str, Any]) -> set[tuple[str, int]]:
    return {(item["evidence_id"], item["page"]) for item in response_json["items"]}


def wait_until(check: Any, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def upload_indexed(platform: Platform, user: str, case_id: str, name: str, data: bytes, mime: str, **kw: Any) -> str:
    response = platform.upload(user, case_id, [(name, data, mime)], **kw)
    assert response.status_code == 201, response.text
    evidence_id = response.json()["items"][0]["id"]
    assert platform.wait_for_status(user, evidence_id)["status"] == "indexed"
    return evidence_id


@pytest.fixture(scope="module")
def corpus(platform: Platform) -> dict[str, Any]:
    """Two of Rachel's cases at different employers, with a PDF, an HTML page and a
    reps-only letter, all carrying one marker word so queries see only this corpus."""
    marker = testdocs.fresh_word()
    employer = f"Searchco {uuid.uuid4().hex[:6]} Ltd"
    case_a = platform.create_case(
        "rachel",
        MARIA,
        name="Maria Okafor",
        member={"name": "Maria Okafor", "membership_number": MARIA, "employer": employer},
        allegations=["lateness"],
    )
    case_b = platform.create_case("rachel", unique_number(), case_type="grievance")
    docs = {
        "warning": upload_indexed(
            platform,
            "rachel",
            case_a["id"],
            "warning.pdf",
            testdocs.text_pdf([f"{marker} final written warning for lateness", "the hearing was adjourned"]),
            "application/pdf",
            visibility="member",
        ),
        "policy": upload_indexed(
            platform,
            "rachel",
            case_a["id"],
            "policy.html",
            testdocs.html([f"{marker} attendance policy", "dismissal for repeated lateness"]),
            "text/html",
            visibility="member",
        ),
        "notes": upload_indexed(
            platform,
            "rachel",
            case_a["id"],
            "rep-notes.pdf",
            testdocs.text_pdf([f"{marker} rep notes: the written statement is weak"]),
            "application/pdf",
            visibility="reps",
        ),
        "grievance": upload_indexed(
            platform,
            "rachel",
            case_b["id"],
            "grievance.pdf",
            testdocs.text_pdf([f"{marker} grievance about workload and bullying"]),
            "application/pdf",
        ),
    }
    return {"marker": marker, "employer": employer, "a": case_a, "b": case_b, "docs": docs}


def found(platform: Platform, user: str, query: str, **params: Any) -> set[str]:
    response = platform.search(user, query, **params)
    assert response.status_code == 200, response.text
    return {item["evidence_id"] for item in response.json()["items"]}


def test_query_syntax(platform: Platform, corpus: dict[str, Any]) -> None:
    m, d = corpus["marker"], corpus["docs"]
    assert found(platform, "rachel", m) == set(d.values())
    assert found(platform, "rachel", f'{m} "written warning"') == {d["warning"]}
    assert found(platform, "rachel", f'{m} "warning written"') == set()  # phrases keep their order
    assert found(platform, "rachel", f"{m} written") == {d["warning"], d["notes"]}
    assert found(platform, "rachel", f"{m} AND (bullying OR adjourned)") == {d["warning"], d["grievance"]}
    assert found(platform, "rachel", f"{m} NOT lateness") == {d["notes"], d["grievance"]}
    assert found(platform, "rachel", f"{m} -lateness -grievance") == {d["notes"]}
    assert found(platform, "rachel", f"{m} dismis*") == {d["policy"]}
    assert found(platform, "rachel", f"{m} adjourning") == {d["warning"]}  # English stemming


@pytest.mark.parametrize(
    ("query", "where"),
    [('"written warning', "column"), ("lateness AND", "column"), ("(late", "column"), ("NOT late", "excludes")],
)
def test_a_malformed_query_is_a_precise_422(platform: Platform, query: str, where: str) -> None:
    response = platform.search("rachel", query)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["field"] == "q" and where in problem["detail"]


def test_filters(platform: Platform, corpus: dict[str, Any]) -> None:
    m, d, a, b = corpus["marker"], corpus["docs"], corpus["a"], corpus["b"]
    everything = set(d.values())
    assert found(platform, "rachel", m, case_id=b["id"]) == {d["grievance"]}
    assert found(platform, "rachel", m, case_type="grievance") == {d["grievance"]}
    # Employer names match however they are typed.
    typed_differently = corpus["employer"].upper().replace("LTD", "Limited")
    assert found(platform, "rachel", m, employer=typed_differently) == everything - {d["grievance"]}
    assert found(platform, "rachel", m, doc_type="text") == {d["policy"]}
    assert found(platform, "rachel", m, doc_type=["text", "pdf"]) == everything
    assert found(platform, "rachel", m, branch="north-london", region="london") == everything
    assert found(platform, "rachel", m, branch="south-london") == set()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert found(platform, "rachel", m, uploaded_from=today, uploaded_to=today) == everything
    assert found(platform, "rachel", m, uploaded_to="2020-01-01") == set()
    # A case filter can only narrow: someone else's case id gives nothing, not that case.
    assert found(platform, "ravi", m, case_id=a["id"]) == set()
    bad = platform.search("rachel", m, doc_type="spreadsheets", uploaded_from="yesterday")
    assert bad.status_code == 422
    assert {e["field"].split(".")[0] for e in bad.json()["errors"]} == {"doc_type", "uploaded_from"}


def test_facets_count_what_the_caller_may_see(platform: Platform, corpus: dict[str, Any]) -> None:
    m, a, b = corpus["marker"], corpus["a"], corpus["b"]
    body = platform.search("rachel", m).json()
    facets = {
        name: {bucket["value"]: bucket["count"] for bucket in buckets} for name, buckets in body["facets"].items()
    }
    assert facets["doc_type"] == {"pdf": 3, "text": 1}
    assert facets["case"] == {a["id"]: 3, b["id"]: 1}
    assert {bucket["label"] for bucket in body["facets"]["case"]} == {a["reference"], b["reference"]}
    assert facets["case_type"] == {"disciplinary": 3, "grievance": 1}
    assert facets["employer"][corpus["employer"]] == 3
    assert facets["branch"] == {"north-london": 4}
    # Maria sees her case's member-visible documents only, and the facets agree.
    maria = platform.search("maria", m).json()
    assert maria["total"] == 2
    assert {b["value"]: b["count"] for b in maria["facets"]["case"]} == {a["id"]: 2}
    # Another branch's rep: nothing, not even counts.
    ravi = platform.search("ravi", m).json()
    assert ravi["total"] == 0 and ravi["items"] == [] and not any(ravi["facets"].values())


def test_highlights_name_the_page(platform: Platform, corpus: dict[str, Any]) -> None:
    body = platform.search("rachel", f'{corpus["marker"]} "written warning"').json()
    (item,) = body["items"]
    assert item["page"] == 1 and item["filename"] == "warning.pdf" and item["doc_type"] == "pdf"
    assert any("<mark>written</mark>" in h and "<mark>warning</mark>" in h for h in item["highlights"])


def test_the_answer_says_how_long_the_scope_and_the_index_took(platform: Platform, corpus: dict[str, Any]) -> None:
    response = platform.search("rachel", f'{corpus["marker"]} "written warning"')
    parts = dict(part.strip().split(";dur=") for part in response.headers["Server-Timing"].split(","))
    # scope: what was left to wait for of workflow's answer after the query (0 once it came first)
    assert sorted(parts) == ["index", "scope"] and float(parts["index"]) > 0 and float(parts["scope"]) >= 0


def test_search_after_pages_through_everything_once(platform: Platform) -> None:
    marker = testdocs.fresh_word()
    case = platform.create_case("rachel", unique_number())
    files = [(f"p{i}.pdf", testdocs.text_pdf([f"{marker} letter number {i}"]), "application/pdf") for i in range(7)]
    response = platform.upload("rachel", case["id"], files)
    assert response.status_code == 201, response.text
    for item in response.json()["items"]:
        assert platform.wait_for_status("rachel", item["id"])["status"] == "indexed"
    expected = {item["id"] for item in response.json()["items"]}
    for sort in ("relevance", "date"):
        seen: list[str] = []
        cursor = None
        for _ in range(10):  # 7 items, 3 a page: a cursor that does not advance fails, not hangs
            params = {"size": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
            body = platform.search("rachel", marker, **params).json()
            assert body["total"] == 7
            seen += [item["evidence_id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(expected), f"sort={sort}: a page was repeated or skipped"
    newest_first = [i["uploaded_at"] for i in platform.search("rachel", marker, sort="date", size=7).json()["items"]]
    assert newest_first == sorted(newest_first, reverse=True)
    forged = base64.urlsafe_b64encode(json.dumps(["relevance", [{"script": 1}, "x"]]).encode()).decode()
    for cursor in (forged, "nonsense"):
        response = platform.search("rachel", marker, cursor=cursor)
        assert response.status_code == 400 and "cursor" in response.json()["detail"]


def test_case_facts_follow_changes(platform: Platform, corpus: dict[str, Any]) -> None:
    """The cases index is fed by case.events: a new employer is searchable by that name."""
    m, b = corpus["marker"], corpus["b"]
    renamed = f"Renamed {uuid.uuid4().hex[:6]} plc"
    response = platform.call(
        "rachel", "PATCH", "workflow", f"/v1/cases/{b['id']}", json={"member": {"employer": renamed}}
    )
    assert response.status_code == 200, response.text
    assert wait_until(lambda: found(platform, "rachel", m, employer=renamed) == {corpus["docs"]["grievance"]})


def test_unauthenticated_and_admins_find_nothing(platform: Platform, corpus: dict[str, Any]) -> None:
    response = platform.search(None, corpus["marker"])
    assert response.status_code == 401 and response.headers["Content-Type"] == "application/problem+json"
    assert platform.search("ada", corpus["marker"]).json()["total"] == 0


def grpc_search(platform: Platform, token: str | None, **fields: Any) -> search_pb2.SearchResponse:
    with grpc.insecure_channel(f"127.0.0.1:{platform.config.ports['search_grpc']}") as channel:
        metadata = (("authorization", f"Bearer {token}"),) if token else ()
        return search_pb2_grpc.SearchStub(channel).Search(
            search_pb2.SearchRequest(**fields), metadata=metadata, timeout=10
        )


def test_grpc_search_answers_like_rest(platform: Platform, corpus: dict[str, Any]) -> None:
    m = corpus["marker"]
    for user in ("rachel", "maria", "ravi"):
        reply = grpc_search(platform, platform.token(user), q=m, size=20)
        assert {hit.evidence_id for hit in reply.items} == found(platform, user, m), user
    reply = grpc_search(platform, platform.token("rachel"), q=m, doc_type=["text"])
    assert [hit.filename for hit in reply.items] == ["policy.html"]
    assert {b.value: b.count for b in reply.facets["doc_type"].buckets} == {"text": 1}
    with pytest.raises(grpc.RpcError) as unauthenticated:
        grpc_search(platform, None, q=m)
    assert unauthenticated.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as bad:
        grpc_search(platform, platform.token("rachel"), q='"unclosed')
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "column" in bad.value.details()


def test_rebuild_swaps_aliases_without_losing_or_leaking(platform: Platform, corpus: dict[str, Any]) -> None:
    m = corpus["marker"]
    before = {user: found(platform, user, m) for user in ("rachel", "maria", "ravi")}
    status = platform.call("ada", "GET", "search", "/v1/admin/reindex").json()
    assert platform.call("rachel", "POST", "search", "/v1/admin/reindex").status_code == 403
    response = platform.call("ada", "POST", "search", "/v1/admin/reindex")
    assert response.status_code == 202
    answers = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # search keeps answering, with the same results, during the rebuild
        answers.append(found(platform, "rachel", m))
        now = platform.call("ada", "GET", "search", "/v1/admin/reindex").json()
        if now["completed"] > status["completed"]:
            break
    assert now["completed"] > status["completed"], "the rebuild did not finish in 60 s"
    assert all(answer == before["rachel"] for answer in answers)
    assert set(now["indices"]) == set(status["indices"])
    for alias, index in now["indices"].items():
        assert index != status["indices"][alias] and index.startswith(alias + "-v")
    assert {user: found(platform, user, m) for user in before} == before
