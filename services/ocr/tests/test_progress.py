"""Throttled progress of a document being read (pure logic of casework_ocr.store.Progress)."""

from __future__ import annotations

import pytest

from casework_ocr.store import Progress


@pytest.mark.parametrize(
    ("done", "total", "last_done", "seconds_since", "due"),
    [
        (1, 1, 0, None, True),  # never reported (a document from before progress was kept)
        (1, 3, 0, 0.1, True),  # a third of a short document: more than the 10 % step
        (2, 3, 1, 0.1, True),
        (1, 1000, 0, 0.1, False),  # one page of a long document, just after the last report
        (99, 1000, 0, 4.9, False),
        (100, 1000, 0, 0.1, True),  # 10 % further
        (101, 1000, 100, 5.0, True),  # 5 s since the last report
    ],
)
def test_progress_is_reported_per_interval_or_per_step(
    done: int, total: int, last_done: int, seconds_since: float | None, due: bool
) -> None:
    assert Progress(interval_s=5.0, step_percent=10).due(done, total, last_done, seconds_since) is due


def test_a_long_document_reports_a_bounded_number_of_times() -> None:
    progress = Progress(interval_s=5.0, step_percent=10)
    reports, last = 0, 0
    for done in range(1, 1000):  # a page every 0.01 s: time never triggers, the step does
        if progress.due(done, 1000, last, seconds_since=0.01):
            reports, last = reports + 1, done
    assert reports == 9
