"""Document facts (docs/design.md, "Evidence pipeline"): each item's date, title and kind, each
with where it came from (ocr's readers, or "rep" when a person set it), and the history of every
change to them.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.add_column("evidence", sa.Column("document_date", sa.Date))
    op.add_column("evidence", sa.Column("document_date_source", sa.Text))
    op.add_column("evidence", sa.Column("title", sa.Text))
    op.add_column("evidence", sa.Column("title_source", sa.Text))
    op.add_column("evidence", sa.Column("document_kind", sa.Text))
    op.add_column("evidence", sa.Column("kind_confidence", sa.Float))
    op.add_column("evidence", sa.Column("kind_source", sa.Text))
    op.create_table(
        "facts_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("evidence_id", sa.Uuid, sa.ForeignKey("evidence.id"), nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("old_value", sa.Text),
        sa.Column("new_value", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("changed_by", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_facts_history_evidence_id", "facts_history", ["evidence_id"])


def downgrade() -> None:
    op.drop_table("facts_history")
    for column in (
        "kind_source",
        "kind_confidence",
        "document_kind",
        "title_source",
        "title",
        "document_date_source",
        "document_date",
    ):
        op.drop_column("evidence", column)
