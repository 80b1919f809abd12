"""Delivery records and the in-app inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("recipient", sa.Text, primary_key=True),
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False, index=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.Text),
        sa.Column("case_id", sa.Uuid),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("read_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("event_id", "recipient", name="inbox_items_event_recipient"),
    )


def downgrade() -> None:
    op.drop_table("inbox_items")
    op.drop_table("deliveries")
