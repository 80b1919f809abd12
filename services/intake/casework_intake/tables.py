"""Intake's tables (schema ``intake``; see migrations/ for their history)."""

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from casework_common.outbox import outbox_table

metadata = MetaData()

evidence = Table(
    "evidence",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("branch", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("visibility", Text, nullable=False),  # "member" | "reps"
    Column("filename", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", Text, nullable=False, index=True),
    Column("bucket", Text, nullable=False),
    Column("object_key", Text, nullable=False),
    Column("version_id", Text),
    Column("uploaded_by", Text, nullable=False),  # preferred_username
    Column("uploaded_by_sub", Text, nullable=False),
    Column("uploaded_by_role", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("status_reason", Text),
    Column("pages_done", Integer, nullable=False, server_default="0"),
    Column("pages_total", Integer, nullable=False, server_default="0"),
    Column("dispatches", Integer, nullable=False, server_default="1"),
    Column("parent_id", Uuid, ForeignKey("evidence.id")),  # set for archive members and attachments
    Column("child_index", Integer),
    Column("depth", Integer, nullable=False, server_default="0"),
    Column("detected_type", Text),  # sniffed from the content by ocr; content_type is as declared
    Column("metadata", JSONB, nullable=False, server_default="{}"),  # e.g. an email's header lines
    Column("duplicate_of", Uuid, ForeignKey("evidence.id")),  # the case's earlier byte-identical item
    Column("filename_raw", LargeBinary),  # the name's bytes as sent; filename is their decoded, safe text
    Column("filename_charset", Text),  # what filename_raw was decoded as
    # Document facts (facts.py): read by ocr, or set by a rep (source "rep", never overwritten by ocr).
    Column("document_date", Date),  # null: none found; the API then shows the upload date
    Column("document_date_source", Text),
    Column("title", Text),
    Column("title_source", Text),
    Column("document_kind", Text),  # a short name of casework_common.vocabulary.DOCUMENT_KINDS
    Column("kind_confidence", Float),
    Column("kind_source", Text),
    # How it came in: a name of casework_common.vocabulary.INTAKE_CHANNELS, and where from (for email:
    # "from", "message_id", "mail_id"; for a scanned part: "batch_id", "first_page", "last_page",
    # "cover_sheet_id"; for held mail or unfiled pages filed by a person: also "accepted_by").
    Column("channel", Text, nullable=False, server_default="upload"),
    Column("channel_detail", JSONB, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Set when the case's evidence originals were erased (erasure.py): the file and every personal
    # detail are gone, the row stays as an anonymised stub.
    Column("erased_at", DateTime(timezone=True)),
)

# Every status an item was moved to, in order (progress of long documents is throttled by ocr).
status_history = Table(
    "status_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("evidence_id", Uuid, ForeignKey("evidence.id"), nullable=False, index=True),
    Column("status", Text, nullable=False),
    Column("reason", Text),
    Column("pages_done", Integer, nullable=False),
    Column("pages_total", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Every change to an item's facts: by ocr (changed_by "ocr") or by a person (source "rep").
facts_history = Table(
    "facts_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("evidence_id", Uuid, ForeignKey("evidence.id"), nullable=False, index=True),
    Column("field", Text, nullable=False),  # "date" | "title" | "kind"
    Column("old_value", Text),
    Column("new_value", Text),
    Column("source", Text, nullable=False),
    Column("changed_by", Text, nullable=False),  # preferred_username, or "ocr"
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Upload Idempotency-Keys per caller (token subject) and the answer first given (idempotency.py).
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("subject", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now(), index=True),
)

# A case's private email address: <local part prefix><token>@<mail domain>. One live per case.
intake_addresses = Table(
    "intake_addresses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("token", Text, nullable=False, unique=True),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", Text),
)

# Every message the mailroom took in, once per (dedupe_key, recipient): filed, or held until a person decides.
mail_messages = Table(
    "mail_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("dedupe_key", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("route", Text, nullable=False),  # "case-address" | "general" | "scanner"
    Column("case_id", Uuid, index=True),
    Column("message_id", Text),
    Column("sender", Text, nullable=False),
    Column("envelope_from", Text),
    Column("subject", Text),
    Column("size_bytes", BigInteger, nullable=False),
    Column("attachments", JSONB, nullable=False, server_default="[]"),
    Column("authentication", Text),
    Column("state", Text, nullable=False),  # "filed" or a HOLD_STATES name
    Column("reason", Text),  # a HOLD_REASONS name
    Column("sender_username", Text),
    Column("bucket", Text),
    Column("object_key", Text),
    Column("evidence_id", Uuid, ForeignKey("evidence.id")),
    Column("decided_by", Text),
    Column("decided_at", DateTime(timezone=True)),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("dedupe_key", "recipient", name="uq_mail_messages_dedupe"),
)

# A printed cover sheet: its QR code carries a signed token naming this row, its case and its printer.
cover_sheets = Table(
    "cover_sheets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("case_reference", Text, nullable=False),
    Column("visibility", Text, nullable=False),
    Column("printed_by", Text, nullable=False),
    Column("printed_by_sub", Text, nullable=False),
    Column("printed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", Text),
)

# A scanned batch (one file from the drop, or one attachment sent to the scanner address).
scan_batches = Table(
    "scan_batches",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("sha256", Text, nullable=False, unique=True),
    Column("source", Text, nullable=False),  # "drop" | "email"
    Column("source_name", Text, nullable=False),
    Column("sender", Text),
    Column("region", Text),
    Column("branch", Text),
    Column("pages", Integer, nullable=False, server_default="0"),
    Column("state", Text, nullable=False),  # "splitting" | "split" | "failed"
    Column("reason", Text),
    Column("bucket", Text, nullable=False),
    Column("object_key", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The parts a batch was split into: filed to a case, or waiting in the unfiled queue.
scan_parts = Table(
    "scan_parts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("batch_id", Uuid, ForeignKey("scan_batches.id"), nullable=False),
    Column("part_index", Integer, nullable=False),
    Column("first_page", Integer, nullable=False),
    Column("last_page", Integer, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("cover_sheet_id", Uuid, ForeignKey("cover_sheets.id")),
    Column("state", Text, nullable=False),  # "filed" or a HOLD_STATES name
    Column("reason", Text),
    Column("region", Text),
    Column("branch", Text),
    Column("bucket", Text),
    Column("object_key", Text),
    Column("case_id", Uuid),
    Column("evidence_id", Uuid, ForeignKey("evidence.id")),
    Column("decided_by", Text),
    Column("decided_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("batch_id", "part_index", name="uq_scan_parts_index"),
)

outbox = outbox_table(metadata)
