"""Search as people type it, on the real servers: sentences with common words, plurals,
punctuation, case, hyphens, apostrophes, dates in the forms people type them, a misspelling
found by the fuzzy retry, and negatives, over generated documents of one case. Each query is
narrowed to that case (case_id), so other tests' documents never count; results are sets
(osmem's ranking means nothing)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

import testdocs
from casework.v1 import search_pb2, search_pb2_grpc
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

# A disciplinary invitation as employers write them, a paragraph to a few lines.
INVITATION = [
    "Metro Transit Ltd, Human Resources, Riverside Depot",
    "PRIVATE AND CONFIDENTIAL",
    "Dear Ms Okafor,",
    "Invitation to a disciplinary hearing",
    "I am writing on behalf of your employer to invite you to a disciplinary",
    "hearing on 3 March 2026 at 10:00 in the meeting room at Riverside Depot.",
    "The hearing will consider the allegation that you arrived late for your",
    "shift on six occasions between November and January, contrary to the",
    "attendance policy. A copy of the investigation report is enclosed.",
    "You have the right to be accompanied by a trade union representative or",
    "a work colleague. Please confirm by e-mail who will accompany you.",
    "If the allegation is upheld, the outcome may be a final written warning.",
    "Please keep this letter for your records.",
    "Yours sincerely, Daniel Hughes, HR Manager",
]
DOCUMENTS = {
    "invitation": INVITATION,
    "warning": [
        "Confirmation of a first written warning issued on 12 January 2026",
        "for unauthorised absence from a rostered shift.",
    ],
    "phone": ["Notes of a phone call: the depot manager sent an email about the rota."],
    "grievance": ["Grievance about the employer's handling of overtime payments."],
    # Names as letters spell them, accents and a typographic apostrophe included.
    "meeting": ["Dear Zoë,", "Minutes of the meeting with Zoë Müller-O’Brien’s rep and Mr Núñez about the rota."],
    # Found by its file name's words only: the text says neither "payslip" nor "April".
    "Payslip_April_2026": ["Gross pay and deductions for the month."],
}

# (query as typed, the documents it finds, whether the fuzzy retry found them)
NATURAL = [
    ("letter from the employer", {"invitation"}, False),
    ("invite you to a hearing", {"invitation"}, False),
    ("what should I do before the hearing", {"invitation"}, False),
    ("hearing disciplinary", {"invitation"}, False),
    ("DISCIPLINARY Hearing", {"invitation"}, False),
    ("hearing, 3 March?", {"invitation"}, False),
    ("overtime!", {"grievance"}, False),
    ("warnings", {"invitation", "warning"}, False),
    ("employer's overtime", {"grievance"}, False),
    ("employer’s overtime", {"grievance"}, False),
    ("e-mail", {"invitation", "phone"}, False),
    ("3 March", {"invitation"}, False),
    ("3rd March", {"invitation"}, False),
    ("03/03/2026", {"invitation"}, False),
    ("3/3/2026", {"invitation"}, False),
    ("3rd March 2026", {"invitation"}, False),
    ("March 3, 2026", {"invitation"}, False),
    ("2026-03-03", {"invitation"}, False),
    ("absence on 12/01/2026", {"warning"}, False),
    ('"written warning"', {"invitation", "warning"}, False),
    ('"warning written"', set(), False),
    ("overtme payments", {"grievance"}, True),
    ("disiplinary", {"invitation"}, True),
    ("Zoe", {"meeting"}, False),
    ("zoë", {"meeting"}, False),
    ("Nunez", {"meeting"}, False),
    ("muller", {"meeting"}, False),
    ("O'Brien", {"meeting"}, False),
    ("o’brien", {"meeting"}, False),
    ("Müller-O'Brien", {"meeting"}, False),
    ("payslip", {"Payslip_April_2026"}, False),
    ("payslips for April", {"Payslip_April_2026"}, False),
    # Every page with "hearing" also says "disciplinary": nothing, and no loosened "hearing" ("dear").
    ("hearing NOT disciplinary", set(), False),
    ("pineapple submarine", set(), False),
    ("letter from the council", set(), False),
    ("hearing on 4 March", set(), False),
]


def as_file(name: str, lines: list[str]) -> tuple[str, bytes, str]:
    try:
        return f"{name}.pdf", testdocs.text_pdf(lines), "application/pdf"
    except UnicodeEncodeError:
        return f"{name}.txt", "\n".join(lines).encode(), "text/plain"


def upload_all(platform: Platform, user: str, case_id: str, documents: dict[str, list[str]]) -> dict[str, str]:
    """Upload each document as a text PDF (a UTF-8 text file if its text needs more than the PDF's
    Latin-1 font) and wait until all are searchable: name -> evidence id."""
    files = [as_file(name, lines) for name, lines in documents.items()]
    response = platform.upload(user, case_id, files)
    assert response.status_code == 201, response.text
    ids = {item["filename"].rsplit(".", 1)[0]: item["id"] for item in response.json()["items"]}
    for evidence_id in ids.values():
        assert platform.wait_for_status(user, evidence_id)["status"] == "indexed"
    return ids


@pytest.fixture(scope="module")
def case(platform: Platform) -> dict[str, Any]:
    created = platform.create_case("rachel", unique_number())
    return {"id": created["id"], "docs": upload_all(platform, "rachel", created["id"], DOCUMENTS)}


def answer(platform: Platform, user: str, query: str, **params: Any) -> dict[str, Any]:
    response = platform.search(user, query, **params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("query", "expected", "fuzzy"), NATURAL, ids=[row[0] for row in NATURAL])
def test_natural_queries(platform: Platform, case: dict[str, Any], query: str, expected: set[str], fuzzy: bool) -> None:
    body = answer(platform, "rachel", query, case_id=case["id"])
    found = {item["evidence_id"] for item in body["items"]}
    assert found == {case["docs"][name] for name in expected}
    assert body["fuzzy"] is fuzzy
    assert bool(body["showing_results_for"]) is fuzzy


def test_a_misspelling_says_what_was_searched_for(platform: Platform, case: dict[str, Any]) -> None:
    body = answer(platform, "rachel", "Overtme payments?", case_id=case["id"])
    assert body["fuzzy"] is True and body["showing_results_for"] == "overtime payments?"
    assert answer(platform, "rachel", "overtime payments", case_id=case["id"])["fuzzy"] is False
    with grpc.insecure_channel(f"127.0.0.1:{platform.config.ports['search_grpc']}") as channel:
        reply = search_pb2_grpc.SearchStub(channel).Search(
            search_pb2.SearchRequest(q="Overtme payments?", case_id=[case["id"]]),
            metadata=(("authorization", f"Bearer {platform.token('rachel')}"),),
            timeout=10,
        )
    assert reply.fuzzy and reply.showing_results_for == "overtime payments?"
    assert [hit.evidence_id for hit in reply.items] == [case["docs"]["grievance"]]


def test_highlights_mark_the_word_found_as_the_page_spells_it(platform: Platform, case: dict[str, Any]) -> None:
    """Folding and apostrophes change what matches, not where the marks go: the page's own spelling
    is marked, also after an apostrophe or an accented letter earlier on the page."""
    for query, marked in (("Nunez", "Núñez"), ("Zoe Muller", "Müller"), ("rota", "rota"), ("OBrien", None)):
        body = answer(platform, "rachel", query, case_id=case["id"], doc_type="text")
        fragments = [h for item in body["items"] for h in item["highlights"]]
        if marked is None:  # not a word of the page: the loosened retry finds O'Brien and says so
            assert body["fuzzy"] is True, body
            continue
        assert fragments and all(f"<mark>{marked}</mark>" in f for f in fragments), (query, fragments)


def test_a_letter_is_found_by_a_sentence(platform: Platform, case: dict[str, Any]) -> None:
    invitation = {case["docs"]["invitation"]}
    for sentence in (
        "letter from the employer about my hearing on 3 March",
        "When is my disciplinary hearing?",
        "who will accompany me to the hearing",
    ):
        body = answer(platform, "rachel", sentence, case_id=case["id"])
        assert {item["evidence_id"] for item in body["items"]} == invitation, sentence
        assert body["fuzzy"] is False


@pytest.mark.parametrize("query", ["the and of", "from the", "to be or not to be"])
def test_only_common_words_is_a_422_that_says_so(platform: Platform, query: str) -> None:
    response = platform.search("rachel", query)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["field"] == "q" and "no words to search for" in problem["detail"]


def test_natural_queries_keep_the_scope(platform: Platform, case: dict[str, Any]) -> None:
    """Another branch's rep finds none of the case's pages, not even through the fuzzy retry,
    and is told no correction drawn from them."""
    theirs = set(case["docs"].values())
    for query in (
        "letter from the employer",
        "03/03/2026",
        "e-mail",
        "overtme payments",
        "disiplinary",
        "Zoe",
        "payslip",
    ):
        narrowed = answer(platform, "ravi", query, case_id=case["id"])
        assert narrowed["total"] == 0 and narrowed["items"] == [], query
        assert narrowed["fuzzy"] is False and narrowed["showing_results_for"] == "", query
        everywhere = answer(platform, "ravi", query, size=100)
        assert not theirs & {item["evidence_id"] for item in everywhere["items"]}, query
