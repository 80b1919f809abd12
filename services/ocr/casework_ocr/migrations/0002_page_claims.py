"""Claims on page images being read, so that identical pages in flight are read once.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "page_claims",
        sa.Column("image_sha256", sa.Text, primary_key=True),
        sa.Column("evidence_id", sa.Uuid, nullable=False),
        sa.Column("page", sa.Integer, nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("page_claims")
