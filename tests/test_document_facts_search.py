"""Document facts in search (docs/design.md, 'Search, comparators and trends'): each page carries
its item's date, kind and title; ``document_from``/``document_to`` (dates as people type them) and
``kind`` filter on them, the ``kinds`` facet counts pages per kind, and a rep's correction (PATCH on
intake, then EvidenceFactsChanged through intake's outbox) reaches the index, also when it was made
before the file was read. Facets count only what the caller may see: a rep of another branch and the
member of another case get no counts at all, the case's own member none for reps-only items."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

import testdocs
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

MARIA = "M100001"
MARK = "M100002"
PROBLEM = "application/problem+json"


def letter(marker: str) -> list[str]:
    return [
        "Metro Transit Ltd, Human Resources",
        "Depot Road, London N1 4AB",
        "3 March 2026",
        "Dear Ms Okafor,",
        "Re: Invitation to a disciplinary hearing",
        "You are required to attend a disciplinary hearing on 14 March 2026",
        f"to answer allegations of persistent lateness (reference {marker}).",
        "You may be accompanied by your trade union representative.",
        "Yours sincerely, J. Smith, HR Manager",
    ]


def wait_until(check: Any, timeout_s: float = 60.0) -> Any:
    """``check()`` once it is truthy, or its last (falsy) value after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.25)


def upload(platform: Platform, case_id: str, name: str, data: bytes, mime: str, visibility: str = "member") -> str:
    response = platform.upload("rachel", case_id, [(name, data, mime)], visibility=visibility)
    assert response.status_code == 201, response.text
    return response.json()["items"][0]["id"]


def record(platform: Platform, evidence_id: str) -> dict[str, Any]:
    response = platform.call("rachel", "GET", "intake", f"/v1/evidence/{evidence_id}")
    assert response.status_code == 200, response.text
    return response.json()


def search(platform: Platform, user: str, query: str, **params: Any) -> dict[str, Any]:
    response = platform.search(user, query, **params)
    assert response.status_code == 200, response.text
    return response.json()


def items(body: dict[str, Any]) -> set[str]:
    return {item["evidence_id"] for item in body["items"]}


def kinds(body: dict[str, Any]) -> dict[str, int]:
    return {bucket["value"]: bucket["count"] for bucket in body["facets"].get("kinds", [])}


@pytest.fixture(scope="module")
def corpus(platform: Platform) -> dict[str, Any]:
    """Maria's case: a dated letter and an email (member-visible) and a reps-only note nothing
    dates; one marker word in each, so queries see only these."""
    marker = testdocs.fresh_word()
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    ids = {
        "letter": upload(platform, case["id"], "invitation.pdf", testdocs.text_pdf(letter(marker)), "application/pdf"),
        "email": upload(
            platform,
            case["id"],
            "appeal.eml",
            testdocs.eml(
                "Appeal against written warning",
                ["Dear Maria,", f"We have received your appeal ({marker}) and will arrange a hearing.", "HR Team"],
            ),
            "message/rfc822",
        ),
        "note": upload(
            platform,
            case["id"],
            "rep-notes.txt",
            f"Rep notes {marker}: the manager never explained the new rota to the night shift.\n".encode(),
            "text/plain",
            visibility="reps",
        ),
    }
    read = {name: platform.wait_for_status("rachel", evidence_id, timeout_s=240) for name, evidence_id in ids.items()}
    for name, item in read.items():
        assert item["status"] == "indexed", (name, item["status"], item["status_reason"])
    return {"marker": marker, "case": case, "ids": ids, "read": read}


def test_each_hit_carries_its_documents_facts(platform: Platform, corpus: dict[str, Any]) -> None:
    body = search(platform, "rachel", corpus["marker"])
    assert items(body) == set(corpus["ids"].values())
    by_item = {item["evidence_id"]: item for item in body["items"]}
    for name, evidence_id in corpus["ids"].items():
        facts = corpus["read"][name]["facts"]
        hit = by_item[evidence_id]
        assert (hit["document_date"], hit["document_kind"], hit["title"]) == (
            facts["date"],
            facts["kind"],
            facts["title"],
        ), (name, hit, facts)
    letter_facts, email_facts = corpus["read"]["letter"]["facts"], corpus["read"]["email"]["facts"]
    assert letter_facts["date"] == "2026-03-03" and letter_facts["kind"] == "invitation", letter_facts
    assert email_facts["date"] == "2026-03-02", email_facts
    # Nothing dated the note: it is found by the day it was uploaded, as the case page shows it.
    note = corpus["read"]["note"]
    assert by_item[corpus["ids"]["note"]]["document_date"] == note["uploaded_at"][:10]


