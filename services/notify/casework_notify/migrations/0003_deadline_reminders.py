"""Deadline reminders: the latest state of each deadline and the reminders already sent; each
email attempt claimed on its delivery record (the reminder loop retries stuck ones).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
    op.add_column("deliveries", sa.Column("attempted_at", sa.DateTime(timezone=True)))
    op.create_table(
        "deadlines",
        sa.Column("deadline_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("membership_number", sa.Text, nullable=False),
        sa.Column("reps", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("officials", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("visibility", sa.Text, nullable=False),
        sa.Column("indicative", sa.Boolean, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("handled_due_on", sa.Date),
        sa.Column("handled_lead", sa.Text),
        sa.Column("handled_on", sa.Date),
        sa.Column("case_changes", sa.BigInteger, nullable=False, server_default="0"),
        sa.CheckConstraint("state IN ('open', 'met', 'withdrawn')", name="deadlines_state"),
        sa.CheckConstraint("visibility IN ('member', 'reps')", name="deadlines_visibility"),
    )
    # The reminder loop reads the open ones only.
    op.create_index("deadlines_open", "deadlines", ["due_on"], postgresql_where=sa.text("state = 'open'"))
    # Every CaseChanged event touches its case's deadlines.
    op.create_index("deadlines_case", "deadlines", ["case_id"])
    op.create_table(
        "reminders_sent",
        sa.Column("deadline_id", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("lead", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("deadline_id", "due_on", "lead", "recipient", name="reminders_sent_once"),
    )


def downgrade() -> None:
    op.drop_table("reminders_sent")
    op.drop_index("deadlines_case", table_name="deadlines")
    op.drop_index("deadlines_open", table_name="deadlines")
    op.drop_table("deadlines")
    op.drop_column("deliveries", "attempted_at")
    op.drop_column("deliveries", "attempts")
