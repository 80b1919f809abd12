"""One OCR worker process: consumes evidence.uploaded in the shared "ocr" consumer group."""

from __future__ import annotations

import os
import signal
import threading

from casework.v1 import events_pb2
from casework_common import events, kafka, storage
from casework_common.logs import configure_logging
from casework_ocr.pipeline import Pipeline
from casework_ocr.settings import OcrSettings


def run(index: int) -> None:
    """Entry point of a worker process (spawned by the supervisor in __main__)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"  # one Tesseract thread per process; see ARCHITECTURE.md
    settings = OcrSettings()
    configure_logging(f"{settings.service_name}-worker-{index}", settings.log_level)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    producer = kafka.make_producer(settings)
    pipeline = Pipeline(settings, storage.make_client(settings), producer)
    consumer = kafka.EventConsumer(
        settings,
        "ocr",
        [events.EVIDENCE_UPLOADED],
        {events_pb2.EvidenceUploaded: pipeline.handle},
        producer,
        max_poll_records=1,
    )
    consumer.run(stop)
    producer.close(timeout=10)
