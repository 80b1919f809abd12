"""Throttled progress (when and at which page count a document last reported) and the facts
read from a file besides its pages (email headers), kept so an identical file reuses them.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("documents", sa.Column("metadata", JSONB, nullable=False, server_default="{}"))
    op.add_column("documents", sa.Column("progress_at", sa.DateTime(timezone=True)))
    op.add_column("documents", sa.Column("progress_done", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    for column in ("progress_done", "progress_at", "metadata"):
        op.drop_column("documents", column)
