"""Document facts (docs/design.md, 'Evidence pipeline') through the real pipeline: intake -> ClamAV -> OCR (which reads
each document's date, title and kind) -> intake's evidence record, and a rep's corrections.

A letter dated in its heading, a policy PDF dated only by its metadata, an email (Date header), a
photo (EXIF DateTimeOriginal) and a note with no date at all (the upload date) each show their
date with its source; a rep's corrections (typed as people type them) get source "rep", are in the
facts history with the old value and who changed them, go out to search as EvidenceFactsChanged,
and survive a later reading of the file. Members and outsiders cannot correct or read the history;
hostile input is a 422 problem."""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any

import pytest
from kafka import KafkaConsumer
from PIL import Image

import testdocs
from casework.v1 import events_pb2
from casework_common import events, kafka
from casework_common.settings import KafkaSettings
from casework_common.vocabulary import DOCUMENT_KINDS
from harness import Platform

pytestmark = pytest.mark.stack

PROBLEM = "application/problem+json"
LETTER = [
    "Metro Transit Ltd, Human Resources",
    "Depot Road, London N1 4AB",
    "3 March 2026",
    "Dear Ms Okafor,",
    "Re: Invitation to a disciplinary hearing",
    "You are required to attend a disciplinary hearing on 14 March 2026",
    "to answer allegations of persistent lateness.",
    "You may be accompanied by your trade union representative.",
    "Yours sincerely, J. Smith, HR Manager",
]
POLICY = [
    "Attendance Management Policy",
    "This policy explains how absence and lateness are recorded and reviewed.",
    "Managers hold a review meeting when the trigger points are reached.",
]
PHOTO = ["NOTICE TO ALL STAFF", "Night shift rota changes at the depot", "Please speak to your supervisor"]


def photo_with_exif(lines: list[str], taken: str) -> bytes:
    """A phone photo (JPEG) whose EXIF says when it was taken (DateTimeOriginal, in the Exif IFD)."""
    exif = Image.Exif()
    exif[306] = "2026:04:01 10:00:00"  # DateTime (last edited): DateTimeOriginal must win over it
    exif.get_ifd(0x8769)[36867] = taken
    buffer = io.BytesIO()
    Image.open(io.BytesIO(testdocs.jpeg(lines))).save(buffer, "JPEG", quality=85, exif=exif.tobytes())
    return buffer.getvalue()


def item(platform: Platform, evidence_id: str, user: str = "rachel") -> dict[str, Any]:
    response = platform.call(user, "GET", "intake", f"/v1/evidence/{evidence_id}")
    assert response.status_code == 200, response.text
    return response.json()


def patch(platform: Platform, user: str | None, evidence_id: str, **kwargs: Any) -> Any:
    return platform.call(user, "PATCH", "intake", f"/v1/evidence/{evidence_id}/facts", **kwargs)


def facts_history(platform: Platform, evidence_id: str, user: str | None = "rachel") -> Any:
    return platform.call(user, "GET", "intake", f"/v1/evidence/{evidence_id}/facts/history")


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert body["status"] == status and body["type"] and body["title"], body
    return body


@pytest.fixture(scope="module")
def case_items(platform: Platform) -> dict[str, Any]:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    files = {
        "letter": ("invitation.pdf", testdocs.text_pdf(LETTER, info={"CreationDate": "D:20260305101500Z"}), None),
        "policy": ("policy.pdf", testdocs.text_pdf(POLICY, info={"CreationDate": "D:20260210093000Z"}), None),
        "email": (
            "appeal.eml",
            testdocs.eml(
                "Appeal against written warning",
                ["Dear Maria,", "We have received your appeal and will arrange a hearing.", "HR Team"],
            ),
            None,
        ),
        "note": ("note.txt", b"The member says the manager never explained the new rota to the night shift.\n", None),
        "photo": ("noticeboard.jpg", photo_with_exif(PHOTO, "2026:02:14 08:30:00"), "reps"),
    }
    types = {"letter": "application/pdf", "policy": "application/pdf", "email": "message/rfc822"}
    types |= {"note": "text/plain", "photo": "image/jpeg"}
    ids = {}
    for name, (filename, data, visibility) in files.items():
        response = platform.upload("rachel", case["id"], [(filename, data, types[name])], visibility=visibility)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["items"][0]["id"]
    done = {name: platform.wait_for_status("rachel", evidence_id, timeout_s=240) for name, evidence_id in ids.items()}
    for name, record in done.items():
        assert record["status"] == "indexed", (name, record["status"], record["status_reason"])
    return {"case": case, "ids": ids, "read": done}


