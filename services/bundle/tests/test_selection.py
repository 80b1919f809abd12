"""Which items a bundle takes and what it says about each (pure logic; the API's use of it is in
tests/test_bundles.py against the real platform)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from casework_bundle.selection import RedactionRequest, choose, document_facts, source_kind
from casework_common.problems import Problem


def item(**fields: Any) -> dict[str, Any]:
    base = {
        "id": str(uuid.uuid4()),
        "filename": "letter.pdf",
        "content_type": "application/pdf",
        "detected_type": "application/pdf",
        "status": "indexed",
        "visibility": "member",
        "sha256": uuid.uuid4().hex,
        "pages_total": 2,
        "metadata": {},
        "uploaded_at": "2026-11-30T10:00:00+00:00",
    }
    return base | fields


def test_facts_come_from_the_pipeline_when_present() -> None:
    facts = {"date": "2026-03-02", "date_source": "text", "title": "Outcome of hearing", "title_source": "heading"}
    found = document_facts(item(facts=facts | {"kind": "outcome_letter", "kind_source": "classifier"}))
    assert found == {
        "date": "2026-03-02",
        "date_source": "text",
        "title": "Outcome of hearing",
        "title_source": "heading",
        "kind": "outcome_letter",
        "kind_source": "classifier",
    }


def test_without_facts_an_email_is_dated_and_titled_by_its_headers_and_a_file_by_its_upload() -> None:
    mail = item(
        detected_type="message/rfc822",
        metadata={"date": "Mon, 02 Mar 2026 09:00:00 +0000", "subject": "Your suspension"},
    )
    assert document_facts(mail) == {
        "date": "2026-03-02",
        "date_source": "email-header",
        "title": "Your suspension",
        "title_source": "subject",
        "kind": "email",
        "kind_source": "file-type",
    }
    plain = document_facts(item(facts={"kind": "no-such-kind"}))
    assert (plain["date"], plain["date_source"], plain["title"], plain["kind"]) == (
        "2026-11-30",
        "upload",
        "letter.pdf",
        "other",
    )


def test_the_sniffed_type_decides_how_an_item_becomes_pages() -> None:
    assert source_kind(item(content_type="application/pdf", detected_type="image/png")) == "image"
    assert source_kind(item(detected_type=None, content_type="message/rfc822")) == "email"
    assert source_kind(item(detected_type="application/zip")) is None


def test_by_default_every_readable_item_once_and_witness_statements_in_their_own_section() -> None:
    statement = item(facts={"kind": "witness_statement"})
    copy = item(sha256=statement["sha256"])
    unread = item(status="extracting")
    archive = item(detected_type="application/zip", status="unpacked")
    other = item()
    chosen = choose([statement, copy, unread, archive, other], None, None, [], False)
    assert [c["evidence_id"] for c in chosen] == [statement["id"], other["id"]]
    assert [c["section"] for c in chosen] == ["Witness statements", "Documents"]


def test_every_mistake_is_named_in_one_problem() -> None:
    ours, reps_only, unread = item(), item(visibility="reps"), item(status="scanning")
    stranger = str(uuid.uuid4())
    with pytest.raises(Problem) as refused:
        choose(
            [ours, reps_only, unread],
            [ours["id"], stranger, unread["id"], reps_only["id"]],
            {stranger: "Documents", ours["id"]: "Comparators"},
            [
                RedactionRequest(ours["id"], None, 3, (0, 0, 0.5, 0.5)),
                RedactionRequest(stranger, "Smith", None, None),
            ],
            member_visible=True,
        )
    assert refused.value.status == 422
    assert {e["field"] for e in refused.value.extra["errors"]} == {
        "items.1",
        "items.2",
        f"sections.{stranger}",
        "redactions.0.page",
        "redactions.1.evidence_id",
        "member_visible",
    }


def test_the_asked_order_sections_and_redactions_are_kept_with_each_item() -> None:
    first, second = item(), item()
    chosen = choose(
        [first, second],
        [second["id"], first["id"]],
        {first["id"]: "Comparators"},
        [RedactionRequest(first["id"], "Smith", None, None)],
        False,
    )
    assert [c["evidence_id"] for c in chosen] == [second["id"], first["id"]]
    assert chosen[1]["section"] == "Comparators" and chosen[0]["section"] == "Documents"
    assert chosen[1]["redactions"] == [{"text": "Smith", "page": None, "box": None}] and chosen[0]["redactions"] == []


def test_a_case_with_nothing_to_bundle_is_refused() -> None:
    with pytest.raises(Problem) as refused:
        choose([item(status="quarantined")], None, None, [], False)
    assert refused.value.extra["errors"] == [
        {"field": "items", "message": "The case has no item that can be put in a bundle yet."}
    ]


def test_a_redacted_word_is_taken_out_of_the_title_and_file_name_too() -> None:
    """The index, bookmarks and the recipient's page print titles and file names outside the
    redacted pages; a name blacked out on the page must not be readable there."""
    letter = item(
        filename="complaint-John-Smith.eml",
        facts={"title": "Complaint about John SMITH's conduct", "title_source": "subject"},
    )
    other = item(facts={"title": "Rota for John Smith", "title_source": "heading"})
    chosen = choose([letter, other], None, None, [RedactionRequest(letter["id"], "john smith", None, None)], False)
    assert chosen[0]["title"] == "Complaint about [redacted]'s conduct"
    assert chosen[0]["filename"] == "complaint-[redacted].eml"
    assert chosen[1]["title"] == "Rota for John Smith"  # redactions are per item


def test_emails_are_redacted_by_text_not_by_page() -> None:
    """An email is laid out afresh in the bundle, so its original page numbers mean nothing there."""
    mail = item(filename="m.eml", detected_type="message/rfc822", content_type="message/rfc822")
    with pytest.raises(Problem) as refused:
        choose([mail], None, None, [RedactionRequest(mail["id"], None, 1, (0, 0, 0.5, 0.5))], False)
    assert [e["field"] for e in refused.value.extra["errors"]] == ["redactions.0.page"]
