"""Full case records, the timeline, the referral protocol, support requests, enquiries,
branch tasks and flags, and the hash-chained audit log. Timeline and audit are append-only.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"

APPEND_ONLY = ("timeline_entries", "audit_log")


def upgrade() -> None:
    for column in (
        sa.Column("member_phone", sa.Text),
        sa.Column("allegations", JSONB, nullable=False, server_default="[]"),
        sa.Column("allegation_details", sa.Text, nullable=False, server_default=""),
        sa.Column("incident_date", sa.Date),
        sa.Column("investigation_meeting_date", sa.Date),
        sa.Column("hearing_date", sa.Date),
        sa.Column("outcome_date", sa.Date),
        sa.Column("appeal_deadline", sa.Date),
        sa.Column("outcome", sa.Text),
        sa.Column("sanction", sa.Text),
    ):
        op.add_column("cases", column)
    op.add_column("case_reps", sa.Column("kind", sa.Text, nullable=False, server_default="assigned"))
    op.create_check_constraint("case_reps_kind", "case_reps", "kind IN ('assigned', 'shared')")

    op.create_table(
        "timeline_entries",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("visibility", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("author_role", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("occurred_on", sa.Date),
        sa.Column("corrects", sa.Uuid, sa.ForeignKey("timeline_entries.id")),
        sa.Column("data", JSONB, nullable=False, server_default="{}"),
        sa.Column("source_event_id", sa.Text, unique=True),  # idempotency for entries made from events
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("visibility IN ('member', 'reps')", name="timeline_visibility"),
    )

    op.create_table(
        "referrals",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("summary", JSONB, nullable=False),  # the generated case summary the official sees
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("requested_by_role", sa.Text, nullable=False),
        sa.Column("official", sa.Text),
        sa.Column("decision_reasons", sa.Text),
        sa.Column("pack", JSONB),
        sa.Column("member_advised_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("target IN ('regional_office', 'regional_caseworker')", name="referrals_target"),
    )

    op.create_table(
        "support_requests",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("asked_for", sa.Text, nullable=False),
        sa.Column("to_role", sa.Text, nullable=False),
        sa.Column("referred_back", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("requested_by_role", sa.Text, nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("answered_by", sa.Text),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("to_role IN ('official', 'caseworker')", name="support_to_role"),
    )

    op.create_table(
        "enquiries",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("member", sa.Text, nullable=False),
        sa.Column("membership_number", sa.Text, nullable=False, index=True),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id")),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("routed_to", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )

    op.create_table(
        "branch_tasks",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("branch", sa.Text, nullable=False, index=True),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id")),
        sa.Column("enquiry_id", sa.Uuid, sa.ForeignKey("enquiries.id")),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("done_by", sa.Text),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )

    op.create_table(
        "branch_flags",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("region", sa.Text, nullable=False, index=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "branch_flags_one_open",
        "branch_flags",
        ["branch"],
        unique=True,
        postgresql_where=sa.text("resolved_at IS NULL"),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("actor_role", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("case_id", sa.Uuid, index=True),
        sa.Column("resource", sa.Text),
        sa.Column("detail", JSONB, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
    )
    # One row: the chain's head, locked by every append so the chain stays a chain.
    op.create_table(
        "audit_head",
        sa.Column("singleton", sa.Boolean, primary_key=True, server_default=sa.true()),
        sa.Column("last_id", sa.BigInteger, nullable=False),
        sa.Column("last_hash", sa.Text, nullable=False),
        sa.CheckConstraint("singleton", name="audit_head_singleton"),
    )
    op.execute("INSERT INTO audit_head (singleton, last_id, last_hash) VALUES (true, 0, 'genesis')")

    op.execute("""
        CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
        END $$""")
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION forbid_change()"
        )


def downgrade() -> None:
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    op.execute("DROP FUNCTION forbid_change()")
    for table in (
        "audit_head",
        "audit_log",
        "branch_flags",
        "branch_tasks",
        "enquiries",
        "support_requests",
        "referrals",
        "timeline_entries",
    ):
        op.drop_table(table)
    op.drop_constraint("case_reps_kind", "case_reps")
    op.drop_column("case_reps", "kind")
    for name in (
        "member_phone",
        "allegations",
        "allegation_details",
        "incident_date",
        "investigation_meeting_date",
        "hearing_date",
        "outcome_date",
        "appeal_deadline",
        "outcome",
        "sanction",
    ):
        op.drop_column("cases", name)
