"""One evidence item from stored original to per-page text in S3 and an ``evidence.extracted`` event."""

from __future__ import annotations

import io
import logging
import tempfile
import time
from pathlib import Path

from kafka import KafkaProducer
from minio import Minio

from casework.v1 import events_pb2
from casework_common import events, kafka, metrics, storage
from casework_common.events import Event
from casework_ocr import extractors, sniff, tesseract
from casework_ocr.extractors import ExtractOptions, Page, UnreadableError
from casework_ocr.settings import OcrSettings

log = logging.getLogger(__name__)

_metrics = metrics.Metrics("ocr")
PAGES = _metrics.counter("pages_total", "Pages extracted, by method (text-layer or ocr).", ("method",))
PAGE_SECONDS = _metrics.histogram("page_duration_seconds", "Time to extract one page, by method.", ("method",))
DOCUMENTS = _metrics.counter("documents_total", "Evidence items finished, by outcome.", ("outcome",))


class Pipeline:
    def __init__(self, settings: OcrSettings, s3: Minio, producer: KafkaProducer) -> None:
        self.settings = settings
        self.s3 = s3
        self.producer = producer
        self.options = ExtractOptions(dpi=settings.ocr_dpi, min_text_layer_chars=settings.min_text_layer_chars)

    def _publish(
        self, topic: str, payload: events_pb2.EvidenceExtracted | events_pb2.EvidenceStatusChanged, key: str
    ) -> None:
        # Wait for the broker: the consumer commits its offset only after this returns.
        kafka.publish(self.producer, topic, key, payload, self.settings.service_name).get(timeout=30)

    def _status(
        self, ref: events_pb2.EvidenceRef, status: int, reason: str = "", done: int = 0, total: int = 0
    ) -> None:
        self._publish(
            events.EVIDENCE_STATUS,
            events_pb2.EvidenceStatusChanged(
                evidence_id=ref.evidence_id,
                case_id=ref.case_id,
                status=status,
                reason=reason,
                pages_done=done,
                pages_total=total,
            ),
            ref.evidence_id,
        )

    def _fail(self, ref: events_pb2.EvidenceRef, reason: str, outcome: str) -> None:
        log.warning("evidence %s failed: %s", ref.evidence_id, reason)
        DOCUMENTS.labels(outcome).inc()
        self._status(ref, events_pb2.EVIDENCE_STATUS_FAILED, reason)

    def _store_page(self, ref: events_pb2.EvidenceRef, page: Page) -> events_pb2.ExtractedPage:
        started = time.perf_counter()
        if page.text is not None:
            method, text = "text-layer", page.text
        else:
            method = "ocr"
            text = tesseract.ocr_page(page.image, self.settings.ocr_language, self.settings.ocr_page_timeout_s)
        data = text.encode("utf-8")
        key = storage.page_text_key(ref.evidence_id, page.number)
        self.s3.put_object(
            self.settings.text_bucket, key, io.BytesIO(data), len(data), content_type="text/plain; charset=utf-8"
        )
        PAGES.labels(method).inc()
        PAGE_SECONDS.labels(method).observe(time.perf_counter() - started)
        return events_pb2.ExtractedPage(number=page.number, method=method, text_key=key, char_count=len(text))

    def handle(self, uploaded: events_pb2.EvidenceUploaded, _event: Event) -> None:
        """Extract every page; failures a user can act on become a 'failed' status with the reason."""
        ref = uploaded.evidence
        self._status(ref, events_pb2.EVIDENCE_STATUS_SCANNING)
        with tempfile.TemporaryDirectory(prefix="casework-ocr-") as workdir:
            path = Path(workdir) / "original"
            self.s3.fget_object(ref.bucket, ref.object_key, str(path), version_id=ref.version_id or None)
            if path.stat().st_size == 0:
                return self._fail(ref, "The file is empty.", "empty")
            detected = sniff.mime_type(path)
            extractor = extractors.for_type(detected)
            if extractor is None:
                return self._fail(ref, f"Stored, but text cannot be extracted from {detected} files.", "unsupported")
            self._status(ref, events_pb2.EVIDENCE_STATUS_EXTRACTING)
            pages: list[events_pb2.ExtractedPage] = []
            try:
                for page in extractor.pages(path, self.options):
                    pages.append(self._store_page(ref, page))
                    self._status(ref, events_pb2.EVIDENCE_STATUS_EXTRACTING, done=len(pages))
            except UnreadableError as exc:
                return self._fail(ref, f"Unreadable: {exc}", "unreadable")
            except tesseract.OcrTimeout as exc:
                return self._fail(ref, str(exc), "timeout")
        if not pages:
            return self._fail(ref, "The file has no pages.", "empty")
        self._publish(
            events.EVIDENCE_EXTRACTED,
            events_pb2.EvidenceExtracted(
                evidence=ref,
                detected_type=detected,
                text_bucket=self.settings.text_bucket,
                pages=pages,
            ),
            ref.evidence_id,
        )
        DOCUMENTS.labels("extracted").inc()
        log.info("evidence %s extracted: %d pages (%s)", ref.evidence_id, len(pages), detected)
        return None
