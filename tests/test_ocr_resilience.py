"""The OCR pipeline under failure and repetition: a worker killed mid-document, identical files
and pages, and a dependency down for longer than the retries last."""

from __future__ import annotations

import io
import os
import signal
import time
from collections.abc import Iterator

import psutil
import psycopg
import pypdfium2 as pdfium
import pytest
import requests
from kafka import KafkaConsumer

import testdocs
from casework_common import kafka as casework_kafka
from harness import Platform

pytestmark = pytest.mark.stack


@pytest.fixture
def ocr_db(platform: Platform) -> Iterator[psycopg.Connection]:
    with platform.superuser_db() as conn:
        yield conn


def methods(conn: psycopg.Connection, evidence_id: str) -> dict[int, str]:
    rows = conn.execute("SELECT page, method FROM ocr.pages WHERE evidence_id = %s", (evidence_id,)).fetchall()
    return dict(rows)


def indexed_pages(platform: Platform, evidence_id: str) -> list[int]:
    """Page numbers of every index document of one evidence item, duplicates included."""
    body = {"size": 1000, "query": {"term": {"evidence_id": evidence_id}}, "_source": ["page"]}
    hits = requests.post(f"{platform.url('opensearch')}/casework-evidence-pages/_search", json=body, timeout=10)
    return sorted(h["_source"]["page"] for h in hits.json()["hits"]["hits"])


def ocr_workers(platform: Platform) -> list[psutil.Process]:
    supervisor = psutil.Process(platform.stack.services["ocr"][1].process.pid)
    return [
        p
        for p in supervisor.children()
        if "spawn_main" in " ".join(p.cmdline()) and "resource_tracker" not in " ".join(p.cmdline())
    ]


def dense_scan(word: str, lines: int = 30) -> list[str]:
    """A full page of text (slower to OCR), carrying ``word``."""
    body = [
        f"Paragraph {n}: the investigation considered the rota, the shift pattern and the evidence."
        for n in range(lines)
    ]
    return ["Metro Transit Ltd", f"Reference {word}", *body]


