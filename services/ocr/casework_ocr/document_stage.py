"""The document stage: one evidence item from its stored original to pages.

Scan it (ClamAV), reuse the result of an identical file, recognise its type from its content,
analyse it with the registered extractor, hand any files inside it to intake, store the pages
whose text is already usable, and send one ``ocr.pages`` task per page that needs OCR, so that
every worker shares a long document. Outcomes a user can act on become a terminal status with
the reason; anything else raises and is retried (then dead-lettered, then marked failed).
"""

from __future__ import annotations

import dataclasses
import io
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from minio import Minio
from minio.commonconfig import CopySource
from PIL import Image

from casework.v1 import events_pb2
from casework_common import metrics, storage
from casework_common.events import Event
from casework_common.intake_client import IntakeClient
from casework_common.service_token import ServiceTokenProvider
from casework_ocr import extractors, sniff
from casework_ocr.extractors import Analysis, Context, LimitError, Limits, PasswordProtectedError, UnreadableError
from casework_ocr.scan import Scanner
from casework_ocr.settings import OcrSettings
from casework_ocr.sources import SourceCache
from casework_ocr.stages import timed, waited
from casework_ocr.store import Extractions, PageResult

log = logging.getLogger(__name__)
_metrics = metrics.Metrics("ocr")
DOCUMENTS = _metrics.counter("documents_total", "Evidence items analysed, by outcome.", ("outcome",))
UNDECLARED = "application/octet-stream"
REUSED = _metrics.counter("reused_pages_total", "Pages taken from an identical, already extracted file.")


def file_facts(analysis: Analysis) -> dict[str, Any]:
    """What the extractor read from the open file for the document's facts, as stored until the
    last page is read (see facts_reader.py); only what was found."""
    found: dict[str, Any] = {}
    if analysis.pdf_info:
        found["pdf_info"] = analysis.pdf_info
    if analysis.exif_date:
        found["exif_date"] = analysis.exif_date
    return found


