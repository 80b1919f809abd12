"""The evidence record says what happened, through the real pipeline (intake → ClamAV → OCR →
search): every status an item went through (a one-page scan shows ``extracting`` too), the
earlier identical item of the case (also while that one is still being read), the items taken
out of a parent, the type sniffed from the content beside the declared one, and an email's
header lines kept as metadata, not as page text."""

from __future__ import annotations

import time
from datetime import datetime
from itertools import groupby, pairwise
from typing import Any

import pytest

import testdocs
from harness import IN_PROGRESS, Platform

pytestmark = pytest.mark.stack


def items_of(platform: Platform, case_id: str) -> dict[str, dict[str, Any]]:
    response = platform.call("rachel", "GET", "intake", f"/v1/cases/{case_id}/evidence")
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


def wait_all(platform: Platform, case_id: str, count: int, timeout_s: float = 240) -> dict[str, dict[str, Any]]:
    """Every item of the case (uploads and the files found inside them) in a final state."""
    deadline = time.monotonic() + timeout_s
    while True:
        items = items_of(platform, case_id)
        if len(items) >= count and all(i["status"] not in IN_PROGRESS for i in items.values()):
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"not finished: {[(i['filename'], i['status']) for i in items.values()]}")
        time.sleep(0.5)


def history(platform: Platform, evidence_id: str) -> list[dict[str, Any]]:
    response = platform.call("rachel", "GET", "intake", f"/v1/evidence/{evidence_id}/history")
    assert response.status_code == 200, response.text
    return response.json()["history"]


def upload(platform: Platform, case_id: str, files: list[tuple[str, bytes, str]]) -> list[dict[str, Any]]:
    response = platform.upload("rachel", case_id, files)
    assert response.status_code == 201, response.text
    return response.json()["items"]


@pytest.fixture(scope="module")
def record(platform: Platform) -> dict[str, Any]:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    w = testdocs.fresh_word
    words = {name: w() for name in ("scan", "pack1", "pack2", "pack3", "subject", "body", "att", "zip_a", "zip_b")}
    letter = testdocs.letter_lines
    pack = testdocs.tiff([letter("Ref", words["pack1"]), letter("Ref", words["pack2"]), letter("Ref", words["pack3"])])
    mail = testdocs.eml(
        f"Dismissal appeal {words['subject']}",
        [f"Please find the minutes attached; the body mentions {words['body']}."],
        [("minutes.pdf", testdocs.text_pdf([f"Minutes mention {words['att']} in full."]), "application/pdf")],
    )
    bundle = testdocs.zip_of(
        [
            ("scan.png", testdocs.png(letter("Ref", words["zip_a"]))),
            ("note.txt", f"A note about {words['zip_b']}".encode()),
        ]
    )
    uploaded: dict[str, str] = {}
    # A PNG that claims to be a PDF, a one-page scan: its record must show extracting of 1 page.
    (scan,) = upload(
        platform, case["id"], [("letter.pdf", testdocs.png(letter("Ref", words["scan"])), "application/pdf")]
    )
    uploaded["scan"] = scan["id"]
    # The same pack twice in one request: the copy is recorded while the original is still unread.
    original, copy = upload(
        platform, case["id"], [("pack.tiff", pack, "image/tiff"), ("pack-again.tiff", pack, "image/tiff")]
    )
    uploaded.update(original=original["id"], copy=copy["id"])
    uploaded["mail"] = upload(platform, case["id"], [("appeal.eml", mail, "message/rfc822")])[0]["id"]
    uploaded["zip"] = upload(platform, case["id"], [("bundle.zip", bundle, "application/zip")])[0]["id"]
    # 5 uploads, 1 attachment and 2 archive members.
    items = wait_all(platform, case["id"], 8)
    # A third copy, after the original is finished.
    uploaded["late_copy"] = upload(platform, case["id"], [("pack-third.tiff", pack, "image/tiff")])[0]["id"]
    platform.wait_for_status("rachel", uploaded["late_copy"], timeout_s=120)
    items = items_of(platform, case["id"])
    return {"case": case, "words": words, "uploaded": uploaded, "items": items}


def test_a_one_page_scan_shows_extracting_with_its_page_count(platform: Platform, record: dict[str, Any]) -> None:
    scan = record["items"][record["uploaded"]["scan"]]
    assert scan["status"] == "indexed", scan["status_reason"]
    steps = history(platform, scan["id"])
    assert [status for status, _ in groupby(s["status"] for s in steps)] == [
        "received",
        "scanning",
        "extracting",
        "indexed",
    ], steps
    extracting = next(s for s in steps if s["status"] == "extracting")
    assert (extracting["pages_done"], extracting["pages_total"]) == (0, 1), extracting
    assert (scan["pages_done"], scan["pages_total"]) == (1, 1)


def test_a_multi_page_scan_reports_its_progress_page_by_page(platform: Platform, record: dict[str, Any]) -> None:
    steps = history(platform, record["uploaded"]["original"])
    progress = [(s["pages_done"], s["pages_total"]) for s in steps if s["status"] == "extracting"]
    # Three pages are 33 % each, over the default 10 % step: every page is reported.
    assert progress[0] == (0, 3) and progress == sorted(progress), progress
    assert {done for done, _ in progress} >= {0, 1, 2}, progress
    assert steps[-1]["status"] == "indexed"


def test_the_declared_type_is_kept_and_the_sniffed_one_shown_beside_it(record: dict[str, Any]) -> None:
    scan = record["items"][record["uploaded"]["scan"]]
    assert (scan["content_type"], scan["detected_type"]) == ("application/pdf", "image/png")
    mail = record["items"][record["uploaded"]["mail"]]
    assert mail["detected_type"] == "message/rfc822"


