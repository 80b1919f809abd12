"""Deadlines on cases: the facts they are computed from, the versioned rule sets that compute them,
and the deadlines themselves (computed by rule, from an information request, or entered by hand).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    # One row per deadline; `source` says where it comes from and is unique per case, so recomputing
    # a case's deadlines updates the same rows: "rule:<rule key>" (from the case's deadline facts),
    # "request:<information request id>", "manual:<uuid>".
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # casework_common.vocabulary.DEADLINE_KINDS
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("state", sa.Text, nullable=False, server_default="open"),  # DEADLINE_STATES
        sa.Column("visibility", sa.Text, nullable=False),  # "member" | "reps"
        sa.Column("indicative", sa.Boolean, nullable=False),
        sa.Column("computation", JSONB, nullable=False, server_default="[]"),  # the steps, as sentences
        sa.Column("rule", JSONB),  # {rule_set, key, title, citation, url} when computed by a rule
        sa.Column("state_changed_by", sa.Text),
        sa.Column("state_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("case_id", "source", name="deadlines_case_source"),
    )
    op.create_index("deadlines_open_due", "deadlines", ["due_on"], postgresql_where=sa.text("state = 'open'"))


def downgrade() -> None:
    op.drop_table("deadlines")