def test_document_dates_as_people_type_them(platform: Platform, corpus: dict[str, Any]) -> None:
    m, ids = corpus["marker"], corpus["ids"]
    march = search(platform, "rachel", m, document_from="1 March 2026", document_to="03/03/2026")
    assert items(march) == {ids["letter"], ids["email"]}
    # Both ends are included; a day on its own is a one-day range.
    assert items(search(platform, "rachel", m, document_from="3rd March 2026", document_to="2026-03-03")) == {
        ids["letter"]
    }
    assert items(search(platform, "rachel", m, document_to="March 2, 2026")) == {ids["email"]}
    # From the letter's day on: the letter and the note (dated by its upload, this year or later).
    assert items(search(platform, "rachel", m, document_from="3.3.2026")) == {ids["letter"], ids["note"]}
    assert items(search(platform, "rachel", m, document_from="4 March 2026", document_to="1/4/2026")) == set()


def test_kind_filter_and_kinds_facet(platform: Platform, corpus: dict[str, Any]) -> None:
    m, ids, read = corpus["marker"], corpus["ids"], corpus["read"]
    expected: Counter[str] = Counter()
    for name in ids:
        expected[read[name]["facts"]["kind"]] += read[name]["pages_total"]
    body = search(platform, "rachel", m)
    assert kinds(body) == dict(expected)
    labels = {bucket["value"]: bucket["label"] for bucket in body["facets"]["kinds"]}
    assert labels["invitation"] == "Invitation to a meeting"
    assert items(search(platform, "rachel", m, kind="invitation")) == {ids["letter"]}
    email_kind = read["email"]["facts"]["kind"]
    both = {ids["letter"], ids["email"]} | {ids[n] for n in ids if read[n]["facts"]["kind"] == email_kind}
    # Repeated or comma-separated, the same filter.
    assert items(search(platform, "rachel", m, kind=["invitation", email_kind])) == both
    assert items(search(platform, "rachel", m, kind=f"invitation,{email_kind}")) == both
    # Filters combine: an invitation dated in February does not exist here.
    assert search(platform, "rachel", m, kind="invitation", document_to="28/02/2026")["total"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "memo"}, "kind.0"),
        ({"kind": "invitation,memo"}, "kind.1"),
        ({"document_from": "3 March"}, "document_from"),
        ({"document_from": "yesterday"}, "document_from"),
        ({"document_to": "31/02/2026"}, "document_to"),
        ({"document_to": "3" * 100}, "document_to"),
        ({"document_from": "5 March 2026", "document_to": "1 March 2026"}, "document_to"),
    ],
)
def test_a_wrong_kind_or_date_is_a_422_problem(
    platform: Platform, corpus: dict[str, Any], params: dict[str, str], field: str
) -> None:
    response = platform.search("rachel", corpus["marker"], **params)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)
    assert field in {error["field"] for error in response.json()["errors"]}, response.json()


def test_facets_never_count_what_the_caller_cannot_see(platform: Platform, corpus: dict[str, Any]) -> None:
    m, ids, read = corpus["marker"], corpus["ids"], corpus["read"]
    # The case's member: the member-visible items only, and the counts agree.
    maria = search(platform, "maria", m)
    assert items(maria) == {ids["letter"], ids["email"]}
    assert sum(kinds(maria).values()) == maria["total"] == read["letter"]["pages_total"] + read["email"]["pages_total"]
    # A member of another case (she has one of her own, in the same branch) and a rep of another
    # branch: nothing, not even counts, whatever the filters.
    platform.create_case("rachel", MARK, name="Mark Member")
    for outsider in ("mark", "ravi"):
        for params in ({}, {"kind": "invitation"}, {"document_from": "1 March 2026"}):
            body = search(platform, outsider, m, **params)
            assert body["total"] == 0 and body["items"] == [], (outsider, params)
            assert kinds(body) == {} and not any(body["facets"].values()), (outsider, params, body["facets"])


