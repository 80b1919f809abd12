"""One OCR worker process: consumes evidence.uploaded (analyse and split documents, group
"ocr-documents") and ocr.pages (OCR single pages, group "ocr-pages"); every worker is a member
of both groups."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

from casework.v1 import events_pb2
from casework_common import db, events, kafka, storage
from casework_common.intake_client import IntakeClient
from casework_common.logs import configure_logging
from casework_common.service_token import ServiceTokenProvider
from casework_ocr import tesseract
from casework_ocr.document_stage import DocumentStage
from casework_ocr.facts_reader import FactsReader
from casework_ocr.pages import PageStage
from casework_ocr.scan import Scanner
from casework_ocr.settings import OcrSettings
from casework_ocr.sources import SourceCache
from casework_ocr.store import Extractions, Progress


def run(index: int) -> None:
    """Entry point of a worker process (spawned by the supervisor in __main__)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"  # one Tesseract thread per process; see docs/design.md#evidence-pipeline
    settings = OcrSettings()
    configure_logging(f"{settings.service_name}-worker-{index}", settings.log_level)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    s3 = storage.make_client(settings)
    progress = Progress(settings.progress_interval_s, settings.progress_step_percent)
    facts = FactsReader(s3, settings.text_bucket)
    store = Extractions(
        db.make_engine(settings), settings.text_bucket, settings.kafka_max_attempts, progress, facts, s3=s3
    )
    intake = IntakeClient(settings.intake_url)
    cache_dir = Path(settings.work_dir) / f"sources-{index}"
    sources = SourceCache(s3, cache_dir, settings.source_cache_bytes)
    pages = PageStage(settings, s3, store, sources)
    documents = DocumentStage(
        settings,
        s3,
        store,
        Scanner(settings.clamd_socket),
        intake,
        ServiceTokenProvider.from_settings(settings),
        read_page=pages.read,
        sources=sources,
    )

    def dead_lettered(payload: Any, error: BaseException) -> None:
        """A document or page that kept failing: the uploader sees why, and everything else flows on."""
        if isinstance(payload, (events_pb2.EvidenceUploaded, events_pb2.OcrPageTask)):
            store.finish(
                payload.evidence,
                "failed",
                f"Processing failed after {settings.kafka_max_attempts} attempts ({type(error).__name__}).",
            )

    tesseract.preload(settings.ocr_language)
    producer = kafka.make_producer(settings)
    # Two consumers, two threads: analysing documents (mostly waiting on S3, clamd and the database)
    # overlaps with OCR of pages (Tesseract, in-process) instead of queueing in front of it.
    consumers = [
        kafka.EventConsumer(
            settings,
            "ocr-documents",
            [events.EVIDENCE_UPLOADED],
            {events_pb2.EvidenceUploaded: documents.handle},
            producer,
            max_poll_records=1,
            on_dead_letter=dead_lettered,
            prompt=True,  # an upload waits on it to be searchable
        ),
        kafka.EventConsumer(
            settings,
            "ocr-pages",
            [events.OCR_PAGES],
            {events_pb2.OcrPageTask: pages.handle},
            producer,
            max_poll_records=1,
            on_dead_letter=dead_lettered,
        ),
    ]
    threads = [threading.Thread(target=c.run, args=(stop,), name=c.group_id) for c in consumers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Whatever is still unsent here was sent by a handler that never saw its acknowledgement, so its
    # record was not committed and will be read again: nothing to wait for. With the broker gone a
    # longer flush only holds up the stop (the supervisor, then the local stack or Kubernetes, kill it).
    producer.close(timeout=2)
