"""Intake's settings (environment variables CASEWORK_*)."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from casework_common.settings import (
    DatabaseSettings,
    HttpSettings,
    KafkaSettings,
    S3Settings,
    ServiceAccountSettings,
    SmtpSettings,
    WorkflowClientSettings,
)


class ScannerDevice(BaseModel):
    """A copier or scanner that emails batches to the scanner address from its own address: whose
    unfiled pages its batches make (the region's caseworkers, and the branch's coordinators)."""

    region: str
    branch: str | None = None


class IntakeSettings(
    HttpSettings,
    ServiceAccountSettings,
    KafkaSettings,
    DatabaseSettings,
    S3Settings,
    WorkflowClientSettings,
    SmtpSettings,
):
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

    # -- the mailroom (python -m casework_intake mailroom): email-in and scanned batches --------
    # Intake addresses are <mail_case_prefix><token>@<mail_domain> (one per case, revocable),
    # <mail_general_local>@<mail_domain> (the case reference in the subject routes the message) and
    # <mail_scanner_local>@<mail_domain> (scanned batches to split at cover sheets).
    mail_domain: str = "intake.casework.localhost"
    mail_case_prefix: str = "case-"
    mail_general_local: str = "evidence"
    mail_scanner_local: str = "scanner"
    # The SMTP (or LMTP, behind a union's own MTA) listener.
    mailroom_host: str = "0.0.0.0"
    mailroom_port: int = Field(default=2525, gt=0, lt=65536)
    mailroom_protocol: Literal["smtp", "lmtp"] = "smtp"
    # STARTTLS with this certificate and key (PEM files) when both are set; mailroom_require_tls
    # refuses MAIL FROM before STARTTLS.
    mailroom_tls_cert_file: Path | None = None
    mailroom_tls_key_file: Path | None = None
    mailroom_require_tls: bool = False
    # Authentication-Results header fields (RFC 8601) are believed only from this authserv-id: the
    # union's receiving MTA, which removes any such header a sender put in. Unset: no sender can be
    # confirmed, so every message to a case is held for review.
    mail_authserv_id: str | None = None
    # The largest message the mailroom takes (SMTP SIZE and DATA limit, IMAP messages): a message is
    # held in memory while it is read, so this bounds the mailroom's memory per message.
    mail_max_message_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    # Where receipts come from (SmtpSettings says through which relay).
    mail_receipt_from: str = "Casework mailroom <mailroom@union.example.org>"
    # Optional: poll this IMAP mailbox (imaps://user@host:993/INBOX) as well as, or instead of, SMTP.
    imap_url: str | None = None
    imap_password: SecretStr | None = None
    imap_interval_s: float = Field(default=60.0, gt=0)
    # Held mail and unfiled scanned pages wait here (no object lock: a rejected one is deleted).
    held_bucket: str = "casework-intake-held"
    # Signs cover sheets' QR codes; the API (which prints) and the mailroom (which reads) share it.
    cover_sheet_secret: SecretStr = SecretStr("")
    # Scanned batches are picked up from a directory (one machine) and/or an S3 prefix (a cluster,
    # where copiers reach it through an SFTP/SMB gateway); a file is taken once its size has not
    # changed for scan_settle_s. Unfiled pages from the drop are the queue of scan_drop_region's
    # caseworkers (and scan_drop_branch's coordinators, when set).
    scan_drop_dir: Path | None = None
    scan_drop_bucket: str | None = None
    scan_drop_prefix: str = "scans/"
    scan_drop_region: str | None = None
    scan_drop_branch: str | None = None
    scan_poll_interval_s: float = Field(default=5.0, gt=0)
    scan_settle_s: float = Field(default=2.0, ge=0)
    # Devices that email batches to the scanner address, by their From address (JSON object).
    scanner_devices: dict[str, ScannerDevice] = Field(default_factory=dict)
