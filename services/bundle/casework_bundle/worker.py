"""The bundle workers: take ``bundle.jobs``, build each bundle, store its volumes immutably.

At least once, like every consumer here: a job's offset is committed only after its bundle is
ready or failed, so a worker killed mid-build leaves the job to be delivered again, and the next
worker builds the bundle from the start (it is still 'building'). A job for a bundle already
ready or failed does nothing. A build that fails on its inputs (a file changed, a conversion
failed) ends 'failed' with the reason at once; any other error is retried by the consumer and,
once its attempts are spent, dead-lettered and the bundle marked failed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import shutil
import tempfile
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from minio import Minio
from minio.commonconfig import GOVERNANCE
from minio.retention import Retention

from casework.v1 import events_pb2
from casework_bundle import metrics
from casework_bundle.assemble import BuiltBundle, BundleOptions, SourceDocument, build_bundle, order_documents
from casework_bundle.sources import BundleError, Sources
from casework_bundle.store import Built, Bundles, parse_id
from casework_bundle.worker_settings import WorkerSettings
from casework_common.events import Event

log = logging.getLogger(__name__)


def volume_key(case_id: str, bundle_id: str, number: int) -> str:
    """Where a volume is kept in the bundles bucket."""
    return f"cases/{case_id}/bundles/{bundle_id}/volume-{number:02d}.pdf"


class BundleWorker:
    def __init__(self, store: Bundles, s3: Minio, settings: WorkerSettings) -> None:
        self.store = store
        self.s3 = s3
        self.settings = settings
        self.sources = Sources(s3, settings)

    def handle(self, job: events_pb2.BundleRequested, _event: Event) -> None:
        """Build the bundle the job names, unless it is finished already."""
        row = self.store.start(job.bundle_id)
        if row is None:
            log.info("bundle %s is finished already (or unknown): nothing to do", job.bundle_id)
            metrics.BUILDS.labels("skipped").inc()
            return
        started = time.perf_counter()
        log.info("bundle %s (%s v%d): building from %d item(s)", row.id, row.title, row.version, len(row.items))
        try:
            built = self._build(row)
        except BundleError as exc:
            log.warning("bundle %s failed: %s", row.id, exc)
            if self.store.fail(row.id, str(exc)):
                metrics.BUILDS.labels("failed").inc()
            return
        if self.store.finish(row.id, built):
            metrics.BUILDS.labels("ready").inc()
            metrics.BUILD_SECONDS.observe(time.perf_counter() - started)
            metrics.PAGES.inc(built.pages_total)
            log.info("bundle %s ready: %d page(s) in %d volume(s)", row.id, built.pages_total, len(built.volumes))
        else:
            # Another worker finished it first (its volumes stand), or the case was erased meanwhile
            # (the erasure waits for this build to end, then removes the volumes just stored).
            log.info("bundle %s was finished by another worker or its case erased meanwhile", row.id)

    def dead_letter(self, job: events_pb2.BundleRequested | None, exc: BaseException) -> None:
        """A job dead-lettered after its attempts: the bundle is marked failed, never left 'building'."""
        if job is None:
            return
        reason = f"The bundle could not be built ({type(exc).__name__}); ask for it again."
        if (bundle_id := parse_id(job.bundle_id)) and self.store.fail(bundle_id, reason):
            metrics.BUILDS.labels("failed").inc()

    def _build(self, row: Any) -> Built:
        options = row.options
        reference = options.get("case_reference")
        details = tuple(([f"Case {reference}"] if reference else []) + list(options.get("details") or ()))
        bundle_options = BundleOptions(
            title=row.title,
            details=details,
            sections=tuple(options.get("sections") or ()),
            max_pages_per_volume=options.get("max_pages_per_volume"),
        )
        Path(self.settings.work_dir).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="bundle-", dir=self.settings.work_dir) as tmp:
            workdir = Path(tmp)
            docs = [self.sources.document(str(row.case_id), item, workdir / "items") for item in row.items]
            evidence_of = {id(doc): item["evidence_id"] for doc, item in zip(docs, row.items, strict=True)}
            if options.get("order", "chronological") == "chronological":
                docs = order_documents(docs, bundle_options.sections)
            out = workdir / "out"
            out.mkdir()
            try:
                result = build_bundle(docs, bundle_options, out, progress=self._progress(row.id))
            except ValueError as exc:  # the library's word for inputs it cannot assemble
                raise BundleError(f"The documents could not be assembled: {exc}") from exc
            return self._store(row, result, _evidence_ids(result, docs, evidence_of))

    def _progress(self, bundle_id: Any):
        last = [0.0]

        def report(done: int, total: int) -> None:
            now = time.monotonic()
            if done >= total or now - last[0] >= self.settings.progress_interval_s:
                last[0] = now
                self.store.progress(bundle_id, done, total)

        return report

    def _store(self, row: Any, result: BuiltBundle, evidence_ids: list[str]) -> Built:
        """Upload each volume under a governance lock for the retention period; record hashes and sizes."""
        until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=self.settings.bundle_retention_days)
        index_rows = [
            dataclasses.asdict(r) | {"evidence_id": evidence_id}
            for r, evidence_id in zip(result.index, evidence_ids, strict=True)
        ]
        volumes = []
        for number, path in enumerate(result.volumes, start=1):
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(chunk)
            key = volume_key(str(row.case_id), str(row.id), number)
            written = self.s3.fput_object(
                self.settings.bundle_bucket,
                key,
                str(path),
                content_type="application/pdf",
                retention=Retention(GOVERNANCE, until),
            )
            pages = [(r["first_page"], r["last_page"]) for r in index_rows if r["volume"] == number]
            volumes.append(
                {
                    "number": number,
                    "key": key,
                    "version_id": written.version_id,
                    "sha256": digest.hexdigest(),
                    "size_bytes": path.stat().st_size,
                    "first_page": min(p[0] for p in pages) if pages else None,
                    "last_page": max(p[1] for p in pages) if pages else None,
                }
            )
        hashes = [v["sha256"] for v in volumes]
        overall = hashes[0] if len(hashes) == 1 else hashlib.sha256("\n".join(hashes).encode()).hexdigest()
        return Built(
            volumes=volumes,
            index_rows=index_rows,
            pages_total=result.pages_total,
            sha256=overall,
            size_bytes=sum(v["size_bytes"] for v in volumes),
        )


def clean_work_dir(settings: WorkerSettings) -> None:
    """Remove what a worker killed mid-build left behind (each build cleans up after itself otherwise).

    Only builds older than the longest a build may take (the consumer's poll interval: after that its
    job goes to another worker anyway) are removed: another worker may share the directory on this host.
    """
    root = Path(settings.work_dir)
    root.mkdir(parents=True, exist_ok=True)
    stale_before = time.time() - settings.kafka_max_poll_interval_ms / 1000
    for build in root.glob("bundle-*"):
        if build.stat().st_mtime < stale_before:
            shutil.rmtree(build, ignore_errors=True)


def _evidence_ids(result: BuiltBundle, docs: list[SourceDocument], evidence_of: dict[int, str]) -> list[str]:
    """The evidence item of each index row. The library keeps the documents' order within each section
    (it only groups them by section), so a section's n-th row is its n-th document here."""
    waiting: dict[str, deque[SourceDocument]] = {}
    for doc in docs:
        waiting.setdefault(doc.section, deque()).append(doc)
    found = []
    for index_row in result.index:
        doc = waiting[index_row.section].popleft()
        if doc.title != index_row.title:
            raise RuntimeError(f"index row {index_row.number} is {index_row.title!r}, expected {doc.title!r}")
        found.append(evidence_of[id(doc)])
    return found
