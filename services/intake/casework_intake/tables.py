"""Intake's tables (schema ``intake``; see migrations/ for their history)."""

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, MetaData, Table, Text, Uuid, func

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
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
