"""Intake's settings (environment variables CASEWORK_*)."""

from pydantic import Field

from casework_common.settings import (
    DatabaseSettings,
    HttpSettings,
    KafkaSettings,
    OidcSettings,
    S3Settings,
    WorkflowClientSettings,
)


class IntakeSettings(HttpSettings, OidcSettings, KafkaSettings, DatabaseSettings, S3Settings, WorkflowClientSettings):
    service_name: str = "intake"
    database_schema: str = "intake"
    max_file_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    max_files_per_upload: int = Field(default=20, gt=0)
    # Originals cannot be deleted or overwritten for this long (S3 object lock, governance mode).
    evidence_retention_days: int = Field(default=2555, gt=0)
    # Evidence not finished after this long is handed to the pipeline again (the broker
    # may have lost one of its events), at most reprocess_limit times before it is marked failed;
    # the reconciler looks for such items every reprocess_interval_s.
    reprocess_after_s: int = Field(default=300, gt=0)
    reprocess_limit: int = Field(default=3, ge=0)
    reprocess_interval_s: float = Field(default=30.0, gt=0)
    s3_part_size: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024)
    # Archives inside archives (or attachments of attached emails) are taken in this deep at most.
    max_nesting_depth: int = Field(default=3, ge=0)
    # Uploads are written to pending_bucket first and copied to evidence_bucket only once whole
    # (staging.py); that bucket has no object lock, and a lifecycle rule there expires what a
    # crashed upload left after pending_expiry_days.
    pending_bucket: str = "casework-evidence-pending"
    pending_expiry_days: int = Field(default=1, gt=0)
    # An upload's Idempotency-Key is remembered this long; the same request after that makes new items.
    idempotency_key_ttl_s: int = Field(default=24 * 3600, gt=0)
