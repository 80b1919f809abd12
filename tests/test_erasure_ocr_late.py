"""OCR after an erasure of page texts (docs/design.md, 'Erasure in intake, ocr and bundle'): nothing
comes back, and the retention identity stays in OCR's supervisor.

- The OCR workers, which open untrusted files, never hold the retention S3 identity: read from each
  running worker's /proc/<pid>/environ.
- A redelivered ``evidence.uploaded`` of an erased item, and one of an item of the erased case that
  OCR never saw, published to the broker as intake would, create no document and no text object,
  although the original is still in the evidence bucket (only page texts were erased here).
- A page task of an erased item, published to ``ocr.pages``, leaves no object.
- Work in flight across the erasure (the interleavings a worker can be caught in, driven through
  OCR's own store on the platform's database and object store, the erasure by the running service):
  a page read before the erasure and stored after its sweep, and a document analysed before the
  erasure and planned after it, record nothing and leave no object; a page task of the item sent
  before the erasure is removed from OCR's outbox with it.
"""

from __future__ import annotations

import importlib.util
import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import psutil
import pytest
from minio import Minio
from sqlalchemy import Engine

import casework_ocr
from casework.v1 import events_pb2
from casework_common import db, events, storage
from casework_ocr.settings import OcrSettings
from casework_ocr.store import Extractions, PageResult
from erasure import Broker, receipts
from harness import Platform, unique_number
from testdocs import fresh_word, letter_lines, text_pdf

pytestmark = pytest.mark.stack

RETENTION_ENV = ("CASEWORK_S3_RETENTION_ACCESS_KEY", "CASEWORK_S3_RETENTION_SECRET_KEY")


def ocr_process(platform: Platform) -> Any:
    return platform.stack.services["ocr"][1]


@pytest.fixture(scope="module")
def ocr_settings(platform: Platform) -> OcrSettings:
    """OCR's own settings, read from the environment the stack gives the service."""
    with mock.patch.dict(os.environ, ocr_process(platform).env):
        return OcrSettings()


@pytest.fixture(scope="module")
def s3(ocr_settings: OcrSettings) -> Minio:
    """The ordinary identity, as the workers have it."""
    return storage.make_client(ocr_settings)


