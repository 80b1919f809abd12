"""Run the OCR service: a supervisor process serving /healthz, /readyz, /metrics, and
CASEWORK_OCR_WORKERS worker processes (default: one per core) it restarts if they die."""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import sys
import threading
from pathlib import Path

from prometheus_client import multiprocess

from casework_common import events, kafka, storage
from casework_common.logs import configure_logging
from casework_common.runtime import ServiceRuntime
from casework_common.web import create_app
from casework_ocr import tesseract, worker
from casework_ocr.settings import OcrSettings

log = logging.getLogger(__name__)


def _reset_metrics_dir() -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:  # stale files from a previous run would be summed in
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True)


def main() -> int:
    _reset_metrics_dir()
    settings = OcrSettings()
    configure_logging(settings.service_name, settings.log_level)
    s3 = storage.make_client(settings)
    storage.ensure_bucket(s3, settings.text_bucket)
    kafka.ensure_topics(
        settings.kafka_bootstrap,
        [events.EVIDENCE_UPLOADED, events.EVIDENCE_EXTRACTED, events.EVIDENCE_STATUS],
        settings.kafka_topic_partitions,
    )
    context = multiprocessing.get_context("spawn")
    workers: dict[int, multiprocessing.process.BaseProcess] = {}

    def supervise(stop: threading.Event) -> None:
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
            "object_store": lambda: storage.ready(s3, settings.text_bucket),
            "kafka": kafka.BrokerCheck(settings.kafka_bootstrap),
            "tesseract": tesseract.available,
            "workers": lambda: len(workers) == settings.ocr_workers and all(p.is_alive() for p in workers.values()),
        },
    )
    runtime = ServiceRuntime(settings.service_name, grace_s=70)
    runtime.add_loop("supervisor", supervise)
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads)


if __name__ == "__main__":
    sys.exit(main())
