"""What OCR has erased (issue 19): the cases whose page texts were erased and each evidence item
of them that OCR had read, so that a late upload event, a redelivered page task or a page being
read during the erasure writes nothing back (see erasure.py and store.OcrStore.erased).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "erased_cases",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "erased_evidence",
        sa.Column("evidence_id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("erased_evidence")
    op.drop_table("erased_cases")
