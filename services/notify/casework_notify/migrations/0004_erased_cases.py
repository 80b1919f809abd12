"""The cases whose notifications were erased (so a late or redelivered event about one
brings nothing back), and an index to find a case's inbox items.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "erased_cases",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("request_id", sa.Text, nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("inbox_items_case", "inbox_items", ["case_id"])


def downgrade() -> None:
    op.drop_index("inbox_items_case", table_name="inbox_items")
    op.drop_table("erased_cases")
