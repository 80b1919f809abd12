"""Cases, assigned reps and the event outbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from casework_common.outbox import create_outbox_table

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE case_reference_seq")
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("reference", sa.Text, nullable=False, unique=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("case_type", sa.Text, nullable=False),
        sa.Column("branch", sa.Text, nullable=False, index=True),
        sa.Column("region", sa.Text, nullable=False, index=True),
        sa.Column("member_name", sa.Text, nullable=False),
        sa.Column("membership_number", sa.Text, nullable=False, index=True),
        sa.Column("member_email", sa.Text),
        sa.Column("employer", sa.Text),
        sa.Column("workplace", sa.Text),
        sa.Column("job_role", sa.Text),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "case_reps",
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("username", sa.Text, primary_key=True),
        sa.Column("assigned_by", sa.Text, nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_case_reps_username", "case_reps", ["username"])
    create_outbox_table(op.get_bind())


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("case_reps")
    op.drop_table("cases")
    op.execute("DROP SEQUENCE case_reference_seq")
