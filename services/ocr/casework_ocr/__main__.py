"""Run the OCR service: a supervisor process serving /healthz, /readyz, /metrics, relaying
OCR's outbox and consuming erasure requests (once, here: not in every worker), and
CASEWORK_OCR_WORKERS worker processes (default: one per core) that it restarts if they die."""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import sys
import threading
from pathlib import Path

from prometheus_client import multiprocess

from casework_common import db, events, kafka, storage
from casework_common import erasure as erasures
from casework_common.logs import configure_logging
from casework_common.outbox import OutboxRelay
from casework_common.runtime import ServiceRuntime
from casework_common.web import create_app
from casework_ocr import erasure, tesseract
from casework_ocr.scan import Scanner
from casework_ocr.settings import OcrSettings
from casework_ocr.tables import outbox

log = logging.getLogger(__name__)

#: The retention S3 identity, which can remove governance-locked versions. Only the supervisor's
#: erasure consumer uses it; the workers open untrusted files (parsers, LibreOffice, Tesseract).
RETENTION_ENV = ("CASEWORK_S3_RETENTION_ACCESS_KEY", "CASEWORK_S3_RETENTION_SECRET_KEY")


def _withhold_retention_identity() -> None:
    """Remove the retention identity from this process's environment, once the settings have read
    it: spawned workers and every subprocess inherit ``os.environ``, and a compromised parser must
    not find the one credential that bypasses object locks."""
    for name in RETENTION_ENV:
        os.environ.pop(name, None)


def _reset_metrics_dir() -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:  # stale files from a previous run would be summed in
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True)


def main() -> int:
    _reset_metrics_dir()
    settings = OcrSettings()  # the only read of the retention identity: it stays in these settings
    _withhold_retention_identity()  # before any worker or subprocess starts
    configure_logging(settings.service_name, settings.log_level)
    engine = db.make_engine(settings)
    db.migrate_on_start(engine, settings, Path(__file__).parent / "migrations")
    s3 = storage.make_client(settings)
    storage.ensure_bucket(s3, settings.text_bucket)
    kafka.ensure_topics(
        settings,
        [
            events.EVIDENCE_UPLOADED,
            events.EVIDENCE_EXTRACTED,
            events.EVIDENCE_STATUS,
            events.DATA_ERASURES,
            events.DATA_RECEIPTS,
        ],
        settings.kafka_topic_partitions,
    )
    # Enough partitions that the largest worker count can all take pages of one long document.
    kafka.ensure_topics(settings, [events.OCR_PAGES], settings.page_partitions)
    # Leftovers of workers killed mid-analysis (each analysis cleans up after itself otherwise).
    shutil.rmtree(settings.work_dir, ignore_errors=True)
    Path(settings.work_dir).mkdir(parents=True)
    scanner = Scanner(settings.clamd_socket)
    context = multiprocessing.get_context("spawn")
    workers: dict[int, multiprocessing.process.BaseProcess] = {}

    def supervise(stop: threading.Event) -> None:
        from casework_ocr import worker  # imported here: only the spawned children run it

        while not stop.is_set():
            for index in range(settings.ocr_workers):
                process = workers.get(index)
                if process is not None and process.is_alive():
                    continue
                if process is not None:
                    log.warning("OCR worker %d exited with %s; restarting", index, process.exitcode)
                    multiprocess.mark_process_dead(process.pid)
                process = context.Process(target=worker.run, args=(index,), name=f"ocr-worker-{index}")
                process.start()
                workers[index] = process
            stop.wait(1.0)
        for process in workers.values():
            process.terminate()  # SIGTERM: the worker finishes its current record, then exits
        for process in workers.values():
            process.join(timeout=60)
            if process.is_alive():
                process.kill()

    app = create_app(
        settings.service_name,
        None,
        readiness={
            "database": lambda: db.ready(engine),
            "object_store": lambda: storage.ready(s3, settings.text_bucket),
            "kafka": kafka.BrokerCheck(settings),
            "clamd": scanner.ready,
            "tesseract": lambda: tesseract.available(settings.ocr_language),
            "libreoffice": lambda: shutil.which(settings.soffice) is not None,
            "workers": lambda: len(workers) == settings.ocr_workers and all(p.is_alive() for p in workers.values()),
        },
        ready_timeout_s=settings.ready_timeout_s,
    )
    runtime = ServiceRuntime(settings.service_name, grace_s=70)
    runtime.add_loop("supervisor", supervise)
    # Page tasks go round-robin over ocr.pages, so each worker gets an equal share of every document.
    producer = kafka.make_producer(settings)
    relay = OutboxRelay(engine, outbox, producer, settings.service_name, spread=frozenset({events.OCR_PAGES}))
    runtime.add_loop("outbox-relay", relay.run)
    if (retention_s3 := erasures.retention_identity(settings, "page-text")) is not None:
        eraser = erasure.PageTextEraser(engine, retention_s3, settings)
        erasures.add_consumer(runtime, settings, producer, erasure.GROUP, eraser.handle)
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads)


if __name__ == "__main__":
    sys.exit(main())