def test_each_document_gets_its_date_title_and_kind_with_their_sources(case_items: dict[str, Any]) -> None:
    read = {name: record["facts"] for name, record in case_items["read"].items()}
    letter = read["letter"]
    # The heading's date, not the hearing's date in the text nor the PDF's creation date.
    assert (letter["date"], letter["date_source"]) == ("2026-03-03", "text"), letter
    assert letter["title"] == "Invitation to a disciplinary hearing", letter
    assert letter["title_source"] in ("subject-line", "heading"), letter
    assert (letter["kind"], letter["kind_source"]) == ("invitation", "classifier"), letter
    assert 0 < letter["kind_confidence"] <= 1, letter
    assert (read["policy"]["date"], read["policy"]["date_source"]) == ("2026-02-10", "pdf-metadata"), read["policy"]
    email = read["email"]
    assert (email["date"], email["date_source"]) == ("2026-03-02", "email-header"), email
    assert (email["title"], email["title_source"]) == ("Appeal against written warning", "subject"), email
    assert (read["photo"]["date"], read["photo"]["date_source"]) == ("2026-02-14", "exif"), read["photo"]
    # Nothing dates the note: it shows the day it was uploaded.
    note = case_items["read"]["note"]
    assert (note["facts"]["date"], note["facts"]["date_source"]) == (note["uploaded_at"][:10], "upload"), note
    for name, facts in read.items():
        assert facts["kind"] in DOCUMENT_KINDS and facts["kind_source"] == "classifier", (name, facts)


def test_the_case_listing_carries_the_facts_too(platform: Platform, case_items: dict[str, Any]) -> None:
    response = platform.call("rachel", "GET", "intake", f"/v1/cases/{case_items['case']['id']}/evidence")
    assert response.status_code == 200, response.text
    listed = {entry["id"]: entry["facts"] for entry in response.json()["items"]}
    letter_id = case_items["ids"]["letter"]
    assert listed[letter_id]["date"] == "2026-03-03" and listed[letter_id]["kind"] == "invitation"


def test_what_ocr_read_is_in_the_history_as_read_by_ocr(platform: Platform, case_items: dict[str, Any]) -> None:
    response = facts_history(platform, case_items["ids"]["email"])
    assert response.status_code == 200, response.text
    entries = response.json()["history"]
    assert {(e["field"], e["new_value"], e["source"], e["changed_by"]) for e in entries} >= {
        ("date", "2026-03-02", "email-header", "ocr"),
        ("title", "Appeal against written warning", "subject", "ocr"),
    }, entries
    assert all(e["old_value"] is None for e in entries), entries


def read_facts_changed(platform: Platform, evidence_id: str, timeout_s: float = 30) -> events_pb2.EvidenceFactsChanged:
    """The EvidenceFactsChanged intake published for the item (evidence.status, from the beginning)."""
    config = KafkaSettings(service_name="test", kafka_bootstrap=f"127.0.0.1:{platform.config.ports['kafka']}")
    consumer = KafkaConsumer(
        events.EVIDENCE_STATUS, group_id=None, auto_offset_reset="earliest", **kafka.client_options(config)
    )
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                for record in batch:
                    if record.key != evidence_id.encode():
                        continue
                    event = events.unpack(record.value)
                    if event.type_name == "casework.v1.EvidenceFactsChanged":
                        return event.unpack(events_pb2.EvidenceFactsChanged)
    finally:
        consumer.close()
    raise AssertionError(f"no EvidenceFactsChanged for {evidence_id} on {events.EVIDENCE_STATUS}")


def test_a_rep_corrects_the_facts_as_people_type_them(platform: Platform, case_items: dict[str, Any]) -> None:
    letter_id = case_items["ids"]["letter"]
    response = patch(
        platform,
        "rachel",
        letter_id,
        json={"date": "05/03/2026", "title": "  Invitation to a hearing (sent again)  ", "kind": "outcome_letter"},
    )
    assert response.status_code == 200, response.text
    corrected = {
        "date": "2026-03-05",
        "date_source": "rep",
        "title": "Invitation to a hearing (sent again)",
        "title_source": "rep",
        "kind": "outcome_letter",
        "kind_confidence": 1.0,
        "kind_source": "rep",
    }
    assert response.json()["facts"] == corrected
    assert item(platform, letter_id)["facts"] == corrected
    # The coordinator may correct too; the note's date was the upload date until then.
    note_id = case_items["ids"]["note"]
    uploaded_on = case_items["read"]["note"]["uploaded_at"][:10]
    response = patch(platform, "cora", note_id, json={"date": "3rd February 2026"})
    assert response.status_code == 200, response.text
    assert (response.json()["facts"]["date"], response.json()["facts"]["date_source"]) == ("2026-02-03", "rep")

    history = facts_history(platform, letter_id).json()["history"]
    by_rep = [(e["field"], e["old_value"], e["new_value"], e["changed_by"]) for e in history if e["source"] == "rep"]
    assert by_rep == [
        ("date", "2026-03-03", "2026-03-05", "rachel"),
        ("title", "Invitation to a disciplinary hearing", "Invitation to a hearing (sent again)", "rachel"),
        ("kind", "invitation", "outcome_letter", "rachel"),
    ], history
    note_history = facts_history(platform, note_id).json()["history"]
    assert [
        (e["field"], e["old_value"], e["new_value"], e["changed_by"]) for e in note_history if e["source"] == "rep"
    ] == [("date", uploaded_on, "2026-02-03", "cora")], note_history
    # Search hears of it: the whole set after the change, on the item's key.
    changed = read_facts_changed(platform, letter_id)
    assert changed.case_id == case_items["case"]["id"] and changed.changed_by == "rachel"
    assert (changed.facts.date, changed.facts.date_source) == ("2026-03-05", "rep")
    assert changed.facts.kind == events_pb2.DOCUMENT_KIND_OUTCOME_LETTER


