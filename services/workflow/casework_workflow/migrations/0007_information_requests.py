"""Subject access and freedom of information requests a rep makes for a case.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    # One row per request. Its statutory deadline is a row of ``deadlines`` with source
    # "request:<id>" (written by deadlines.store when the request is sent), not a column here, so the
    # case's deadline list, reminders and calendar feeds see it like any other deadline. "Overdue" is
    # not a state: it is computed from that deadline and today's date.
    op.create_table(
        "information_requests",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # "subject_access" | "foi"
        sa.Column("recipient", sa.Text, nullable=False),  # the employer or public body
        sa.Column("recipient_email", sa.Text),
        sa.Column("jurisdiction", sa.Text, nullable=False),  # england_wales | scotland | northern_ireland
        sa.Column("requested", sa.Text, nullable=False),  # what is asked for, in the rep's words
        sa.Column("employee_number", sa.Text),  # how the employer identifies the member, if given
        sa.Column("letter_subject", sa.Text, nullable=False),  # the letter as generated at creation
        sa.Column("letter_body", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="draft"),  # draft|sent|extended|replied|withdrawn
        sa.Column("sent_on", sa.Date),
        sa.Column("received_on", sa.Date),  # by the controller / authority; sent_on unless told otherwise
        sa.Column("extended_on", sa.Date),  # when the controller said it was extending (SAR only)
        sa.Column("extension_reason", sa.Text),
        sa.Column("replied_on", sa.Date),
        sa.Column("reply_evidence_ids", JSONB, nullable=False, server_default="[]"),
        sa.Column("withdrawn_reason", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('subject_access', 'foi')", name="information_requests_kind"),
        sa.CheckConstraint(
            "state IN ('draft', 'sent', 'extended', 'replied', 'withdrawn')", name="information_requests_state"
        ),
        sa.CheckConstraint("kind = 'subject_access' OR extended_on IS NULL", name="information_requests_sar_extends"),
    )
    op.create_index("information_requests_case", "information_requests", ["case_id", "created_at"])


def downgrade() -> None:
    op.drop_table("information_requests")
