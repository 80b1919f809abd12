"""The page stage: one page of one document, rendered and OCR'd by whichever worker takes it.

A page whose image was OCR'd before (the same letter sent twice) reuses that result, and one
whose identical image is being read right now by another task waits for that result instead of
reading it too. A page that exceeds the per-page time limit is recorded as unreadable in time,
and the document still completes.
"""

from __future__ import annotations

import io
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from minio import Minio
from minio.commonconfig import CopySource
from PIL import Image

from casework.v1 import events_pb2
from casework_common import metrics, storage
from casework_common.events import Event
from casework_ocr import tesseract
from casework_ocr.render import image_digest, render
from casework_ocr.settings import OcrSettings
from casework_ocr.sources import SourceCache
from casework_ocr.stages import timed, waited
from casework_ocr.store import Extractions, PageResult

log = logging.getLogger(__name__)
_metrics = metrics.Metrics("ocr")
PAGES = _metrics.counter("pages_total", "Pages finished, by method.", ("method",))
PAGE_SECONDS = _metrics.histogram("page_duration_seconds", "Time to finish one page, by method.", ("method",))
DEFERRED = _metrics.counter("pages_deferred_total", "Page tasks put back to wait for an identical page being read.")
MAX_DEFERRALS = 60  # then read it anyway


class PageStage:
    def __init__(self, settings: OcrSettings, s3: Minio, store: Extractions, sources: SourceCache) -> None:
        self.settings = settings
        self.s3 = s3
        self.store = store
        self.sources = sources
        # The word boxes are stored while the text is: two small writes, one round trip of waiting.
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="page-words")

    def _put(self, key: str, text: str, content_type: str) -> None:
        data = text.encode("utf-8")
        self.s3.put_object(self.settings.text_bucket, key, io.BytesIO(data), len(data), content_type=content_type)

    def handle(self, task: events_pb2.OcrPageTask, event: Event) -> None:
        """An ``ocr.pages`` record: read the page."""
        waited("page: queue wait", event.occurred_at)
        self.read(task)

    def read(self, task: events_pb2.OcrPageTask, image: Image.Image | None = None) -> None:
        """Read one page (or reuse the result of an identical page image) and record it. ``image``:
        the page already rendered (a one-page image the document stage decoded), else None."""
        ref = task.evidence
        settings = self.settings
        claim_ttl = 2 * settings.ocr_page_timeout_s
        if (
            task.image_sha256
            and self.store.cached(task.image_sha256) is None
            and task.deferrals < MAX_DEFERRALS
            and self.store.claimed(task.image_sha256, claim_ttl)
        ):
            return self._put_back(task, task.image_sha256, counted=False)  # still being read elsewhere
        with timed("page: start (db)"):
            if not self.store.start_page(ref, task.page):
                return None
        started = time.perf_counter()
        digest = task.image_sha256
        cached = self.store.cached(digest) if digest else None
        if cached is None:
            if image is None:
                with timed("page: get source (s3)"):
                    source = self.sources.get(task.source_bucket, task.source_key, task.source_version)
                with timed("page: render"):
                    image = render(
                        source, task.source_kind, task.source_index, settings.ocr_dpi, settings.max_image_pixels
                    )
            with timed("page: image digest"):
                digest = image_digest(image, settings.ocr_language, settings.ocr_orientation)
            with timed("page: cache lookup (db)"):
                cached = self.store.cached(digest)
        if cached is not None:
            result = self._reuse(task, cached, digest)
        else:
            with timed("page: claim (db)"):
                mine = task.deferrals >= MAX_DEFERRALS or self.store.claim(digest, ref, task.page, claim_ttl)
            if not mine:
                return self._put_back(task, digest, counted=True)  # an identical page is being read right now
            result = self._read(task, image, digest)
        with timed("page: record (db)"):
            self.store.record_page(ref, result, cache=result.method == "ocr")
        elapsed = time.perf_counter() - started
        PAGES.labels(result.method).inc()
        PAGE_SECONDS.labels(result.method).observe(elapsed)
        log.info("evidence %s page %d: %s in %.2fs", ref.evidence_id, task.page, result.method, elapsed)
        return None

    def _put_back(self, task: events_pb2.OcrPageTask, digest: str, counted: bool) -> None:
        # A short pause first: if this is the only task left, it must not spin.
        time.sleep(min(0.05 * 2**task.deferrals, 1.0))
        self.store.defer(task, digest, counted)
        DEFERRED.inc()

    def _reuse(self, task: events_pb2.OcrPageTask, cached: Any, digest: str) -> PageResult:
        """The same page image was read before: copy its text and word boxes (server-side)."""
        ref, bucket = task.evidence, self.settings.text_bucket
        text_key = storage.page_text_key(ref.evidence_id, task.page)
        self.s3.copy_object(bucket, text_key, CopySource(bucket, cached.text_key))
        words_key = None
        if cached.words_key:
            words_key = storage.page_words_key(ref.evidence_id, task.page)
            self.s3.copy_object(bucket, words_key, CopySource(bucket, cached.words_key))
        return PageResult(task.page, "ocr-cached", text_key, words_key, cached.char_count, digest)

    def _read(self, task: events_pb2.OcrPageTask, image: Image.Image, digest: str) -> PageResult:
        ref, settings = task.evidence, self.settings
        text_key = storage.page_text_key(ref.evidence_id, task.page)
        words_key = storage.page_words_key(ref.evidence_id, task.page)
        try:  # timed inside: the orientation test and each reading apart
            ocr = tesseract.ocr_page(
                image, settings.ocr_language, settings.ocr_page_timeout_s, settings.ocr_orientation
            )
        except tesseract.OcrTimeout:
            log.warning("evidence %s page %d: OCR timed out", ref.evidence_id, task.page)
            self._put(text_key, "", "text/plain; charset=utf-8")
            return PageResult(task.page, "ocr-timeout", text_key, None, 0, digest)
        with timed("page: put text and words (s3)"):
            words = self._writer.submit(self._put, words_key, ocr.words_tsv, "text/tab-separated-values; charset=utf-8")
            self._put(text_key, ocr.text, "text/plain; charset=utf-8")
            words.result()
        return PageResult(task.page, "ocr", text_key, words_key, len(ocr.text), digest)