def test_an_identical_file_names_the_first_one_even_while_it_is_being_read(
    platform: Platform, record: dict[str, Any]
) -> None:
    uploaded, items = record["uploaded"], record["items"]
    original, copy, late = items[uploaded["original"]], items[uploaded["copy"]], items[uploaded["late_copy"]]
    assert original["duplicate_of"] is None
    assert copy["duplicate_of"] == original["id"] and late["duplicate_of"] == original["id"]
    # The copy was recorded before the original finished: the history says so, not the clock.
    original_done = next(s["at"] for s in history(platform, original["id"]) if s["status"] == "indexed")
    copy_received = history(platform, copy["id"])[0]
    assert copy_received["status"] == "received"
    assert datetime.fromisoformat(copy_received["at"]) < datetime.fromisoformat(original_done)
    # The two of one request are read at the same time: whichever OCR reaches second says it is
    # identical (either may be first). The late copy always does.
    assert any("identical" in (item["status_reason"] or "") for item in (original, copy)), (original, copy)
    assert late["status"] == "indexed" and "identical" in (late["status_reason"] or ""), late
    assert items[uploaded["scan"]]["duplicate_of"] is None


def test_a_parent_lists_its_children_and_each_child_names_its_parent(record: dict[str, Any]) -> None:
    items = record["items"]
    for parent_key, expected in (("mail", ["minutes.pdf"]), ("zip", ["scan.png", "note.txt"])):
        parent = items[record["uploaded"][parent_key]]
        assert [items[child]["filename"] for child in parent["children"]] == expected
        assert all(items[child]["parent_id"] == parent["id"] for child in parent["children"])
        found_by_parent_id = {i["id"] for i in items.values() if i.get("parent_id") == parent["id"]}
        assert found_by_parent_id == set(parent["children"])
    by_name = {i["filename"]: i for i in items.values()}
    # Children get the type sniffed from their content; an archive member, which declares none,
    # also carries it as its content type instead of application/octet-stream.
    assert by_name["minutes.pdf"]["detected_type"] == "application/pdf"
    assert (by_name["scan.png"]["content_type"], by_name["scan.png"]["detected_type"]) == ("image/png", "image/png")
    assert by_name["note.txt"]["detected_type"] == "text/plain"
    assert items[record["uploaded"]["scan"]]["children"] == []


def test_an_emails_header_lines_are_metadata_not_page_text(platform: Platform, record: dict[str, Any]) -> None:
    mail_id, words = record["uploaded"]["mail"], record["words"]
    mail = record["items"][mail_id]
    assert mail["status"] == "indexed", mail["status_reason"]
    assert mail["metadata"] == {
        "from": "hr@metrotransit.example.org",
        "to": "maria@union.example.org",
        "subject": f"Dismissal appeal {words['subject']}",
        "date": "Mon, 02 Mar 2026 09:00:00 +0000",
    }
    text = platform.call("rachel", "GET", "intake", f"/v1/evidence/{mail_id}/text").json()
    page_text = "\n".join(p["text"] for p in text["pages"])
    assert words["body"] in page_text
    for header_part in ("From:", "Subject:", "metrotransit", words["subject"], "09:00:00"):
        assert header_part not in page_text, header_part
    # Still found by its subject (a field of its own), on its first page.
    for word in (words["subject"], words["body"]):
        hits = platform.search("maria", word).json()["items"]
        assert [(h["evidence_id"], h["page"]) for h in hits] == [(mail_id, 1)], (word, hits)


def test_an_item_members_see_never_names_a_reps_only_original(platform: Platform) -> None:
    """A member uploading a copy of a reps-only file must not learn it exists: not from
    ``duplicate_of``, nor from the status reason once the copy is read."""
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    note = f"Rep's private note {testdocs.fresh_word()}".encode()
    hidden = platform.upload("rachel", case["id"], [("note.txt", note, "text/plain")], visibility="reps")
    assert hidden.status_code == 201, hidden.text
    wait_all(platform, case["id"], 1)  # read before the member's copy comes: its text would be reused
    mine = platform.upload("maria", case["id"], [("note.txt", note, "text/plain")])
    assert mine.status_code == 201, mine.text
    mine_id = mine.json()["items"][0]["id"]
    assert mine.json()["items"][0]["duplicate_of"] is None
    read = wait_all(platform, case["id"], 2)
    assert "identical" not in (read[mine_id]["status_reason"] or ""), read[mine_id]
    seen = platform.call("maria", "GET", "intake", f"/v1/evidence/{mine_id}")
    assert seen.status_code == 200 and "identical" not in (seen.json()["status_reason"] or ""), seen.text

    shared = platform.upload("rachel", case["id"], [("again.txt", note, "text/plain")], visibility="member")
    assert shared.json()["items"][0]["duplicate_of"] == mine_id
    reps_copy = platform.upload("rachel", case["id"], [("again.txt", note, "text/plain")], visibility="reps")
    assert reps_copy.json()["items"][0]["duplicate_of"] == hidden.json()["items"][0]["id"]
    # Copies whose readers may know an earlier one say so: the rule hides, it does not mute.
    read = wait_all(platform, case["id"], 4)
    for copy in (shared, reps_copy):
        item = read[copy.json()["items"][0]["id"]]
        assert "identical" in (item["status_reason"] or ""), item


def test_no_step_is_recorded_twice(platform: Platform, record: dict[str, Any]) -> None:
    """A change sent again (a text page's progress, a redelivered event) is not a new step."""
    for evidence_id in record["items"]:
        steps = [(s["status"], s["pages_done"], s["pages_total"], s["reason"]) for s in history(platform, evidence_id)]
        assert all(a != b for a, b in pairwise(steps)), (evidence_id, steps)
