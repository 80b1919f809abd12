"""OCR's settings (environment variables CASEWORK_*)."""

import os

from pydantic import Field

from casework_common.settings import HttpSettings, KafkaSettings, S3Settings


class OcrSettings(HttpSettings, KafkaSettings, S3Settings):
    service_name: str = "ocr"
    # Worker processes, each running one single-threaded Tesseract at a time.
    ocr_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)
    ocr_language: str = "eng"
    ocr_dpi: int = Field(default=300, ge=72, le=600)
    ocr_page_timeout_s: int = Field(default=180, gt=0)
    # A PDF page whose text layer has fewer letters/digits than this is OCR'd instead.
    min_text_layer_chars: int = Field(default=20, ge=0)
    # Tansu and Kafka both need a long poll interval: one record can be a long document.
    kafka_max_poll_interval_ms: int = 1_800_000
