"""Evidence records and the event outbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from casework_common.outbox import create_outbox_table

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("visibility", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False, index=True),
        sa.Column("bucket", sa.Text, nullable=False),
        sa.Column("object_key", sa.Text, nullable=False),
        sa.Column("version_id", sa.Text),
        sa.Column("uploaded_by", sa.Text, nullable=False),
        sa.Column("uploaded_by_sub", sa.Text, nullable=False),
        sa.Column("uploaded_by_role", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_reason", sa.Text),
        sa.Column("pages_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pages_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("dispatches", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("visibility IN ('member', 'reps')", name="evidence_visibility"),
        sa.CheckConstraint(
            "status IN ('received', 'scanning', 'extracting', 'indexed', 'failed')", name="evidence_status"
        ),
    )
    op.create_index(
        "ix_evidence_unfinished",
        "evidence",
        ["updated_at"],
        postgresql_where=sa.text("status NOT IN ('indexed', 'failed')"),
    )
    create_outbox_table(op.get_bind())


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("evidence")
