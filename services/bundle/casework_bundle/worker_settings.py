"""The bundle workers' settings (environment variables CASEWORK_*), and the storage settings they share
with the API."""

import os
import tempfile

from pydantic import Field

from casework_common.settings import DatabaseSettings, HttpSettings, KafkaSettings, S3Settings


class StoreSettings(S3Settings):
    # Built volumes are kept here, object-locked like the evidence (versioned, governance retention).
    bundle_bucket: str = "casework-bundles"
    bundle_retention_days: int = Field(default=2555, gt=0)


class WorkerSettings(HttpSettings, KafkaSettings, DatabaseSettings, StoreSettings):
    # "bundle": the workers' metrics are the service's (casework_bundle_*), told apart by their job.
    service_name: str = "bundle"
    database_schema: str = "bundle"
    # LibreOffice, for Word files ocr kept no PDF conversion of.
    soffice: str = "soffice"
    office_timeout_s: int = Field(default=120, gt=0)
    # Scratch space for one build at a time (originals, conversions, the volumes before upload).
    work_dir: str = Field(default_factory=lambda: os.path.join(tempfile.gettempdir(), "casework-bundle"))
    # Building progress is written to the database at most this often (the last page always is).
    progress_interval_s: float = Field(default=1.0, ge=0)
    # One job can be a long bundle: the broker must not hand it to another worker while it is built.
    kafka_max_poll_interval_ms: int = 1_800_000
