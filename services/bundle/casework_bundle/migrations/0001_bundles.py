"""Bundles and the event outbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from casework_common.outbox import create_outbox_table

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "bundles",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("member_visible", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("requested_by_sub", sa.Text, nullable=False),
        sa.Column("requested_by_role", sa.Text, nullable=False),
        sa.Column("options", JSONB, nullable=False),
        sa.Column("items", JSONB, nullable=False),
        sa.Column("pages_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pages_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("index_rows", JSONB),
        sa.Column("volumes", JSONB),
        sa.Column("sha256", sa.Text),
        sa.Column("size_bytes", sa.BigInteger),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("case_id", "title", "version", name="bundles_version"),
        sa.CheckConstraint("status IN ('queued', 'building', 'ready', 'failed')", name="bundles_status"),
        sa.CheckConstraint("version >= 1", name="bundles_version_positive"),
    )
    create_outbox_table(op.get_bind())


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("bundles")
