"""The capacity model's arithmetic (bench/capacity_model.py): hand-checked figures, the partition
rule the Helm chart enforces, and plans that grow with the union. Pure logic: no servers."""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "capacity_model", Path(__file__).resolve().parents[1] / "bench" / "capacity_model.py"
)
assert _spec and _spec.loader
capacity_model = importlib.util.module_from_spec(_spec)
sys.modules["capacity_model"] = capacity_model  # dataclasses look their module up there
_spec.loader.exec_module(capacity_model)

# Round numbers, so that every expected value below can be worked out by hand.
FIGURES = capacity_model.Figures(
    ocr_pages_per_s_per_worker=1.0,
    scan_bytes_per_page=100,
    digital_bytes_per_page=10,
    text_bytes_per_page=2,
    words_bytes_per_ocr_page=5,
    index_bytes_per_page=3,
    index_bytes_per_case=7,
    pg_bytes_per_case=1000,
    pg_bytes_per_item=100,
    pg_bytes_per_page=10,
    pg_bytes_per_audit_record=1,
    kafka_uploaded_bytes=50,
    kafka_page_task_bytes=40,
    kafka_extracted_bytes_per_page=20,
    kafka_status_bytes=30,
    kafka_case_event_bytes=60,
)
SMALL = capacity_model.Inputs(
    members=100_000,
    cases_per_1000_members=10,
    pages_per_case=50,
    items_per_case=5,
    scanned_share=0.5,
    retention_years=7,
    backscan_years=10,
    backscan_days=100,
    audit_records_per_case=100,
    index_overhead=1.0,
)


def test_a_small_union_worked_by_hand() -> None:
    plan = capacity_model.plan(SMALL, FIGURES)
    assert plan.cases_per_year == pytest.approx(1_000)
    assert plan.pages_per_year == pytest.approx(50_000)
    assert plan.ocr_pages_per_year == pytest.approx(25_000)
    # 25,000 pages over 250 days x 8 h = 7.2 M s, times the peak factor 3.
    assert plan.ocr_peak_pages_per_s == pytest.approx(25_000 / 7_200_000 * 3)
    # Throughput needs one worker, the 300-page bundle in 10 min at 1 page/s needs one: the minimum is two.
    assert (plan.workers_for_throughput, plan.workers_for_burst, plan.workers_steady) == (1, 1, 2)
    # Back-scan: 10 years x 1,000 cases x 50 pages in 100 days round the clock.
    assert plan.backscan_pages == pytest.approx(500_000)
    assert plan.backscan_pages_per_s == pytest.approx(500_000 / 8_640_000)
    assert plan.workers_backscan == 1
    assert (plan.workers_max, plan.ocr_pods_max, plan.page_partitions) == (3, 2, 4)
    # S3 a year: 25,000 scans x 100 + 25,000 digital x 10 + 50,000 texts x 2 + 25,000 word boxes x 5.
    assert plan.s3_bytes_per_year == pytest.approx(2_975_000)
    assert plan.s3_backscan_bytes == pytest.approx(500_000 * (100 + 2 + 5))
    assert plan.s3_total_bytes == pytest.approx(7 * 2_975_000 + 500_000 * 107)
    # Postgres a year: 1,000 cases x (1,000 + 100 audit x 1) + 5,000 items x 100 + 50,000 pages x 10.
    assert plan.pg_bytes_per_year == pytest.approx(1_000 * 1_100 + 5_000 * 100 + 50_000 * 10)
    # Index: 7 years of pages and cases plus the back-scan, x 1 replica.
    primary = (7 * 50_000 + 500_000) * 3 + (7 * 1_000 + 10_000) * 7
    assert plan.index_primary_bytes == pytest.approx(primary)
    assert plan.index_total_bytes == pytest.approx(2 * primary)
    assert plan.index_primary_shards == 1


def test_more_workers_than_processes_per_pod_round_up_to_whole_pods() -> None:
    inputs = dataclasses.replace(SMALL, processes_per_pod=4, backscan_years=0, min_workers=5)
    plan = capacity_model.plan(inputs, FIGURES)
    assert plan.workers_max == 5
    assert (plan.ocr_pods_max, plan.page_partitions) == (2, 8)


@pytest.mark.parametrize("members", [1_000, 80_000, 1_300_000, 5_000_000])
@pytest.mark.parametrize("processes_per_pod", [1, 2, 3])
@pytest.mark.parametrize("backscan_years", [0, 10])
def test_partitions_cover_every_worker_as_the_chart_requires(
    members: int, processes_per_pod: int, backscan_years: int
) -> None:
    inputs = dataclasses.replace(
        SMALL, members=members, processes_per_pod=processes_per_pod, backscan_years=backscan_years
    )
    plan = capacity_model.plan(inputs, FIGURES)
    assert plan.page_partitions >= plan.workers_max >= plan.workers_steady >= inputs.min_workers
    assert plan.page_partitions == plan.ocr_pods_max * processes_per_pod  # pagePartitions >= maxReplicas x ppp
    assert plan.ocr_pods_max == -(-plan.workers_max // processes_per_pod)  # no idle pod beyond the last


def test_every_figure_grows_with_the_membership() -> None:
    sizes = [1_000, 10_000, 80_000, 300_000, 1_300_000, 5_000_000]
    plans = [capacity_model.plan(dataclasses.replace(SMALL, members=m), FIGURES) for m in sizes]
    for smaller, larger in itertools.pairwise(plans):
        for name in ("workers_steady", "workers_backscan", "workers_max", "page_partitions", "index_primary_shards"):
            assert getattr(larger, name) >= getattr(smaller, name), name
        for name in (
            "pages_per_year",
            "kafka_peak_bytes_per_s",
            "kafka_retained_bytes",
            "index_total_bytes",
            "s3_total_bytes",
            "pg_total_bytes",
        ):
            assert getattr(larger, name) > getattr(smaller, name), name
    assert plans[-1].workers_max > plans[0].workers_max


def test_without_a_backscan_nothing_is_added_for_one() -> None:
    plan = capacity_model.plan(dataclasses.replace(SMALL, backscan_years=0), FIGURES)
    assert plan.backscan_pages == plan.workers_backscan == plan.s3_backscan_bytes == 0
    assert plan.kafka_backscan_bytes_per_s == 0
    assert plan.workers_max == plan.workers_steady


def test_a_faster_backscan_needs_more_workers() -> None:
    big = dataclasses.replace(SMALL, members=1_300_000)
    slow = capacity_model.plan(dataclasses.replace(big, backscan_days=365), FIGURES)
    fast = capacity_model.plan(dataclasses.replace(big, backscan_days=30), FIGURES)
    assert fast.workers_backscan > slow.workers_backscan
    assert fast.s3_backscan_bytes == slow.s3_backscan_bytes  # the same pages, sooner


def test_a_tighter_latency_target_needs_more_workers_for_the_bundle() -> None:
    relaxed = capacity_model.plan(dataclasses.replace(SMALL, target_latency_min=60), FIGURES)
    tight = capacity_model.plan(dataclasses.replace(SMALL, target_latency_min=1), FIGURES)
    assert tight.workers_for_burst == 5  # 300 pages in 60 s at 1 page/s per worker
    assert tight.workers_steady > relaxed.workers_steady


def test_shards_follow_the_target_shard_size() -> None:
    inputs = dataclasses.replace(SMALL, members=1_300_000, shard_target_gib=0.001)
    plan = capacity_model.plan(inputs, FIGURES)
    assert plan.index_primary_shards == -(-plan.index_primary_bytes // (0.001 * capacity_model.GIB))
