"""The page stage: one page of one document, rendered and OCR'd by whichever worker takes it.

A page whose image was OCR'd before (the same letter sent twice) reuses that result; a page
that exceeds the per-page time limit is recorded as unreadable in time, and the document
still completes.
"""

from __future__ import annotations

import io
import logging
import tempfile
import time
from pathlib import Path

from minio import Minio
from minio.commonconfig import CopySource

from casework.v1 import events_pb2
from casework_common import metrics, storage
from casework_common.events import Event
from casework_ocr import tesseract
from casework_ocr.render import image_digest, render
from casework_ocr.settings import OcrSettings
from casework_ocr.sources import SourceCache
from casework_ocr.store import OcrStore, PageResult

log = logging.getLogger(__name__)
_metrics = metrics.Metrics("ocr")
PAGES = _metrics.counter("pages_total", "Pages finished, by method.", ("method",))
PAGE_SECONDS = _metrics.histogram("page_duration_seconds", "Time to finish one page, by method.", ("method",))


class PageStage:
    def __init__(self, settings: OcrSettings, s3: Minio, store: OcrStore, sources: SourceCache) -> None:
        self.settings = settings
        self.s3 = s3
        self.store = store
        self.sources = sources

    def _put(self, key: str, text: str, content_type: str) -> None:
        data = text.encode("utf-8")
        self.s3.put_object(self.settings.text_bucket, key, io.BytesIO(data), len(data), content_type=content_type)

    def handle(self, task: events_pb2.OcrPageTask, _event: Event) -> None:
        ref = task.evidence
        if not self.store.start_page(ref, task.page):
            return
        started = time.perf_counter()
        settings = self.settings
        source = self.sources.get(task.source_bucket, task.source_key, task.source_version)
        image = render(source, task.source_kind, task.source_index, settings.ocr_dpi, settings.max_image_pixels)
        digest = image_digest(image, settings.ocr_language, settings.ocr_orientation)
        text_key = storage.page_text_key(ref.evidence_id, task.page)
        words_key = storage.page_words_key(ref.evidence_id, task.page)
        cached = self.store.cached(digest)
        if cached is not None:
            bucket = settings.text_bucket
            self.s3.copy_object(bucket, text_key, CopySource(bucket, cached.text_key))
            if cached.words_key:
                self.s3.copy_object(bucket, words_key, CopySource(bucket, cached.words_key))
            result = PageResult(
                task.page, "ocr-cached", text_key, words_key if cached.words_key else None, cached.char_count, digest
            )
        else:
            Path(settings.work_dir).mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="page-", dir=settings.work_dir) as workdir:
                try:
                    ocr = tesseract.ocr_page(
                        image,
                        Path(workdir),
                        settings.ocr_language,
                        settings.ocr_page_timeout_s,
                        settings.ocr_orientation,
                    )
                except tesseract.OcrTimeout:
                    log.warning("evidence %s page %d: OCR timed out", ref.evidence_id, task.page)
                    self._put(text_key, "", "text/plain; charset=utf-8")
                    result = PageResult(task.page, "ocr-timeout", text_key, None, 0, None)
                else:
                    self._put(text_key, ocr.text, "text/plain; charset=utf-8")
                    self._put(words_key, ocr.words_tsv, "text/tab-separated-values; charset=utf-8")
                    result = PageResult(task.page, "ocr", text_key, words_key, len(ocr.text), digest)
        self.store.record_page(ref, result, cache=result.method == "ocr")
        elapsed = time.perf_counter() - started
        PAGES.labels(result.method).inc()
        PAGE_SECONDS.labels(result.method).observe(elapsed)
        log.info("evidence %s page %d: %s in %.2fs", ref.evidence_id, task.page, result.method, elapsed)