@pytest.fixture(scope="module")
def engine(ocr_settings: OcrSettings) -> Iterator[Engine]:
    engine = db.make_engine(ocr_settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def store(engine: Engine, ocr_settings: OcrSettings, s3: Minio) -> Extractions:
    """OCR's store as a worker builds it (worker.run), on the platform's database and object store."""
    return Extractions(engine, ocr_settings.text_bucket, ocr_settings.kafka_max_attempts, s3=s3)


@pytest.fixture(scope="module")
def broker(platform: Platform) -> Iterator[Broker]:
    broker = Broker(platform)
    yield broker
    broker.close()


def objects(s3: Minio, bucket: str, evidence_id: str) -> list[tuple[str, str | None]]:
    """Every version under the item's prefix in the text bucket."""
    return [
        (o.object_name, o.version_id)
        for o in s3.list_objects(bucket, prefix=f"{evidence_id}/", recursive=True, include_version=True)
    ]


def put(s3: Minio, bucket: str, key: str, body: bytes = b"page text of the member") -> None:
    s3.put_object(bucket, key, io.BytesIO(body), len(body))


ROW_COUNTS = {
    "documents": "SELECT count(*) FROM ocr.documents WHERE evidence_id = %(id)s",
    "pages": "SELECT count(*) FROM ocr.pages WHERE evidence_id = %(id)s",
    "page_attempts": "SELECT count(*) FROM ocr.page_attempts WHERE evidence_id = %(id)s",
    # Its status events (key "<evidence_id>") and page tasks (key "<evidence_id>:<page>").
    "outbox": "SELECT count(*) FROM ocr.outbox WHERE key = %(id)s OR key LIKE %(id)s || ':%%'",
}


def ocr_rows(platform: Platform, evidence_id: str) -> dict[str, int]:
    """The item's rows in OCR's tables, counted as the superuser."""
    with platform.superuser_db() as conn:
        return {name: conn.execute(query, {"id": evidence_id}).fetchone()[0] for name, query in ROW_COUNTS.items()}


NOTHING = {"documents": 0, "pages": 0, "page_attempts": 0, "outbox": 0}


def in_flight_document(
    platform: Platform, ref: events_pb2.EvidenceRef, state: str, pages_total: int | None = None, with_case: bool = True
) -> events_pb2.EvidenceRef:
    """A document of the case a worker is reading right now (the row start_document would have
    written), for a new item id with the same original. Without ``with_case``, as a row written
    before migration 0005 (no case_id: the erasure finds it by its ref)."""
    flight = events_pb2.EvidenceRef()
    flight.CopyFrom(ref)
    flight.evidence_id = str(uuid.uuid4())
    with platform.superuser_db() as conn:
        conn.execute(
            "INSERT INTO ocr.documents (evidence_id, case_id, sha256, ref, state, attempts, pages_total)"
            " VALUES (%s, %s, %s, %s, %s, 1, %s)",
            (
                flight.evidence_id,
                flight.case_id if with_case else None,
                f"test-{uuid.uuid4()}",
                flight.SerializeToString(),
                state,
                pages_total,
            ),
        )
    return flight


@pytest.fixture(scope="module")
def world(
    platform: Platform, broker: Broker, store: Extractions, s3: Minio, ocr_settings: OcrSettings
) -> dict[str, Any]:
    """A case whose letter OCR read, with work in flight, then its page texts erased (only that
    kind: intake keeps the original, which a late event could read again)."""
    case = platform.create_case("rachel", unique_number(), name="Lara Late")
    word = fresh_word()
    upload = platform.upload(
        "rachel", case["id"], [("Letter to Lara.pdf", text_pdf(letter_lines(word)), "application/pdf")]
    )
    assert upload.status_code == 201, upload.text
    item = upload.json()["items"][0]["id"]
    assert platform.wait_for_status("rachel", item, timeout_s=180)["status"] == "indexed"
    with platform.superuser_db() as conn:
        raw = conn.execute("SELECT ref FROM ocr.documents WHERE evidence_id = %s", (item,)).fetchone()[0]
    ref = events_pb2.EvidenceRef.FromString(bytes(raw))
    bucket = ocr_settings.text_bucket
    assert objects(s3, bucket, item), "OCR stored the letter's text: otherwise 'gone' proves nothing"
    with platform.superuser_db() as conn:
        case_of = conn.execute("SELECT case_id FROM ocr.documents WHERE evidence_id = %s", (item,)).fetchone()[0]
    assert str(case_of) == case["id"], "start_document records the item's case"

    # A page being read when the erasure comes: started before it, stored after its sweep.
    page_ref = in_flight_document(platform, ref, "extracting", pages_total=2)
    assert store.start_page(page_ref, 1)
    # A document being analysed when the erasure comes: planned after it.
    plan_ref = in_flight_document(platform, ref, "scanning", with_case=False)
    # A page task of the first sent before the erasure (published already; the relay skips it).
    task = events_pb2.OcrPageTask(evidence=page_ref, page=2, source_bucket=ref.bucket, source_key=ref.object_key)
    envelope = events.pack(task, "ocr")
    with platform.superuser_db() as conn:
        conn.execute(
            "INSERT INTO ocr.outbox (topic, key, payload_type, payload, published_at) VALUES (%s, %s, %s, %s, now())",
            (events.OCR_PAGES, f"{page_ref.evidence_id}:2", task.DESCRIPTOR.full_name, envelope),
        )
    assert ocr_rows(platform, page_ref.evidence_id)["outbox"] == 1

    request_id = f"test-{uuid.uuid4()}"
    broker.publish_due(case["id"], request_id, ("page_texts",))
    answered = receipts(platform, case["id"], request_id, 1, service="ocr")
    assert answered and answered[0].items_removed > 0, answered
    return {"case": case, "item": item, "ref": ref, "page_ref": page_ref, "plan_ref": plan_ref, "bucket": bucket}


def command_line(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.NoSuchProcess:  # a short-lived child (a Tesseract run) that ended meanwhile
        return []


def test_ocr_workers_never_hold_the_retention_identity(platform: Platform) -> None:
    managed = ocr_process(platform)
    secrets = platform.config.secrets
    # The stack gives OCR the identity (its supervisor's erasure consumer needs it) ...
    assert all(managed.env.get(name) for name in RETENTION_ENV), sorted(managed.env)
    supervisor = psutil.Process(managed.process.pid)
    descendants = supervisor.children(recursive=True)
    workers = [p for p in descendants if "spawn_main" in " ".join(command_line(p))]
    assert workers, [command_line(p) for p in descendants]
    # ... and no process it started has it: not the workers, nor anything they run.
    read = 0
    for process in descendants:
        try:
            environ = Path(f"/proc/{process.pid}/environ").read_bytes()
        except FileNotFoundError:  # a short-lived child (a Tesseract run) that ended meanwhile
            continue
        read += 1
        for found in (b"CASEWORK_S3_RETENTION", secrets.s3_retention_access_key.encode()):
            assert found not in environ, (process.pid, command_line(process), found)
        assert secrets.s3_retention_secret_key.encode() not in environ, (process.pid, command_line(process))
    assert read >= len(workers)


def test_the_erasure_marks_the_case_and_removes_page_tasks_sent_before_it(
    platform: Platform, world: dict[str, Any], s3: Minio
) -> None:
    with platform.superuser_db() as conn:
        assert (
            conn.execute("SELECT count(*) FROM ocr.erased_cases WHERE case_id = %s", (world["case"]["id"],)).fetchone()[
                0
            ]
            == 1
        )
        marked = {
            str(evidence_id)
            for (evidence_id,) in conn.execute(
                "SELECT evidence_id FROM ocr.erased_evidence WHERE case_id = %s", (world["case"]["id"],)
            )
        }
    # Found by the case_id column (the letter, the page in flight) and, for a row without it, by its ref.
    assert marked == {world["item"], world["page_ref"].evidence_id, world["plan_ref"].evidence_id}
    assert ocr_rows(platform, world["item"]) == NOTHING
    assert objects(s3, world["bucket"], world["item"]) == []
    # The page task sent before the erasure (key "<evidence_id>:<page>") is gone with the item.
    assert ocr_rows(platform, world["page_ref"].evidence_id) == NOTHING


def test_a_page_stored_after_the_sweep_is_removed_and_not_recorded(
    platform: Platform, world: dict[str, Any], store: Extractions, s3: Minio
) -> None:
    ref, bucket = world["page_ref"], world["bucket"]
    text_key = storage.page_text_key(ref.evidence_id, 1)
    words_key = storage.page_words_key(ref.evidence_id, 1)
    put(s3, bucket, text_key)
    put(s3, bucket, words_key, b"level\tpage_num\n")
    assert len(objects(s3, bucket, ref.evidence_id)) == 2
    store.record_page(ref, PageResult(1, "ocr", text_key, words_key, 23, f"test-{uuid.uuid4()}"), cache=True)
    assert objects(s3, bucket, ref.evidence_id) == []
    assert ocr_rows(platform, ref.evidence_id) == NOTHING
    with platform.superuser_db() as conn:
        assert conn.execute("SELECT count(*) FROM ocr.page_cache WHERE text_key = %s", (text_key,)).fetchone()[0] == 0


def test_a_document_planned_after_the_erasure_records_nothing_and_leaves_nothing(
    platform: Platform, world: dict[str, Any], store: Extractions, s3: Minio
) -> None:
    ref, bucket = world["plan_ref"], world["bucket"]
    text_key = storage.page_text_key(ref.evidence_id, 1)
    put(s3, bucket, text_key)
    put(s3, bucket, f"{ref.evidence_id}/converted.pdf", b"%PDF-1.4 converted")
    task = events_pb2.OcrPageTask(evidence=ref, page=2, source_bucket=ref.bucket, source_key=ref.object_key)
    store.plan(ref, "application/pdf", [PageResult(1, "text-layer", text_key, None, 23)], [task], [], {"from": "x"})
    assert objects(s3, bucket, ref.evidence_id) == []
    assert ocr_rows(platform, ref.evidence_id) == NOTHING
    # A failure reported for it afterwards (dead letter) does not bring its document back either.
    store.finish(ref, "failed", "Processing failed after 3 attempts (RuntimeError).")
    assert ocr_rows(platform, ref.evidence_id) == NOTHING


@pytest.mark.parametrize("which", ["erased item", "item ocr never saw"])
def test_a_late_upload_event_creates_no_document_and_no_text(
    platform: Platform, world: dict[str, Any], broker: Broker, s3: Minio, which: str
) -> None:
    ref = events_pb2.EvidenceRef()
    ref.CopyFrom(world["ref"])
    if which == "item ocr never saw":
        ref.evidence_id = str(uuid.uuid4())
    # The original is still there (intake did not erase it here): without the marks it would be read again.
    content = platform.call("rachel", "GET", "intake", f"/v1/evidence/{world['item']}/content")
    assert content.status_code == 200 and content.content.startswith(b"%PDF")
    uploaded = events_pb2.EvidenceUploaded(evidence=ref, uploaded_by="rachel")
    partition, offset = broker.publish(events.EVIDENCE_UPLOADED, ref.evidence_id, uploaded, "intake")
    assert broker.handled("ocr-documents", events.EVIDENCE_UPLOADED, partition, offset)
    assert ocr_rows(platform, ref.evidence_id) == NOTHING
    assert objects(s3, world["bucket"], ref.evidence_id) == []


def test_a_page_task_of_an_erased_item_leaves_no_object(
    platform: Platform, world: dict[str, Any], broker: Broker, s3: Minio
) -> None:
    ref = world["ref"]
    task = events_pb2.OcrPageTask(
        evidence=ref,
        page=1,
        source_bucket=ref.bucket,
        source_key=ref.object_key,
        source_version=ref.version_id,
        source_kind="pdf",
        source_index=0,
    )
    partition, offset = broker.publish(events.OCR_PAGES, f"{ref.evidence_id}:1", task, "ocr")
    assert broker.handled("ocr-pages", events.OCR_PAGES, partition, offset)
    assert objects(s3, world["bucket"], ref.evidence_id) == []
    assert ocr_rows(platform, ref.evidence_id) == NOTHING


def test_the_migration_fills_in_the_case_of_documents_written_before_it(platform: Platform, engine: Engine) -> None:
    """Migration 0005's backfill of documents.case_id (from each stored ref), a batch at a time."""
    path = Path(casework_ocr.__file__).parent / "migrations" / "0005_erased.py"
    spec = importlib.util.spec_from_file_location("ocr_migration_0005", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    refs = [
        events_pb2.EvidenceRef(evidence_id=str(uuid.uuid4()), case_id=str(uuid.uuid4()), sha256="x") for _ in range(3)
    ]
    refs.append(events_pb2.EvidenceRef(evidence_id=str(uuid.uuid4()), case_id="not-a-case", sha256="x"))
    ids = [ref.evidence_id for ref in refs]
    with platform.superuser_db() as conn:
        for ref in refs:
            conn.execute(
                "INSERT INTO ocr.documents (evidence_id, sha256, ref, state) VALUES (%s, 'x', %s, 'complete')",
                (ref.evidence_id, ref.SerializeToString()),
            )
    try:
        with engine.begin() as conn:
            migration._fill_case_ids(conn, batch=2)  # several batches, whatever else the table holds
        with platform.superuser_db() as conn:
            found = dict(
                conn.execute(
                    "SELECT evidence_id::text, case_id::text FROM ocr.documents WHERE evidence_id = ANY(%s::uuid[])",
                    (ids,),
                )
            )
        assert found == {ref.evidence_id: (ref.case_id if ref.case_id != "not-a-case" else None) for ref in refs}
    finally:
        with platform.superuser_db() as conn:
            conn.execute("DELETE FROM ocr.documents WHERE evidence_id = ANY(%s::uuid[])", (ids,))
