"""The capacity model's arithmetic: from a union's size and the platform's measured per-unit
figures to OCR workers, partitions, Kafka, OpenSearch, S3 and Postgres sizes.

Pure functions only (no I/O, no measurement): ``bench/capacity.py`` measures the figures and
prints the plan; ``tests/test_capacity_model.py`` checks the arithmetic. docs/capacity.md
explains each formula and assumption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

GIB = 1024**3
TIB = 1024**4
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class Figures:
    """The platform's own per-unit figures (measured by ``capacity.py --measure``)."""

    ocr_pages_per_s_per_worker: float  # one single-threaded OCR worker process, upload -> extracted
    scan_bytes_per_page: float  # original of a scanned page (image-only PDF at 300 dpi)
    digital_bytes_per_page: float  # original of a born-digital page (PDF with a text layer)
    text_bytes_per_page: float  # the page's extracted text, as stored in the text bucket
    words_bytes_per_ocr_page: float  # Tesseract word boxes (TSV) kept for each OCR'd page
    index_bytes_per_page: float  # one evidence-pages index document (see docs/capacity.md: a proxy)
    index_bytes_per_case: float  # one cases index document
    pg_bytes_per_case: float  # all schemas' growth per opened case (row, timeline, audit, outbox)
    pg_bytes_per_item: float  # all schemas' growth per evidence item, its pages excluded
    pg_bytes_per_page: float  # ocr's per-page rows
    pg_bytes_per_audit_record: float
    kafka_uploaded_bytes: float  # evidence.uploaded message (envelope + key + headers)
    kafka_page_task_bytes: float  # ocr.pages message
    kafka_extracted_bytes_per_page: float  # evidence.extracted message, per page it lists
    kafka_status_bytes: float  # evidence.status message
    kafka_case_event_bytes: float  # case.events message


@dataclass(frozen=True)
class Inputs:
    """The union and the service level it wants. Defaults are assumptions (docs/capacity.md)."""

    members: int
    cases_per_1000_members: float = 25.0  # new cases a year per 1,000 members
    pages_per_case: float = 60.0
    items_per_case: float = 12.0  # files uploaded per case (a file has pages_per_case / items pages)
    scanned_share: float = 0.6  # share of new pages with no text layer (paper, photos): these are OCR'd
    regions: int = 12
    working_days: int = 250  # uploads arrive on working days...
    working_hours: float = 8.0  # ...in working hours
    peak_factor: float = 3.0  # busiest hour against the average working hour
    burst_pages: int = 300  # one large bundle that must become searchable...
    target_latency_min: float = 10.0  # ...within this many minutes, on an otherwise idle pipeline
    cpu_target: float = 0.75  # the autoscaler's CPU target: workers are sized to run at most this busy
    min_workers: int = 2  # so one pod can be rescheduled while the other reads
    processes_per_pod: int = 2
    retention_years: float = 7.0  # evidence is kept (object lock) this long: CASEWORK_EVIDENCE_RETENTION_DAYS
    backscan_years: float = 0.0  # one-off: scan this many years of past paper case files
    backscan_days: float = 180.0  # ...within this many days
    backscan_hours_per_day: float = 24.0  # a batch runs round the clock
    backscan_pages_per_case: float | None = None  # default: pages_per_case
    case_events_per_case: float = 40.0  # case.events messages over a case's life (changes, timeline, referral)
    audit_records_per_case: float = 300.0  # audited reads and changes over a case's life
    kafka_retention_days: float = 7.0
    kafka_replication: int = 3
    index_replicas: int = 1
    index_overhead: float = 1.5  # real OpenSearch index size / the measured per-page figure
    shard_target_gib: float = 30.0


@dataclass
class Plan:
    """Everything the model computes; every size in bytes, every rate per second."""

    cases_per_year: float
    cases_per_region_per_year: float
    items_per_year: float
    pages_per_year: float
    ocr_pages_per_year: float
    ocr_peak_pages_per_s: float
    workers_for_throughput: int
    workers_for_burst: int
    workers_steady: int
    backscan_cases: float
    backscan_pages: float
    backscan_pages_per_s: float
    workers_backscan: int  # on top of the steady workers, while the back-scan runs
    workers_max: int
    ocr_pods_max: int
    page_partitions: int
    kafka_peak_messages_per_s: float
    kafka_peak_bytes_per_s: float
    kafka_backscan_bytes_per_s: float
    kafka_retained_bytes: float  # on disk over all replicas, in the busiest retention window
    index_primary_bytes: float
    index_total_bytes: float
    index_primary_shards: int
    s3_bytes_per_year: float
    s3_backscan_bytes: float
    s3_total_bytes: float
    pg_bytes_per_year: float
    pg_total_bytes: float
    details: dict[str, float] = field(default_factory=dict)


def ceil_div(value: float, per: float) -> int:
    """How many units of capacity ``per`` cover ``value`` (at least 0)."""
    return max(0, math.ceil(value / per - 1e-9))


