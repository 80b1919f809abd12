"""OCR's tables (schema ``ocr``): per-document progress, per-page results, the page cache."""

from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, Table, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB

from casework_common.outbox import outbox_table

metadata = MetaData()

documents = Table(
    "documents",
    metadata,
    Column("evidence_id", Uuid, primary_key=True),
    Column("sha256", Text, nullable=False, index=True),
    Column("ref", LargeBinary, nullable=False),  # the EvidenceRef, serialised
    # The ref's case (migration 0005): the erasure finds a case's documents by it.
    Column("case_id", Uuid, index=True),
    Column("detected_type", Text),
    Column("pages_total", Integer),
    # scanning -> extracting -> complete, or one of the terminal outcomes (quarantined, failed, ...)
    Column("state", Text, nullable=False),
    Column("reason", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True)),
    Column("metadata", JSONB, nullable=False, server_default="{}"),  # e.g. an email's header lines
    # The last progress reported (throttled: see OcrSettings.progress_interval_s).
    Column("progress_at", DateTime(timezone=True)),
    Column("progress_done", Integer, nullable=False, server_default="0"),
    # Read from the open file for its facts: {"pdf_info": {...}, "exif_date": "..."} (see facts_reader.py).
    Column("file_facts", JSONB, nullable=False, server_default="{}"),
)

pages = Table(
    "pages",
    metadata,
    Column("evidence_id", Uuid, primary_key=True),
    Column("page", Integer, primary_key=True),
    Column("method", Text, nullable=False),
    Column("text_key", Text, nullable=False),
    Column("words_key", Text),
    Column("char_count", Integer, nullable=False),
    Column("image_sha256", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# How often each page task has been started: a page that kills its worker is not retried forever.
page_attempts = Table(
    "page_attempts",
    metadata,
    Column("evidence_id", Uuid, primary_key=True),
    Column("page", Integer, primary_key=True),
    Column("attempts", Integer, nullable=False),
)

# OCR results by page image: an identical page (a letter sent twice) is never OCR'd again.
page_cache = Table(
    "page_cache",
    metadata,
    Column("image_sha256", Text, primary_key=True),
    Column("text_key", Text, nullable=False),
    Column("words_key", Text),
    Column("char_count", Integer, nullable=False),
)

outbox = outbox_table(metadata)

# Who is reading which page image right now: a second task with the same image waits for the
# first one's result instead of reading it again.
page_claims = Table(
    "page_claims",
    metadata,
    Column("image_sha256", Text, primary_key=True),
    Column("evidence_id", Uuid, nullable=False),
    Column("page", Integer, nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Erased (erasure.py): a case whose page texts were erased, and each of its items OCR had
# read. Nothing is recorded or stored again for them (Extractions.erased).
erased_cases = Table(
    "erased_cases",
    metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

erased_evidence = Table(
    "erased_evidence",
    metadata,
    Column("evidence_id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
