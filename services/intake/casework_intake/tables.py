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
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
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

outbox = outbox_table(metadata)
