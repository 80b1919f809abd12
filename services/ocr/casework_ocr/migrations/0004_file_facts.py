"""What the document stage read from the open file for the document's facts (a PDF's information
dictionary, a photo's EXIF date), kept until the last page is read and the facts are worked out,
and reused with the pages by an identical file.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("documents", sa.Column("file_facts", JSONB, nullable=False, server_default="{}"))


def downgrade() -> None:
    op.drop_column("documents", "file_facts")
