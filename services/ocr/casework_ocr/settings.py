"""OCR's settings (environment variables CASEWORK_*)."""

import os
import tempfile
from typing import Literal

from pydantic import Field

from casework_common.settings import DatabaseSettings, HttpSettings, KafkaSettings, S3Settings, ServiceAccountSettings


class OcrSettings(HttpSettings, ServiceAccountSettings, KafkaSettings, S3Settings, DatabaseSettings):
    service_name: str = "ocr"
    database_schema: str = "ocr"
    # Worker processes, each running one single-threaded Tesseract at a time.
    ocr_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)
    ocr_language: str = "eng"
    ocr_dpi: int = Field(default=300, ge=72, le=600)
    ocr_page_timeout_s: int = Field(default=180, gt=0)
    # "fallback": OSD only when a page reads badly upright (no cost for upright pages);
    # "always": OSD before every page; "off".
    ocr_orientation: Literal["fallback", "always", "off"] = "fallback"
    # A PDF page whose text layer has fewer letters/digits than this is OCR'd instead.
    min_text_layer_chars: int = Field(default=20, ge=0)
    # Limits on hostile or oversized input.
    max_pages: int = Field(default=1000, gt=0)
    max_image_pixels: int = Field(default=150_000_000, gt=0)
    max_archive_members: int = Field(default=500, gt=0)
    max_archive_ratio: int = Field(default=100, gt=0)
    max_archive_bytes: int = Field(default=1024 * 1024 * 1024, gt=0)
    max_text_page_chars: int = Field(default=6000, gt=0)
    # clamd's socket; every file is scanned before anything else reads it.
    clamd_socket: str = "/var/run/clamav/clamd.ctl"
    soffice: str = "soffice"
    office_timeout_s: int = Field(default=120, gt=0)
    # Where files found inside evidence (attachments, archive members) are handed to intake.
    intake_url: str = "http://127.0.0.1:8120"
    # Partitions of ocr.pages: at least the largest number of workers that will consume it.
    page_partitions: int = Field(default=8, gt=0)
    # Local disk cache of downloaded originals, per worker (one long pack is read many times).
    work_dir: str = Field(default_factory=lambda: os.path.join(tempfile.gettempdir(), "casework-ocr"))
    source_cache_bytes: int = Field(default=2 * 1024 * 1024 * 1024, gt=0)
    # Progress of a document being read is reported at most once per this many seconds or per
    # this share of its pages, whichever comes first (a short document reports every page).
    progress_interval_s: float = Field(default=5.0, ge=0)
    progress_step_percent: int = Field(default=10, ge=1, le=100)
    # Tansu and Kafka both need a long poll interval: one record can be a long document.
    kafka_max_poll_interval_ms: int = 1_800_000
