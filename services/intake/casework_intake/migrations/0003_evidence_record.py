"""What the evidence record says happened: the sniffed type, facts read from the file (email
headers), the earlier identical item of the case, and every status the item went through.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("evidence", sa.Column("detected_type", sa.Text))
    op.add_column("evidence", sa.Column("metadata", JSONB, nullable=False, server_default="{}"))
    op.add_column("evidence", sa.Column("duplicate_of", sa.Uuid, sa.ForeignKey("evidence.id")))
    op.create_index("ix_evidence_case_sha256", "evidence", ["case_id", "sha256"])
    op.create_table(
        "status_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("evidence_id", sa.Uuid, sa.ForeignKey("evidence.id"), nullable=False, index=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("pages_done", sa.Integer, nullable=False),
        sa.Column("pages_total", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("status_history")
    op.drop_index("ix_evidence_case_sha256", "evidence")
    for column in ("duplicate_of", "metadata", "detected_type"):
        op.drop_column("evidence", column)
