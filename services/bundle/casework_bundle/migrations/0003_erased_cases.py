"""The cases whose bundles were erased, so that no bundle of one is started, finished or asked for
again (erasure.py; docs/design.md, 'Erasure in intake, ocr and bundle').

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "erased_cases",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("request_id", sa.Text, nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("erased_cases")
