"""Child evidence items (archive members, email attachments) and the terminal outcomes of
hostile or unreadable files.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

STATUSES = (
    "received",
    "scanning",
    "extracting",
    "indexed",
    "failed",
    "quarantined",
    "password_protected",
    "unreadable",
    "not_indexed",
    "unpacked",
)


def upgrade() -> None:
    op.add_column("evidence", sa.Column("parent_id", sa.Uuid, sa.ForeignKey("evidence.id")))
    op.add_column("evidence", sa.Column("child_index", sa.Integer))
    op.add_column("evidence", sa.Column("depth", sa.Integer, nullable=False, server_default="0"))
    op.create_unique_constraint("evidence_parent_child", "evidence", ["parent_id", "child_index"])
    op.drop_constraint("evidence_status", "evidence")
    op.create_check_constraint("evidence_status", "evidence", f"status IN {STATUSES}")
    op.drop_index("ix_evidence_unfinished", "evidence")
    op.create_index(
        "ix_evidence_unfinished",
        "evidence",
        ["updated_at"],
        postgresql_where=sa.text("status IN ('received', 'scanning', 'extracting')"),
    )


def downgrade() -> None:
    op.drop_index("ix_evidence_unfinished", "evidence")
    op.create_index(
        "ix_evidence_unfinished",
        "evidence",
        ["updated_at"],
        postgresql_where=sa.text("status NOT IN ('indexed', 'failed')"),
    )
    op.drop_constraint("evidence_status", "evidence")
    op.create_check_constraint(
        "evidence_status", "evidence", "status IN ('received', 'scanning', 'extracting', 'indexed', 'failed')"
    )
    op.drop_constraint("evidence_parent_child", "evidence")
    for column in ("depth", "child_index", "parent_id"):
        op.drop_column("evidence", column)
