"""Where an OCR worker's time goes: one histogram, ``casework_ocr_stage_seconds{stage}``, fed by
:func:`timed` around each step of the document and page stages (queue wait, object store, render,
Tesseract, database). Its sums and counts are the time breakdown bench/ocr_throughput.py prints;
in production the same series show which step a slow pipeline spends its time in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from casework_common import metrics

# Queue waits reach tens of seconds under a backlog; the steps themselves are milliseconds.
BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
STAGE_SECONDS = metrics.Metrics("ocr").histogram(
    "stage_seconds", "Time spent in each step of the document and page stages.", ("stage",), buckets=BUCKETS
)


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """Count the time of the ``with`` block (also when it raises) against ``stage``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(stage).observe(time.perf_counter() - started)


def waited(stage: str, occurred_at: float) -> None:
    """Record how long a record waited between its event being written (in the producer's
    transaction) and a worker starting on it: outbox relay, broker and consumer poll together."""
    if occurred_at > 0:
        STAGE_SECONDS.labels(stage).observe(max(0.0, time.time() - occurred_at))
