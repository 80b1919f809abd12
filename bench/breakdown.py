"""Where the OCR pipeline's time went during a benchmark: the difference of the OCR service's
``casework_ocr_stage_seconds`` histogram (see services/ocr/casework_ocr/stages.py) between two
scrapes of its /metrics, printed as total, count and mean per stage."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

METRIC = "casework_ocr_stage_seconds"


def scrape(ocr_url: str) -> dict[str, tuple[float, float]]:
    """Per stage: (seconds in total, observations) so far."""
    text = requests.get(f"{ocr_url}/metrics", timeout=10).text
    totals: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        if family.name != METRIC:
            continue
        for sample in family.samples:
            stage = sample.labels.get("stage")
            if stage is None:
                continue
            if sample.name == f"{METRIC}_sum":
                totals.setdefault(stage, [0.0, 0.0])[0] += sample.value
            elif sample.name == f"{METRIC}_count":
                totals.setdefault(stage, [0.0, 0.0])[1] += sample.value
    return {stage: (seconds, count) for stage, (seconds, count) in totals.items()}


def report(before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]], title: str) -> None:
    """Print the stages that took time between the two scrapes, queue waits apart (they are time a
    record spent waiting, not work), documents before pages."""
    rows = []
    for stage, (seconds, count) in after.items():
        earlier_seconds, earlier_count = before.get(stage, (0.0, 0.0))
        if count > earlier_count:
            rows.append((stage, seconds - earlier_seconds, int(count - earlier_count)))
    work = sum(seconds for stage, seconds, _ in rows if "queue wait" not in stage)
    print(f"  time breakdown, {title} (all workers; queue waits are waiting, not work):")
    # Documents before pages; in each, the queue wait first, then the steps by time taken.
    for stage, seconds, count in sorted(
        rows, key=lambda row: (not row[0].startswith("document"), "queue wait" not in row[0], -row[1])
    ):
        share = "" if "queue wait" in stage else f"{100 * seconds / work:5.1f}%"
        print(f"    {stage:34} {seconds:8.2f} s  {count:4d} x  mean {1000 * seconds / count:8.1f} ms  {share}")
