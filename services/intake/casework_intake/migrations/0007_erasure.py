"""Erasure (docs/design.md, "Erasure in intake, ocr and bundle"): an evidence row whose file and
personal content were erased keeps an anonymised stub, marked with when it was erased (erasure.py).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.add_column("evidence", sa.Column("erased_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("evidence", "erased_at")
