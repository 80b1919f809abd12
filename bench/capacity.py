"""Capacity plan for a rollout: OCR workers, ocr.pages partitions, Kafka, OpenSearch, S3, Postgres.

The per-unit figures are this project's own, measured on this machine by ``--measure`` and kept in
bench/capacity_figures.json (with the date and how each was measured); the arithmetic is in
bench/capacity_model.py and explained in docs/capacity.md.

    .venv/bin/python bench/capacity.py --members 80000 --backscan-years 10
    flock /tmp/casework-run.lock .venv/bin/python bench/capacity.py --measure   # about 4 minutes

``--measure`` reads dense one-page 300 dpi letters with the Tesseract library the workers link
(one process, OMP_THREAD_LIMIT=1), then starts the whole platform (one OCR worker process) and
puts real cases and evidence through it: the pipeline's pages/s, stored text and word-box sizes,
index sizes from the OpenSearch stand-in, Postgres growth per case, item and page, and the sizes of
the events in the services' outboxes.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import capacity_model
from capacity_model import GIB, TIB, Figures, Inputs, Plan

FIGURES_FILE = Path(__file__).with_name("capacity_figures.json")
MIB = 1024**2


# -- measurement -------------------------------------------------------------------------------------


def _figure(value: float, unit: str, how: str) -> dict[str, Any]:
    return {"value": round(value, 4), "unit": unit, "how": how}


def measure_tesseract(pages: int) -> dict[str, dict[str, Any]]:
    """Seconds per dense page through the Tesseract library (as a worker reads it) and the CLI."""
    import ocr_throughput as corpus  # sets OMP_THREAD_LIMIT=1 before Tesseract loads

    from casework_ocr import tesseract

    rng = random.Random(11)
    images = [corpus.scanned_page(rng, f"CAP-{n:03d}").image for n in range(pages + 1)]
    tesseract.ocr_page(images[0], "eng", 180, "fallback")  # loads the model once, as a worker does
    library = []
    for image in images[1:]:
        started = time.perf_counter()
        tesseract.ocr_page(image, "eng", 180, "fallback")
        library.append(time.perf_counter() - started)
    cli = []
    with tempfile.TemporaryDirectory() as work:
        for n, image in enumerate(images[1:]):
            path = Path(work, f"{n}.png")
            image.save(path, dpi=(300, 300))
            started = time.perf_counter()
            subprocess.run(
                ["tesseract", str(path), "stdout"],
                check=True,
                capture_output=True,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            )
            cli.append(time.perf_counter() - started)
    what = f"{pages} dense A4 letters (28 lines, 300 dpi, noise, skew) from bench/ocr_throughput.py, one process"
    return {
        "tesseract_library_s_per_page": _figure(
            statistics.median(library), "s", f"median, tesserocr as in the workers (orientation fallback); {what}"
        ),
        "tesseract_cli_s_per_page": _figure(
            statistics.median(cli), "s", f"median, `tesseract page.png stdout`, OMP_THREAD_LIMIT=1; {what}"
        ),
    }


def measure_originals() -> dict[str, dict[str, Any]]:
    """Bytes per page of the generated originals: a scanner's image-only PDF, a PNG, a phone JPEG,
    and a born-digital PDF."""
    import ocr_throughput as corpus

    import testdocs

    rng = random.Random(12)
    pages = [corpus.scanned_page(rng, f"ORIG-{n:03d}") for n in range(5)]
    (_, pdf), *_ = corpus.scanned_pdfs(pages, per_pdf=5)
    digital = [testdocs.text_pdf(corpus.letter_text(rng, f"DIGITAL-{n}")) for n in range(5)]
    return {
        "scan_bytes_per_page": _figure(
            len(pdf) / 5, "B", "a 5-page image-only PDF of the dense letters (Pillow, 300 dpi, JPEG inside) / 5"
        ),
        "scan_png_bytes_per_page": _figure(
            statistics.mean(len(corpus.png(p.image)) for p in pages), "B", "for reference: the same pages as PNG"
        ),
        "photo_jpeg_bytes_per_page": _figure(
            statistics.mean(len(corpus.jpeg(p.image)) for p in pages),
            "B",
            "for reference: the same pages as JPEG (quality 88), as a phone photo",
        ),
        "digital_bytes_per_page": _figure(
            statistics.mean(map(len, digital)), "B", "one-page born-digital PDF of the same letter (tests/lib/testdocs)"
        ),
    }


class Measurement:
    """A real platform (one OCR worker process) with cases and evidence put through it."""

    CASES = 60
    TEXT_ITEMS_PER_CASE = 2
    SCANNED_PDFS = 2
    PAGES_PER_SCANNED_PDF = 5

    def __init__(self) -> None:
        import ocr_throughput as corpus

        self.corpus = corpus
        self.platform = corpus.Platform(workers=1)

    def close(self) -> None:
        self.platform.close()

    def _sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.platform._db() as conn:
            return conn.execute(query, params).fetchall()

    def _schema_bytes(self) -> int:
        return int(
            self._sql(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname IN ('workflow', 'intake', 'ocr', 'notify') AND c.relkind IN ('r', 'm')"
            )[0][0]
        )

    def _table_bytes(self, schema: str, table: str) -> int:
        return int(self._sql("SELECT pg_total_relation_size(%s::regclass)", (f"{schema}.{table}",))[0][0])

    def _count(self, schema: str, table: str) -> int:
        return int(self._sql(f"SELECT count(*) FROM {schema}.{table}")[0][0])  # noqa: S608 - fixed names

    def _open_case(self, n: int) -> str:
        import requests

        config = self.platform.stack.config
        body = {
            "member": {
                "name": f"Member {n}",
                "membership_number": f"M9{n:05d}",
                "employer": random.choice(["Metro Transit Ltd", "City Buses plc", "Harbour Rail"]),
                "workplace": "Depot",
            },
            "case_type": "disciplinary",
            "allegations": ["lateness"],
            "summary": "Invited to a disciplinary hearing about alleged lateness.",
        }
        response = requests.post(
            f"{config.url('workflow')}/v1/cases", headers=self.platform.auth, json=body, timeout=30
        )
        response.raise_for_status()
        return response.json()["id"]

    def _wait_indexed(self, ids: list[str]) -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            rows = self._sql("SELECT status FROM intake.evidence WHERE id = ANY(%s::uuid[])", (ids,))
            if len(rows) == len(ids) and all(status == "indexed" for (status,) in rows):
                return
            time.sleep(1)
        raise SystemExit("evidence was not indexed within 10 minutes")

    def run(self) -> dict[str, dict[str, Any]]:
        rng = random.Random(13)
        figures: dict[str, dict[str, Any]] = {}
        before_cases, audit_before = self._schema_bytes(), self._count("workflow", "audit_log")
        cases = [self._open_case(n) for n in range(self.CASES)]
        case_growth = self._schema_bytes() - before_cases

        # Born-digital items: cheap to process, so enough of them for row sizes to mean something.
        items: list[str] = []
        pg_pages_before, page_rows_before = self._table_bytes("ocr", "pages"), self._count("ocr", "pages")
        before_items = self._schema_bytes()
        for n, case in enumerate(cases):
            self.platform.case = case
            files = [
                (f"letter-{n}-{k}.pdf", self.corpus.testdocs.text_pdf(self.corpus.letter_text(rng, f"CAP-{n}-{k}")))
                for k in range(self.TEXT_ITEMS_PER_CASE)
            ]
            _, ids = self.platform.run(files)
            items += ids
        self._wait_indexed(items)

        # Scanned pages through the one OCR worker: the pipeline's rate per worker process.
        self.platform.case = cases[0]
        scans = self.corpus.scanned_pdfs(
            [
                self.corpus.scanned_page(rng, f"CAP-SCAN-{n:02d}")
                for n in range(self.SCANNED_PDFS * self.PAGES_PER_SCANNED_PDF)
            ],
            self.PAGES_PER_SCANNED_PDF,
        )
        seconds, scan_ids = self.platform.run(scans)
        self._wait_indexed(scan_ids)
        items += scan_ids
        item_growth = self._schema_bytes() - before_items
        page_rows = self._count("ocr", "pages") - page_rows_before
        page_bytes = (self._table_bytes("ocr", "pages") - pg_pages_before) / page_rows
        scanned_pages = self.SCANNED_PDFS * self.PAGES_PER_SCANNED_PDF
        figures["ocr_pages_per_s_per_worker"] = _figure(
            scanned_pages / seconds,
            "pages/s",
            f"{scanned_pages} dense scanned pages in {self.SCANNED_PDFS} PDFs through the real platform with one"
            f" OCR worker process, first upload to last page extracted ({seconds:.1f} s)",
        )
        figures["pg_bytes_per_case"] = _figure(
            case_growth / self.CASES,
            "B",
            f"growth of the workflow, intake, ocr and notify schemas (tables + indexes + TOAST) over {self.CASES}"
            " cases opened through the API (case row, opening timeline entry, audit records, outbox rows)",
        )
        figures["pg_bytes_per_page"] = _figure(page_bytes, "B", f"growth of ocr.pages over {page_rows} page rows")
        figures["pg_bytes_per_item"] = _figure(
            (item_growth - page_bytes * page_rows) / len(items),
            "B",
            f"growth of the four schemas over {len(items)} evidence items uploaded and indexed (records, timeline"
            " entries, audit, outbox, notifications), their page rows taken out",
        )
        audit_rows = self._count("workflow", "audit_log")
        figures["pg_bytes_per_audit_record"] = _figure(
            self._table_bytes("workflow", "audit_log") / audit_rows,
            "B",
            f"workflow.audit_log size / {audit_rows} records ({audit_rows - audit_before} written in this run)",
        )
        figures.update(self._text_sizes(scan_ids, items))
        figures.update(self._index_sizes())
        figures.update(self._event_sizes())
        return figures

    def _text_sizes(self, scan_ids: list[str], items: list[str]) -> dict[str, dict[str, Any]]:
        client = next(s for s in self.platform.stack.servers if s.name == "s3").client()
        text, words = [], []
        for evidence_id in items:
            for obj in client.list_objects("casework-text", prefix=f"{evidence_id}/pages/", recursive=True):
                (words if obj.object_name.endswith(".tsv") else text).append(obj.size)
        return {
            "text_bytes_per_page": _figure(
                statistics.mean(text), "B", f"mean size of {len(text)} stored page texts (casework-text bucket)"
            ),
            "words_bytes_per_ocr_page": _figure(
                statistics.mean(words), "B", f"mean size of {len(words)} stored word-box TSVs of OCR'd pages"
            ),
        }

    def _index_sizes(self) -> dict[str, dict[str, Any]]:
        import requests

        url = self.platform.stack.config.url("opensearch")
        rows = requests.get(f"{url}/_cat/indices?format=json&bytes=b", timeout=10).json()
        figures = {}
        for alias, name in (
            ("casework-evidence-pages", "index_bytes_per_page"),
            ("casework-cases", "index_bytes_per_case"),
        ):
            row = next(r for r in rows if r["index"].startswith(alias))
            docs, store = int(row["docs.count"]), int(row["pri.store.size"])
            hits = requests.post(
                f"{url}/{alias}/_search", json={"size": 200, "query": {"match_all": {}}}, timeout=10
            ).json()["hits"]["hits"]
            source = statistics.mean(len(json.dumps(h["_source"]).encode()) for h in hits)
            figures[name] = _figure(
                store / docs,
                "B",
                f"osmem-server's pri.store.size / docs.count of {row['index']} ({docs} documents); osmem keeps"
                f" documents in memory and its figure tracks the source JSON (mean source here: {source:.0f} B),"
                " so it is a proxy for a real index, scaled by --index-overhead",
            )
        return figures

    def _event_sizes(self) -> dict[str, dict[str, Any]]:
        from casework_common.kafka import record_headers

        rows = []
        for schema in ("workflow", "intake", "ocr"):
            rows += self._sql(
                f"SELECT topic, payload_type, count(*), avg(octet_length(payload) + octet_length(key))"  # noqa: S608
                f" FROM {schema}.outbox GROUP BY topic, payload_type"
            )
        overhead = sum(len(k) + len(v) for k, v in record_headers("casework.v1.EvidenceUploaded", "0" * 32))
        sizes = {(topic, kind): (int(count), float(mean) + overhead) for topic, kind, count, mean in rows}

        def mean_of(topic: str) -> tuple[int, float]:
            chosen = [(c, m) for (t, _), (c, m) in sizes.items() if t == topic]
            count = sum(c for c, _ in chosen)
            return count, sum(c * m for c, m in chosen) / count

        how = "mean payload + key of the {n} {topic} rows in the services' outboxes, plus {h} B of record headers"
        figures = {}
        for name, topic in (
            ("kafka_uploaded_bytes", "evidence.uploaded"),
            ("kafka_page_task_bytes", "ocr.pages"),
            ("kafka_status_bytes", "evidence.status"),
            ("kafka_case_event_bytes", "case.events"),
        ):
            n, mean = mean_of(topic)
            figures[name] = _figure(mean, "B", how.format(n=n, topic=topic, h=overhead))
        extracted = self._sql(
            "SELECT sum(octet_length(payload) + octet_length(key)), count(*) FROM ocr.outbox"
            " WHERE topic = 'evidence.extracted'"
        )[0]
        pages = self._count("ocr", "pages")
        figures["kafka_extracted_bytes_per_page"] = _figure(
            (float(extracted[0]) + overhead * int(extracted[1])) / pages,
            "B",
            f"all {extracted[1]} evidence.extracted rows in ocr's outbox (with headers) / the {pages} pages they list",
        )
        return figures


def measure() -> dict[str, Any]:
    """Run every measurement and return the figures file's contents."""
    sys.path.insert(0, str(Path(__file__).parent))
    started = time.monotonic()
    figures = {**measure_tesseract(pages=6), **measure_originals()}
    measurement = Measurement()
    try:
        figures.update(measurement.run())
    finally:
        measurement.close()
    return {
        "measured_on": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "command": "flock /tmp/casework-run.lock .venv/bin/python bench/capacity.py --measure",
        "seconds": round(time.monotonic() - started),
        "figures": figures,
    }


