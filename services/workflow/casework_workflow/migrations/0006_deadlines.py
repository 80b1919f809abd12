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
    # The facts a case's rule deadlines are computed from (deadlines.model.DeadlineFacts), one row per
    # case, replaced by each PUT /v1/cases/{id}/deadline-facts (each change is audited with the values).
    op.create_table(
        "deadline_facts",
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("jurisdiction", sa.Text, nullable=False),  # england_wales | scotland | northern_ireland
        sa.Column("termination_date", sa.Date),
        sa.Column("act_date", sa.Date),
        sa.Column("claim_types", JSONB, nullable=False, server_default="[]"),
        sa.Column("acas_day_a", sa.Date),
        sa.Column("acas_day_b", sa.Date),
        sa.Column("outcome_letter_date", sa.Date),
        sa.Column("appeal_window_days", sa.Integer),
        sa.Column("appeal_window_working", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        # The rule set version the case's rule deadlines were last computed with (or tried with and
        # refused); a case whose version is not the one in force is recomputed (deadlines.recompute).
        sa.Column("computed_with", sa.Text),
    )
    # Rule sets uploaded by administrators: every upload kept, none ever changed; the newest one is
    # in force (the packaged default until the first upload).
    op.create_table(
        "deadline_rule_sets",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        # Not unique: re-uploading an earlier version (the same content: a version id always names
        # the same rules) makes it the one in force again.
        sa.Column("version", sa.Text, nullable=False, index=True),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("uploaded_by", sa.Text, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    # forbid_change() is migration 0002's (timeline and audit log).
    op.execute(
        "CREATE TRIGGER deadline_rule_sets_append_only BEFORE UPDATE OR DELETE ON deadline_rule_sets "
        "FOR EACH ROW EXECUTE FUNCTION forbid_change()"
    )


def downgrade() -> None:
    op.drop_table("deadline_rule_sets")
    op.drop_table("deadline_facts")
    op.drop_table("deadlines")