def test_a_later_reading_of_the_file_keeps_what_the_rep_set(platform: Platform, case_items: dict[str, Any]) -> None:
    """The item is handed to OCR again (as intake's reconciler does): OCR sends its outcome again,
    with the facts it read; the rep's values stay, every other fact of the reading is applied."""
    letter_id, case_id = case_items["ids"]["letter"], case_items["case"]["id"]
    if item(platform, letter_id)["facts"]["date_source"] != "rep":
        patch(platform, "rachel", letter_id, json={"date": "05/03/2026", "title": "Sent again", "kind": "warning"})
    before = item(platform, letter_id)["facts"]
    history_before = facts_history(platform, letter_id).json()["history"]
    # The detected type travels with the facts on the same status event: once it is back, intake
    # has applied that event.
    with platform.superuser_db() as db:
        db.execute("UPDATE intake.evidence SET detected_type = 'application/x-stale' WHERE id = %s", (letter_id,))
    config = KafkaSettings(service_name="test", kafka_bootstrap=f"127.0.0.1:{platform.config.ports['kafka']}")
    producer = kafka.make_producer(config)
    again = events_pb2.EvidenceUploaded(evidence=events_pb2.EvidenceRef(evidence_id=letter_id, case_id=case_id))
    kafka.publish(producer, events.EVIDENCE_UPLOADED, letter_id, again, "test").get(timeout=30)
    producer.close()
    deadline = time.monotonic() + 90
    while item(platform, letter_id)["detected_type"] != "application/pdf":
        assert time.monotonic() < deadline, "OCR's outcome was not sent again"
        time.sleep(0.5)
    assert item(platform, letter_id)["facts"] == before
    assert facts_history(platform, letter_id).json()["history"] == history_before


def test_members_outsiders_and_anonymous_callers_cannot_correct_or_see_the_history(
    platform: Platform, case_items: dict[str, Any]
) -> None:
    ids = case_items["ids"]
    body = {"json": {"title": "Changed by someone else"}}
    # The member sees the item (and its facts) but may not change them or see who did.
    assert item(platform, ids["letter"], "maria")["facts"]["date"]
    assert_problem(patch(platform, "maria", ids["letter"], **body), 403)
    assert_problem(facts_history(platform, ids["letter"], "maria"), 403)
    # A reps-only item does not exist for the member; the case does not exist for an outsider.
    assert_problem(patch(platform, "maria", ids["photo"], **body), 404)
    assert_problem(facts_history(platform, ids["photo"], "maria"), 404)
    for outsider in ("ravi", "ada"):  # a rep of another branch; the administrator
        assert_problem(patch(platform, outsider, ids["letter"], **body), 404)
        assert_problem(facts_history(platform, ids["letter"], outsider), 404)
    assert_problem(patch(platform, None, ids["letter"], **body), 401)
    assert_problem(facts_history(platform, ids["letter"], None), 401)
    assert item(platform, ids["letter"])["facts"]["title"] != "Changed by someone else"
    assert not any(
        e["changed_by"] in ("maria", "ravi", "ada") for e in facts_history(platform, ids["letter"]).json()["history"]
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "31/02/2026"}, "date"),
        ({"date": "2026-13-01"}, "date"),
        ({"date": "3 March"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"date": 20260303}, "date"),
        ({"title": "x" * 10_000}, "title"),
        ({"title": "Invitation\x00 to a hearing"}, "title"),
        ({"title": "Two\nlines"}, "title"),
        ({"title": "   "}, "title"),
        ({"title": ["a list"]}, "title"),
        ({"kind": "memo"}, "kind"),
        ({"kind": None}, "kind"),
        ({"colour": "red"}, "colour"),
        ({}, ""),
        (["date", "2026-03-03"], ""),
    ],
)
def test_hostile_or_wrong_input_is_a_422_problem_and_changes_nothing(
    platform: Platform, case_items: dict[str, Any], body: Any, field: str
) -> None:
    email_id = case_items["ids"]["email"]
    before = item(platform, email_id)["facts"]
    problem = assert_problem(patch(platform, "rachel", email_id, json=body), 422)
    assert field in {error["field"] for error in problem["errors"]}, problem
    assert item(platform, email_id)["facts"] == before


def test_a_body_that_is_not_json_is_a_422_problem(platform: Platform, case_items: dict[str, Any]) -> None:
    response = patch(
        platform, "rachel", case_items["ids"]["email"], data=b"date=2026-03-03", headers={"Content-Type": "text/plain"}
    )
    assert_problem(response, 422)


def test_an_upload_date_fallback_is_the_items_own_day(case_items: dict[str, Any]) -> None:
    """The fallback is decided when shown, from the item's own upload time (UTC)."""
    note = case_items["read"]["note"]
    assert dt.date.fromisoformat(note["facts"]["date"]) == dt.datetime.fromisoformat(note["uploaded_at"]).date()
