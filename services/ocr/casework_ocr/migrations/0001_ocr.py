"""Documents, pages, page attempts, the page cache and the event outbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from casework_common.outbox import create_outbox_table

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("evidence_id", sa.Uuid, primary_key=True),
        sa.Column("sha256", sa.Text, nullable=False, index=True),
        sa.Column("ref", sa.LargeBinary, nullable=False),
        sa.Column("detected_type", sa.Text),
        sa.Column("pages_total", sa.Integer),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "pages",
        sa.Column("evidence_id", sa.Uuid, sa.ForeignKey("documents.evidence_id"), primary_key=True),
        sa.Column("page", sa.Integer, primary_key=True),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("text_key", sa.Text, nullable=False),
        sa.Column("words_key", sa.Text),
        sa.Column("char_count", sa.Integer, nullable=False),
        sa.Column("image_sha256", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "page_attempts",
        sa.Column("evidence_id", sa.Uuid, primary_key=True),
        sa.Column("page", sa.Integer, primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_table(
        "page_cache",
        sa.Column("image_sha256", sa.Text, primary_key=True),
        sa.Column("text_key", sa.Text, nullable=False),
        sa.Column("words_key", sa.Text),
        sa.Column("char_count", sa.Integer, nullable=False),
    )
    create_outbox_table(op.get_bind())


def downgrade() -> None:
    for table in ("outbox", "page_cache", "page_attempts", "pages", "documents"):
        op.drop_table(table)
