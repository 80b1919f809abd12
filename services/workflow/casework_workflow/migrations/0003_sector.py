"""The employer's sector on a case, so comparators can match cases across employers.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("cases", sa.Column("sector", sa.Text))


def downgrade() -> None:
    op.drop_column("cases", "sector")