def plan(inputs: Inputs, figures: Figures) -> Plan:
    """The capacity plan for ``inputs`` given the platform's ``figures``."""
    i, f = inputs, figures
    cases = i.members / 1000 * i.cases_per_1000_members
    items = cases * i.items_per_case
    pages = cases * i.pages_per_case
    ocr_pages = pages * i.scanned_share
    pages_per_item = i.pages_per_case / i.items_per_case

    # OCR, steady state: the busiest working hour at the CPU target, and one bundle within the latency target.
    working_seconds = i.working_days * i.working_hours * SECONDS_PER_HOUR
    peak_rate = ocr_pages / working_seconds * i.peak_factor
    usable = f.ocr_pages_per_s_per_worker * i.cpu_target
    for_throughput = ceil_div(peak_rate, usable)
    for_burst = ceil_div(i.burst_pages, f.ocr_pages_per_s_per_worker * i.target_latency_min * 60)
    steady = max(i.min_workers, for_throughput, for_burst)

    # The back-scan: past paper files, every page OCR'd, alongside the steady load.
    backscan_cases = cases * i.backscan_years
    backscan_page_count = backscan_cases * (i.backscan_pages_per_case or i.pages_per_case)
    backscan_seconds = i.backscan_days * i.backscan_hours_per_day * SECONDS_PER_HOUR
    backscan_rate = backscan_page_count / backscan_seconds if backscan_page_count else 0.0
    for_backscan = ceil_div(backscan_rate, usable)
    workers_max = steady + for_backscan
    pods = ceil_div(workers_max, i.processes_per_pod)
    # Page tasks go round-robin over ocr.pages: every worker process needs a partition of its own, and
    # the chart requires pagePartitions >= maxReplicas x processesPerPod.
    partitions = pods * i.processes_per_pod

    # Kafka: what the busiest hour and the back-scan put through, and what a retention window holds.
    def message_bytes(item_count: float, ocr_page_count: float, page_count: float, case_count: float) -> float:
        return (
            item_count * (f.kafka_uploaded_bytes + 2 * f.kafka_status_bytes)  # uploaded; scanning, indexed
            + ocr_page_count * (f.kafka_page_task_bytes + f.kafka_status_bytes)  # one task, one progress each
            + page_count * f.kafka_extracted_bytes_per_page
            + case_count * i.case_events_per_case * f.kafka_case_event_bytes
        )

    def message_count(item_count: float, ocr_page_count: float, case_count: float) -> float:
        return item_count * 4 + ocr_page_count * 2 + case_count * i.case_events_per_case

    # The year's traffic over its working seconds is the average rate; the busiest hour is peak_factor times it.
    peak_window = working_seconds / i.peak_factor
    kafka_peak_bytes = message_bytes(items, ocr_pages, pages, cases) / peak_window
    kafka_peak_messages = message_count(items, ocr_pages, cases) / peak_window
    backscan_items = backscan_cases * i.items_per_case
    kafka_backscan = (
        message_bytes(backscan_items, backscan_page_count, backscan_page_count, 0) / backscan_seconds
        if backscan_page_count
        else 0.0
    )
    daily_bytes = message_bytes(items, ocr_pages, pages, cases) / i.working_days
    retained = (daily_bytes + kafka_backscan * i.backscan_hours_per_day * SECONDS_PER_HOUR) * i.kafka_retention_days
    retained *= i.kafka_replication

    # OpenSearch: every page and case kept for the retention period, plus the back-scan.
    kept_pages = pages * i.retention_years + backscan_page_count
    kept_cases = cases * i.retention_years + backscan_cases
    primary = (kept_pages * f.index_bytes_per_page + kept_cases * f.index_bytes_per_case) * i.index_overhead
    shards = max(1, ceil_div(primary, i.shard_target_gib * GIB))

    # S3 (logical bytes: the store's own redundancy comes on top): originals, page texts, word boxes.
    def s3_bytes(page_count: float, scanned: float) -> float:
        originals = scanned * f.scan_bytes_per_page + (page_count - scanned) * f.digital_bytes_per_page
        return originals + page_count * f.text_bytes_per_page + scanned * f.words_bytes_per_ocr_page

    s3_year = s3_bytes(pages, ocr_pages)
    s3_backscan = s3_bytes(backscan_page_count, backscan_page_count)

    # Postgres: rows per case, item and page, and the audit log.
    def pg_bytes(case_count: float, item_count: float, page_count: float) -> float:
        return (
            case_count * (f.pg_bytes_per_case + i.audit_records_per_case * f.pg_bytes_per_audit_record)
            + item_count * f.pg_bytes_per_item
            + page_count * f.pg_bytes_per_page
        )

    pg_year = pg_bytes(cases, items, pages)
    pg_total = pg_year * i.retention_years + pg_bytes(backscan_cases, backscan_items, backscan_page_count)

    return Plan(
        cases_per_year=cases,
        cases_per_region_per_year=cases / i.regions,
        items_per_year=items,
        pages_per_year=pages,
        ocr_pages_per_year=ocr_pages,
        ocr_peak_pages_per_s=peak_rate,
        workers_for_throughput=for_throughput,
        workers_for_burst=for_burst,
        workers_steady=steady,
        backscan_cases=backscan_cases,
        backscan_pages=backscan_page_count,
        backscan_pages_per_s=backscan_rate,
        workers_backscan=for_backscan,
        workers_max=workers_max,
        ocr_pods_max=pods,
        page_partitions=partitions,
        kafka_peak_messages_per_s=kafka_peak_messages,
        kafka_peak_bytes_per_s=kafka_peak_bytes,
        kafka_backscan_bytes_per_s=kafka_backscan,
        kafka_retained_bytes=retained,
        index_primary_bytes=primary,
        index_total_bytes=primary * (1 + i.index_replicas),
        index_primary_shards=shards,
        s3_bytes_per_year=s3_year,
        s3_backscan_bytes=s3_backscan,
        s3_total_bytes=s3_year * i.retention_years + s3_backscan,
        pg_bytes_per_year=pg_year,
        pg_total_bytes=pg_total,
        details={"pages_per_item": pages_per_item, "working_seconds_per_year": working_seconds},
    )