def test_a_reps_correction_reaches_the_index(platform: Platform, corpus: dict[str, Any]) -> None:
    m, ids, read = corpus["marker"], corpus["ids"], corpus["read"]
    new_kind = next(
        k for k in ("grievance", "appeal", "contract") if k not in {f["facts"]["kind"] for f in read.values()}
    )
    response = platform.call("rachel", "PATCH", "intake", f"/v1/evidence/{ids['email']}/facts", json={"kind": new_kind})
    assert response.status_code == 200, response.text
    found = wait_until(lambda: items(search(platform, "rachel", m, kind=new_kind)))
    assert found == {ids["email"]}
    body = search(platform, "rachel", m)
    assert kinds(body)[new_kind] == read["email"]["pages_total"]
    old_kind = read["email"]["facts"]["kind"]
    assert ids["email"] not in items(search(platform, "rachel", m, kind=old_kind))
    # A date and title typed as people type them, on every page of the letter.
    response = platform.call(
        "rachel",
        "PATCH",
        "intake",
        f"/v1/evidence/{ids['letter']}/facts",
        json={"date": "10/04/2026", "title": "Invitation (second copy)"},
    )
    assert response.status_code == 200, response.text
    found = wait_until(
        lambda: items(search(platform, "rachel", m, document_from="10 April 2026", document_to="10/04/2026"))
    )
    assert found == {ids["letter"]}
    hit = next(i for i in search(platform, "rachel", m)["items"] if i["evidence_id"] == ids["letter"])
    assert (hit["document_date"], hit["title"], hit["document_kind"]) == (
        "2026-04-10",
        "Invitation (second copy)",
        "invitation",
    )
    # The member sees the correction on her item too; the outsider still sees nothing.
    assert ids["email"] in items(search(platform, "maria", m, kind=new_kind))
    assert search(platform, "ravi", m, kind=new_kind)["total"] == 0


def test_a_correction_made_while_the_file_is_read_is_kept(platform: Platform, corpus: dict[str, Any]) -> None:
    """Corrected straight after the upload, usually before search has the pages: intake says the
    facts again once the item is indexed, so the index ends with the rep's kind, not the reading's."""
    marker = testdocs.fresh_word()
    evidence_id = upload(
        platform,
        corpus["case"]["id"],
        "terms.pdf",
        testdocs.text_pdf(["Terms and conditions of employment", f"Clause 4 ({marker}): hours of work are 37 a week."]),
        "application/pdf",
    )
    response = platform.call("rachel", "PATCH", "intake", f"/v1/evidence/{evidence_id}/facts", json={"kind": "payslip"})
    assert response.status_code == 422  # not a kind: the vocabulary's name is pay_record
    response = platform.call(
        "rachel", "PATCH", "intake", f"/v1/evidence/{evidence_id}/facts", json={"kind": "pay_record"}
    )
    assert response.status_code == 200, response.text
    assert platform.wait_for_status("rachel", evidence_id, timeout_s=240)["status"] == "indexed"
    assert record(platform, evidence_id)["facts"]["kind"] == "pay_record"
    found = wait_until(lambda: items(search(platform, "rachel", marker, kind="pay_record")))
    assert found == {evidence_id}
    assert wait_until(lambda: kinds(search(platform, "rachel", marker)) == {"pay_record": 1})


def test_case_and_kind_facets_of_another_members_case_stay_apart(platform: Platform) -> None:
    """A second case with its own marker: Maria (member of the first case only) gets no counts."""
    marker = testdocs.fresh_word()
    other = platform.create_case("rachel", unique_number(), name="Other Member")
    evidence_id = upload(
        platform, other["id"], "other.pdf", testdocs.text_pdf(letter(marker)), "application/pdf", visibility="member"
    )
    assert platform.wait_for_status("rachel", evidence_id, timeout_s=240)["status"] == "indexed"
    assert kinds(search(platform, "rachel", marker)) != {}
    maria = search(platform, "maria", marker)
    assert maria["total"] == 0 and kinds(maria) == {} and not any(maria["facets"].values())