class DocumentStage:
    def __init__(
        self,
        settings: OcrSettings,
        s3: Minio,
        store: Extractions,
        scanner: Scanner,
        intake: IntakeClient,
        tokens: ServiceTokenProvider,
        read_page: Callable[[events_pb2.OcrPageTask, Image.Image | None], None] | None = None,
        sources: SourceCache | None = None,
    ) -> None:
        """``read_page`` (the page stage), if given, reads a document's only OCR page right here
        instead of queueing it on ocr.pages when the workers are idle: one Kafka hop less for a
        one-page scan or photo. ``sources`` (the page stage's cache), if given, keeps the file
        this stage downloaded, so that this worker's page tasks do not download it again.
        ``tokens``: the service account's, with which files found inside evidence go to ``intake``."""
        self.settings = settings
        self.read_page = read_page
        self.sources = sources
        self.s3 = s3
        self.store = store
        self.scanner = scanner
        self.intake = intake
        self.tokens = tokens
        self.limits = Limits(
            max_pages=settings.max_pages,
            max_image_pixels=settings.max_image_pixels,
            max_archive_members=settings.max_archive_members,
            max_archive_ratio=settings.max_archive_ratio,
            max_archive_bytes=settings.max_archive_bytes,
            max_text_page_chars=settings.max_text_page_chars,
        )

    def _end(
        self, ref: events_pb2.EvidenceRef, outcome: str, reason: str, uploaded_by: str = "", detected: str = ""
    ) -> None:
        log.info("evidence %s: %s (%s)", ref.evidence_id, outcome, reason)
        DOCUMENTS.labels(outcome).inc()
        self.store.finish(ref, outcome, reason, uploaded_by, detected)

    def _put_text(self, key: str, text: str) -> None:
        data = text.encode("utf-8")
        self.s3.put_object(
            self.settings.text_bucket, key, io.BytesIO(data), len(data), content_type="text/plain; charset=utf-8"
        )

    def handle(self, uploaded: events_pb2.EvidenceUploaded, event: Event) -> None:
        ref = uploaded.evidence
        waited("document: queue wait", event.occurred_at)
        with timed("document: start (db)"):
            started = self.store.start_document(uploaded)
        if not started:
            return
        earlier = self.store.earlier_result(ref.sha256, ref.evidence_id)
        if earlier:
            return self._reuse(ref, earlier)
        Path(self.settings.work_dir).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="doc-", dir=self.settings.work_dir) as workdir:
            path = Path(workdir) / "original"
            with timed("document: get original (s3)"):
                self.s3.fget_object(ref.bucket, ref.object_key, str(path), version_id=ref.version_id or None)
            if path.stat().st_size == 0:
                return self._end(ref, "unreadable", "The file is empty.")
            with timed("document: virus scan (clamd)"):
                verdict = self.scanner.scan(path)
            if verdict.infected:
                return self._end(
                    ref,
                    "quarantined",
                    f"Infected ({verdict.signature}): kept in quarantine, never opened.",
                    uploaded.uploaded_by,
                )
            if verdict.too_large:
                return self._end(ref, "not_indexed", "Too large to scan for viruses, so it is not opened.")
            detected = sniff.mime_type(path)
            extractor = extractors.for_type(detected)
            if extractor is None:
                reason = f"Stored, but text cannot be read from {detected} files."
                return self._end(ref, "not_indexed", reason, detected=detected)
            (Path(workdir) / "work").mkdir()
            context = Context(
                workdir=Path(workdir) / "work",
                limits=self.limits,
                min_text_layer_chars=self.settings.min_text_layer_chars,
                soffice=self.settings.soffice,
                office_timeout_s=self.settings.office_timeout_s,
            )
            try:
                with timed("document: analyse"):
                    analysis = extractor.analyse(path, context)
            except PasswordProtectedError as exc:
                return self._end(ref, "password_protected", str(exc), detected=detected)
            except UnreadableError as exc:
                return self._end(ref, "unreadable", str(exc), detected=detected)
            except LimitError as exc:
                return self._end(ref, "not_indexed", f"Stored, not indexed: {exc}", detected=detected)
            self._hand_over_children(ref, analysis)
            if not analysis.pages:
                return self._end(
                    ref,
                    "unpacked",
                    "; ".join([f"{len(analysis.children)} file(s) taken out as separate items", *analysis.notes]),
                    detected=detected,
                )
            if self.store.identical_known(ref):
                analysis.notes.append("identical to a file read at the same time; each page image is read once")
            with timed("document: split (s3, db)"):
                only_page = self._split(ref, detected, analysis, path)
        if only_page is not None and self.read_page is not None:
            # Not queued: if this worker dies here, the upload record is delivered again.
            self.read_page(only_page, analysis.page_image)
        DOCUMENTS.labels("split").inc()
        return None

    def _hand_over_children(self, ref: events_pb2.EvidenceRef, analysis: Analysis) -> None:
        refused = 0
        for index, child in enumerate(analysis.children):
            if child.content_type == UNDECLARED:  # an archive member, an attachment without a type
                child = dataclasses.replace(child, content_type=sniff.mime_type(child.path))
            added = self.intake.add_child(
                self.tokens.token(), ref.evidence_id, index, child.filename, child.content_type, child.path
            )
            if added is None:
                refused += 1
        if analysis.children and analysis.pages:
            analysis.notes.append(f"{len(analysis.children) - refused} attached file(s) added as separate items")
        if refused:
            analysis.notes.append(f"{refused} file(s) nested too deeply were not taken in")

    def _split(
        self, ref: events_pb2.EvidenceRef, detected: str, analysis: Analysis, original: Path
    ) -> events_pb2.OcrPageTask | None:
        """Store the text pages and plan the rest; returns the page to read here rather than queue
        (the only OCR page, while the workers are idle), else None."""
        source_bucket, source_key, source_version = ref.bucket, ref.object_key, ref.version_id
        source = original
        if analysis.converted is not None:
            source_bucket, source_key, source_version = (
                self.settings.text_bucket,
                f"{ref.evidence_id}/converted.pdf",
                "",
            )
            self.s3.fput_object(source_bucket, source_key, str(analysis.converted), content_type="application/pdf")
            source = analysis.converted
        text_results, tasks = [], []
        for plan in analysis.pages:
            if plan.text is not None:
                key = storage.page_text_key(ref.evidence_id, plan.number)
                self._put_text(key, plan.text)
                text_results.append(PageResult(plan.number, "text-layer", key, None, len(plan.text)))
            else:
                tasks.append(
                    events_pb2.OcrPageTask(
                        evidence=ref,
                        page=plan.number,
                        source_bucket=source_bucket,
                        source_key=source_key,
                        source_version=source_version,
                        source_kind=plan.source_kind or "image",
                        source_index=plan.source_index,
                    )
                )
        log.info(
            "evidence %s (%s): %d text page(s), %d to OCR", ref.evidence_id, detected, len(text_results), len(tasks)
        )
        if tasks and self.sources is not None:  # scanned clean above; before any task is queued
            self.sources.add(source_bucket, source_key, source_version, source)
        only_page = tasks[0] if len(tasks) == 1 and self._idle() else None
        self.store.plan(
            ref,
            detected,
            text_results,
            tasks,
            analysis.notes,
            analysis.metadata,
            queue=only_page is None,
            file_facts=file_facts(analysis),
        )
        return only_page

    def _idle(self) -> bool:
        """May a one-page document be read here? Only while no page is being read anywhere: then the
        upload waits for nothing but its own OCR. Under load its page is queued like any other, so
        the workers' shares stay even (uploads are spread by hash, pages round-robin)."""
        return self.read_page is not None and not self.store.reading_pages(2 * self.settings.ocr_page_timeout_s)

    def _reuse(self, ref: events_pb2.EvidenceRef, earlier: tuple[Any, list[Any]]) -> None:
        """An identical file was extracted before: copy its page texts (server-side), OCR nothing."""
        results = []
        bucket = self.settings.text_bucket
        document, earlier_pages = earlier
        for row in earlier_pages:
            text_key = storage.page_text_key(ref.evidence_id, row.page)
            self.s3.copy_object(bucket, text_key, CopySource(bucket, row.text_key))
            words_key = None
            if row.words_key:
                words_key = storage.page_words_key(ref.evidence_id, row.page)
                self.s3.copy_object(bucket, words_key, CopySource(bucket, row.words_key))
            results.append(PageResult(row.page, row.method, text_key, words_key, row.char_count, row.image_sha256))
        REUSED.inc(len(results))
        DOCUMENTS.labels("reused").inc()
        log.info("evidence %s: identical to an earlier file, %d page(s) reused", ref.evidence_id, len(results))
        # The text may come from a file this item's readers may not know of; another may be known.
        notes = ["identical to a file already read; its text was reused"] if self.store.identical_known(ref) else []
        self.store.plan(
            ref, document.detected_type or "", results, [], notes, document.metadata, file_facts=document.file_facts
        )
