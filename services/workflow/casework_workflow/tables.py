"""Workflow's tables (schema ``workflow``; see migrations/ for their history)."""

from sqlalchemy import Column, DateTime, ForeignKey, MetaData, Sequence, Table, Text, Uuid, func

from casework_common.outbox import outbox_table

metadata = MetaData()

case_reference_seq = Sequence("case_reference_seq", metadata=metadata)

cases = Table(
    "cases",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("reference", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False),
    Column("case_type", Text, nullable=False),
    Column("branch", Text, nullable=False, index=True),
    Column("region", Text, nullable=False, index=True),
    Column("member_name", Text, nullable=False),
    Column("membership_number", Text, nullable=False, index=True),
    Column("member_email", Text),
    Column("employer", Text),
    Column("workplace", Text),
    Column("job_role", Text),
    Column("summary", Text, nullable=False, server_default=""),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

case_reps = Table(
    "case_reps",
    metadata,
    Column("case_id", Uuid, ForeignKey("cases.id"), primary_key=True),
    Column("username", Text, primary_key=True),
    Column("assigned_by", Text, nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
