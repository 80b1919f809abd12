"""Recovery that does not depend on luck: whichever single event of an evidence item is
lost, the item reaches its terminal status and is findable exactly once.

An event is lost the way a broker that acknowledged it and then lost it would lose it: a trigger
marks its outbox row published as the row is written, so the relay never sends it and nothing
downstream ever hears of it. Search publishes its ``indexed`` status straight to the broker (it has
no outbox), so that one is lost at the only consumer that keeps it, intake: a trigger discards
intake's update to ``indexed`` once. Each loss is armed for one case and fires once.

Time is moved on rather than waited for: once the loss has happened, the item's last change is
moved back past the reconciler's threshold (CASEWORK_REPROCESS_AFTER_S) in intake's table, and the
reconciler's next pass (every CASEWORK_REPROCESS_INTERVAL_S) finds it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import requests

import testdocs
from harness import IN_PROGRESS, Platform, unique_number

pytestmark = pytest.mark.stack

CHAOS_SQL = """
CREATE SCHEMA chaos;
CREATE TABLE chaos.losses (
    case_id text NOT NULL,
    topic text NOT NULL,
    needle text NOT NULL DEFAULT '',
    remaining int NOT NULL DEFAULT 1
);
-- An outbox row of an armed case and topic (whose payload holds the needle) is born published.
CREATE FUNCTION chaos.lose_outbox_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = chaos, pg_temp AS $$
BEGIN
    UPDATE chaos.losses SET remaining = remaining - 1
    WHERE ctid = (
        SELECT ctid FROM chaos.losses l
        WHERE l.remaining > 0 AND l.topic = NEW.topic
          AND position(convert_to(l.case_id, 'UTF8') IN NEW.payload) > 0
          AND position(convert_to(l.needle, 'UTF8') IN NEW.payload) > 0
        LIMIT 1 FOR UPDATE
    );
    IF FOUND THEN
        NEW.published_at := now();
    END IF;
    RETURN NEW;
END $$;
-- Intake never hears an armed case's item was indexed.
CREATE FUNCTION chaos.lose_indexed_status() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = chaos, pg_temp AS $$
BEGIN
    IF NEW.status = 'indexed' AND OLD.status <> 'indexed' THEN
        UPDATE chaos.losses SET remaining = remaining - 1
        WHERE ctid = (
            SELECT ctid FROM chaos.losses l
            WHERE l.remaining > 0 AND l.topic = 'evidence.status' AND l.needle = 'indexed'
              AND l.case_id = NEW.case_id::text
            LIMIT 1 FOR UPDATE
        );
        IF FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER chaos_lose BEFORE INSERT ON intake.outbox FOR EACH ROW EXECUTE FUNCTION chaos.lose_outbox_event();
CREATE TRIGGER chaos_lose BEFORE INSERT ON ocr.outbox FOR EACH ROW EXECUTE FUNCTION chaos.lose_outbox_event();
CREATE TRIGGER chaos_lose BEFORE UPDATE ON intake.evidence
    FOR EACH ROW EXECUTE FUNCTION chaos.lose_indexed_status();