def test_a_worker_killed_mid_document_loses_no_page_and_duplicates_none(platform: Platform) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    # Eight dense pages (four per worker on two cores): the kill lands after two are read, with the
    # victim's page in progress and more of its partition still queued, re-assigned to another
    # member of the group; the assertion below fails if the document finished first.
    words = [testdocs.fresh_phrase() for _ in range(8)]
    pdf = testdocs.scanned_pdf([dense_scan(w) for w in words])
    evidence_id = platform.upload("rachel", case["id"], [("pack.pdf", pdf, "application/pdf")]).json()["items"][0]["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        item = platform.call("rachel", "GET", "intake", f"/v1/evidence/{evidence_id}").json()
        if item["status"] == "extracting" and item["pages_done"] >= 2:
            break
        time.sleep(0.1)
    assert item["pages_done"] < len(words), "the document finished before a worker could be killed"
    victim = ocr_workers(platform)[0]
    os.kill(victim.pid, signal.SIGKILL)

    final = platform.wait_for_status("rachel", evidence_id, timeout_s=180)
    assert final["status"] == "indexed", final["status_reason"]
    assert final["pages_total"] == len(words)
    assert indexed_pages(platform, evidence_id) == list(range(1, len(words) + 1))  # each page exactly once
    for page, words_on_page in enumerate(words, start=1):
        hits = platform.search("rachel", f'"{words_on_page}"', case_id=case["id"]).json()["items"]
        assert [(h["evidence_id"], h["page"]) for h in hits] == [(evidence_id, page)]
    assert len(ocr_workers(platform)) == platform.config.ocr_workers  # the supervisor replaced it


def test_identical_files_and_pages_are_not_ocrd_twice(platform: Platform, ocr_db: psycopg.Connection) -> None:
    first_case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    second_case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    shared_page = testdocs.letter_lines("Reference", testdocs.fresh_word())
    letter = testdocs.scanned_pdf([shared_page])
    original = platform.upload("rachel", first_case["id"], [("letter.pdf", letter, "application/pdf")])
    original_id = original.json()["items"][0]["id"]
    assert platform.wait_for_status("rachel", original_id)["status"] == "indexed"

    copy = platform.upload("rachel", second_case["id"], [("letter again.pdf", letter, "application/pdf")])
    copy_item = platform.wait_for_status("rachel", copy.json()["items"][0]["id"])
    # Reused, but not said: the uploader of another case must not learn that this file exists elsewhere.
    assert copy_item["status"] == "indexed" and "identical" not in (copy_item["status_reason"] or "")
    assert methods(ocr_db, copy_item["id"]) == {1: "ocr"}  # the recorded method of the reused page

    other_word = testdocs.fresh_word()
    pack = testdocs.scanned_pdf([testdocs.letter_lines("Reference", other_word), shared_page])
    pack_item = platform.wait_for_status(
        "rachel",
        platform.upload("rachel", second_case["id"], [("pack.pdf", pack, "application/pdf")]).json()["items"][0]["id"],
    )
    assert methods(ocr_db, pack_item["id"]) == {1: "ocr", 2: "ocr-cached"}
    hits = platform.search("rachel", shared_page[-3], case_id=second_case["id"])  # shared text is searchable
    assert pack_item["id"] in {h["evidence_id"] for h in hits.json()["items"]}


def test_text_layer_pages_are_never_ocrd(platform: Platform, ocr_db: psycopg.Connection) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    merged = pdfium.PdfDocument.new()
    merged.import_pages(pdfium.PdfDocument(testdocs.text_pdf(["Typed page with plenty of words in its text layer"])))
    merged.import_pages(pdfium.PdfDocument(testdocs.scanned_pdf([["A scanned page"]])))
    buffer = io.BytesIO()
    merged.save(buffer)
    item = platform.wait_for_status(
        "rachel",
        platform.upload("rachel", case["id"], [("mixed.pdf", buffer.getvalue(), "application/pdf")]).json()["items"][0][
            "id"
        ],
    )
    assert methods(ocr_db, item["id"]) == {1: "text-layer", 2: "ocr"}


def page_tasks(conn: psycopg.Connection, evidence_id: str) -> int:
    """``ocr.pages`` records OCR ever sent for one evidence item (its outbox keeps them for days)."""
    return conn.execute(
        "SELECT count(*) FROM ocr.outbox WHERE topic = 'ocr.pages' AND key LIKE %s", (f"{evidence_id}:%",)
    ).fetchone()[0]


def test_a_one_page_scan_is_read_where_it_was_analysed(platform: Platform, ocr_db: psycopg.Connection) -> None:
    """The commonest upload takes one Kafka hop less: when the workers are idle, the only page of a
    one-page scan is read by the document stage itself, never queued on ocr.pages; a longer scan
    still fans its pages out."""
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    word = testdocs.fresh_word()
    single = testdocs.png(testdocs.letter_lines("Reference", word))
    pack = testdocs.scanned_pdf([testdocs.letter_lines("Reference", testdocs.fresh_word()) for _ in range(2)])
    single_item, pack_item = (
        platform.wait_for_status("rachel", platform.upload("rachel", case["id"], [file]).json()["items"][0]["id"])
        for file in [("scan.png", single, "image/png"), ("pack.pdf", pack, "application/pdf")]
    )
    assert (single_item["status"], pack_item["status"]) == ("indexed", "indexed")
    assert methods(ocr_db, single_item["id"]) == {1: "ocr"}
    assert page_tasks(ocr_db, single_item["id"]) == 0
    assert page_tasks(ocr_db, pack_item["id"]) == 2
    hits = platform.search("rachel", word, case_id=case["id"]).json()["items"]
    assert [(h["evidence_id"], h["page"]) for h in hits] == [(single_item["id"], 1)]


def test_retries_then_dead_letter_then_a_visible_failure(platform: Platform) -> None:
    """ClamAV stays down longer than the retries last: the item fails with a reason, its record is in
    the DLQ, and once ClamAV is back everything flows again."""
    clamav = next(s for s in platform.stack.servers if s.name == "clamav")
    process = next(p for p in platform.stack.infra if p.name == "clamav")
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    process.stop()
    try:
        item_id = platform.upload(
            "rachel", case["id"], [("x.pdf", testdocs.text_pdf(["scan me please"]), "application/pdf")]
        ).json()["items"][0]["id"]
        failed = platform.wait_for_status("rachel", item_id, timeout_s=90)
        assert failed["status"] == "failed" and "after 3 attempts" in failed["status_reason"]
    finally:
        restarted = clamav.process()
        restarted.start()
        platform.stack.infra[platform.stack.infra.index(process)] = restarted
        restarted.wait_until(clamav.ready, 120, "ready")
    dead = KafkaConsumer(
        casework_kafka.dlq_topic("evidence.uploaded"),
        group_id=None,
        auto_offset_reset="earliest",
        bootstrap_servers=f"127.0.0.1:{platform.config.ports['kafka']}",
        consumer_timeout_ms=5000,
    )
    keys = {record.key.decode() for record in dead}
    dead.close()
    assert item_id in keys
    after = platform.upload(
        "rachel", case["id"], [("y.pdf", testdocs.text_pdf(["after the outage"]), "application/pdf")]
    ).json()["items"][0]["id"]
    assert platform.wait_for_status("rachel", after, timeout_s=90)["status"] == "indexed"
