"""Notify's tables (schema ``notify``)."""

from sqlalchemy import Column, DateTime, MetaData, Table, Text, UniqueConstraint, Uuid, func

metadata = MetaData()

# One row per (event, recipient, channel): the idempotency record for deliveries.
deliveries = Table(
    "deliveries",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("recipient", Text, primary_key=True),
    Column("channel", Text, primary_key=True),
    Column("status", Text, nullable=False),  # pending | sent
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
)

inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", Text, nullable=False),
    Column("recipient", Text, nullable=False, index=True),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("link", Text),
    Column("case_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("read_at", DateTime(timezone=True)),
    UniqueConstraint("event_id", "recipient", name="inbox_items_event_recipient"),
)

preferences = Table(
    "preferences",
    metadata,
    Column("username", Text, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("mode", Text, nullable=False),  # immediate | digest
)

digest_items = Table(
    "digest_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("link", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    UniqueConstraint("event_id", "recipient", name="digest_items_event_recipient"),
)