# -- the plan ----------------------------------------------------------------------------------------


def load_figures(path: Path, overrides: list[str]) -> tuple[Figures, dict[str, Any]]:
    """The measured figures, with any ``NAME=VALUE`` overrides applied (and marked as such)."""
    data = json.loads(path.read_text())
    for override in overrides:
        name, _, value = override.partition("=")
        if name not in data["figures"]:
            raise SystemExit(f"--figure {override}: no figure called {name!r}")
        data["figures"][name] = {**data["figures"][name], "value": float(value), "how": "given with --figure"}
    names = [f.name for f in dataclasses.fields(Figures)]
    missing = [n for n in names if n not in data["figures"]]
    if missing:
        raise SystemExit(f"{path} lacks {', '.join(missing)}: run --measure again")
    return Figures(**{n: float(data["figures"][n]["value"]) for n in names}), data


def size(value: float) -> str:
    if value >= TIB:
        return f"{value / TIB:,.2f} TiB"
    if value >= GIB:
        return f"{value / GIB:,.1f} GiB"
    return f"{value / MIB:,.1f} MiB"


def report(inputs: Inputs, result: Plan, data: dict[str, Any]) -> str:
    """The plan, the assumptions and the figures with their sources, as printed."""
    i, p = inputs, result
    lines = [
        f"Capacity plan for {i.members:,} members, {i.regions} regions",
        "",
        "Assumptions (flags):",
        f"  {i.cases_per_1000_members:g} new cases a year per 1,000 members; {i.pages_per_case:g} pages in"
        f" {i.items_per_case:g} files per case; {100 * i.scanned_share:g}% of new pages need OCR",
        f"  uploads on {i.working_days} days x {i.working_hours:g} h; busiest hour {i.peak_factor:g}x the average;"
        f" a {i.burst_pages}-page bundle searchable within {i.target_latency_min:g} min; workers at most"
        f" {100 * i.cpu_target:g}% busy; {i.processes_per_pod} processes per pod",
        f"  retention {i.retention_years:g} years; back-scan {i.backscan_years:g} years of paper files in"
        f" {i.backscan_days:g} days x {i.backscan_hours_per_day:g} h;"
        f" {i.case_events_per_case:g} case events and {i.audit_records_per_case:g} audit records per case",
        f"  Kafka retention {i.kafka_retention_days:g} days x {i.kafka_replication} replicas; index x"
        f"{i.index_overhead:g} over the measured proxy, {i.index_replicas} replica(s), shards of"
        f" <= {i.shard_target_gib:g} GiB",
        "",
        "Load:",
        f"  cases a year           {p.cases_per_year:>14,.0f}   ({p.cases_per_region_per_year:,.0f} per region)",
        f"  evidence files a year  {p.items_per_year:>14,.0f}",
        f"  pages a year           {p.pages_per_year:>14,.0f}   ({p.ocr_pages_per_year:,.0f} OCR'd)",
        f"  OCR peak               {p.ocr_peak_pages_per_s:>14.3f} pages/s",
        "",
        "OCR workers (single-threaded processes, one core each):",
        f"  steady state           {p.workers_steady:>14}   (throughput needs {p.workers_for_throughput},"
        f" the bundle needs {p.workers_for_burst}, minimum {i.min_workers})",
    ]
    if p.backscan_pages:
        lines.append(
            f"  back-scan              {p.workers_backscan:>14}   more, for {p.backscan_pages:,.0f} pages of"
            f" {p.backscan_cases:,.0f} past cases ({p.backscan_pages_per_s:.2f} pages/s)"
        )
    lines += [
        f"  at most                {p.workers_max:>14}   = ocr.autoscaling.maxReplicas {p.ocr_pods_max}"
        f" x ocr.processesPerPod {i.processes_per_pod}",
        f"  ocr.pages partitions   {p.page_partitions:>14}   (external.kafka.pagePartitions; >= maxReplicas x"
        " processesPerPod, and Kafka cannot take partitions away: size for the back-scan)",
        "",
        "Kafka:",
        f"  peak hour              {p.kafka_peak_messages_per_s:>14.1f} messages/s,"
        f" {p.kafka_peak_bytes_per_s / 1024:,.1f} KiB/s",
        f"  back-scan              {p.kafka_backscan_bytes_per_s / 1024:>14,.1f} KiB/s",
        f"  retained on disk       {size(p.kafka_retained_bytes):>14}   (all replicas)",
        "",
        "OpenSearch:",
        f"  primary size           {size(p.index_primary_bytes):>14}   after {i.retention_years:g} years"
        + (" and the back-scan" if p.backscan_pages else ""),
        f"  with replicas          {size(p.index_total_bytes):>14}",
        f"  primary shards         {p.index_primary_shards:>14}",
        "",
        "S3 (logical bytes; the store's redundancy comes on top):",
        f"  per year               {size(p.s3_bytes_per_year):>14}",
        f"  back-scan, once        {size(p.s3_backscan_bytes):>14}",
        f"  total at retention     {size(p.s3_total_bytes):>14}",
        "",
        "Postgres (all schemas):",
        f"  per year               {size(p.pg_bytes_per_year):>14}",
        f"  total at retention     {size(p.pg_total_bytes):>14}",
        "",
        f"Figures used: {FIGURES_FILE.name}, measured {data['measured_on']} on {data['machine']}",
    ]
    for name, figure in data["figures"].items():
        lines.append(f"  {name} = {figure['value']:g} {figure['unit']}: {figure['how']}")
    return "\n".join(lines)


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", action="store_true", help="measure the figures and write them to the file")
    parser.add_argument("--figures", type=Path, default=FIGURES_FILE)
    parser.add_argument(
        "--figure", action="append", default=[], metavar="NAME=VALUE", help="use this value instead of the measured one"
    )
    parser.add_argument("--members", type=int, default=80_000)
    defaults = Inputs(members=0)
    for spec in dataclasses.fields(Inputs):
        if spec.name == "members":
            continue
        default = getattr(defaults, spec.name)
        kind = int if isinstance(default, int) else float
        parser.add_argument(
            f"--{spec.name.replace('_', '-')}", type=kind, default=default, metavar=kind.__name__.upper()
        )
    return parser


def main() -> None:
    args = arguments().parse_args()
    if args.measure:
        data = measure()
        args.figures.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {args.figures} ({data['seconds']} s)")
    figures, data = load_figures(args.figures, args.figure)
    inputs = Inputs(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Inputs)})
    print(report(inputs, capacity_model.plan(inputs, figures), data))


if __name__ == "__main__":
    main()