"""

UNCHAOS_SQL = """
DROP TRIGGER IF EXISTS chaos_lose ON intake.outbox;
DROP TRIGGER IF EXISTS chaos_lose ON ocr.outbox;
DROP TRIGGER IF EXISTS chaos_lose ON intake.evidence;
DROP SCHEMA IF EXISTS chaos CASCADE;
"""


@dataclass(frozen=True)
class Loss:
    topic: str
    needle: str  # text the lost event's payload holds (empty: the first event of that topic)
    document: Callable[[str], tuple[str, bytes, str]]  # a file carrying the given word
    outcome: str


def text_pdf(word: str) -> tuple[str, bytes, str]:
    return ("letter.pdf", testdocs.text_pdf(testdocs.letter_lines(word)), "application/pdf")


def scan(word: str) -> tuple[str, bytes, str]:
    # Two pages: a document's only OCR page may be read without going through ocr.pages.
    pages = [testdocs.letter_lines(word), ["Page two of the letter, with nothing to find."]]
    return ("scan.pdf", testdocs.scanned_pdf(pages), "application/pdf")


def opaque(word: str) -> tuple[str, bytes, str]:
    return (
        "data.bin",
        b"\x00\x01\x02\x03 not a document " + word.encode() + os.urandom(64),
        "application/octet-stream",
    )


LOSSES = {
    "evidence.uploaded": Loss("evidence.uploaded", "", text_pdf, "indexed"),
    "ocr.pages": Loss("ocr.pages", "", scan, "indexed"),
    "evidence.extracted": Loss("evidence.extracted", "", text_pdf, "indexed"),
    "terminal status from ocr": Loss("evidence.status", "text cannot be read", opaque, "not_indexed"),
    "indexed status from search": Loss("evidence.status", "indexed", text_pdf, "indexed"),
}


@pytest.fixture(scope="module")
def chaos(platform: Platform) -> Iterator[psycopg.Connection]:
    with platform.superuser_db() as conn:
        conn.execute(UNCHAOS_SQL)
        conn.execute(CHAOS_SQL)
        try:
            yield conn
        finally:
            conn.execute(UNCHAOS_SQL)


def index_docs(platform: Platform, evidence_id: str) -> int:
    """How many documents the evidence index holds for an item, duplicates included."""
    body = {"query": {"term": {"evidence_id": evidence_id}}}
    response = requests.post(f"{platform.url('opensearch')}/casework-evidence-pages/_count", json=body, timeout=10)
    response.raise_for_status()
    return response.json()["count"]


def finish_after_loss(platform: Platform, chaos: psycopg.Connection, case_id: str, item_id: str) -> dict[str, Any]:
    """Wait for the item to reach a terminal status. Once the armed loss has happened, keep its last
    change older than the reconciler's threshold (as if the threshold had passed), so its next pass
    picks it up. Bounded (a hang fails the test), not timed."""
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        item = platform.call("rachel", "GET", "intake", f"/v1/evidence/{item_id}").json()
        if item["status"] not in IN_PROGRESS:
            return item
        lost = chaos.execute("SELECT remaining = 0 FROM chaos.losses WHERE case_id = %s", (case_id,)).fetchone()
        if lost == (True,):
            chaos.execute(
                "UPDATE intake.evidence SET updated_at = now() - interval '1 day' WHERE id = %s AND status = %s",
                (item_id, item["status"]),
            )
        time.sleep(2)
    raise AssertionError(f"evidence {item_id} still {item['status']} after the loss was reconciled")


@pytest.mark.parametrize("lost", list(LOSSES))
def test_an_item_whose_event_was_lost_still_finishes_and_is_found_once(
    platform: Platform, chaos: psycopg.Connection, lost: str
) -> None:
    loss = LOSSES[lost]
    case = platform.create_case("rachel", unique_number())
    chaos.execute(
        "INSERT INTO chaos.losses (case_id, topic, needle) VALUES (%s, %s, %s)", (case["id"], loss.topic, loss.needle)
    )
    swept = platform.metric("intake", "reconciler_actions_total")
    word = testdocs.fresh_word()
    response = platform.upload("rachel", case["id"], [loss.document(word)])
    assert response.status_code == 201, response.text
    item_id = response.json()["items"][0]["id"]

    finished = finish_after_loss(platform, chaos, case["id"], item_id)

    remaining = chaos.execute("SELECT remaining FROM chaos.losses WHERE case_id = %s", (case["id"],)).fetchone()
    assert remaining == (0,), f"the {lost} event was never lost: the test proves nothing"
    assert finished["status"] == loss.outcome, finished
    assert platform.metric("intake", "reconciler_actions_total") > swept
    if loss.outcome == "indexed":
        hits = platform.search("rachel", word, case_id=case["id"])
        assert hits.status_code == 200, hits.text
        assert [hit["evidence_id"] for hit in hits.json()["items"]] == [item_id]
        assert index_docs(platform, item_id) == finished["pages_total"]
