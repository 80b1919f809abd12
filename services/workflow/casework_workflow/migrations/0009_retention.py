"""Retention and erasure (docs/design.md, 'Retention, legal holds and erasure'): when a case closed,
legal holds, what has been removed of each case's data and by whom, and erasure requests.

- ``cases.closed_at``: set when a case's status becomes closed, cleared if it is reopened; the
  retention schedule counts from it. Cases already closed get their last change as the closing time
  (the best the history holds; it can only make them kept longer, never shorter, than the schedule).
- ``legal_holds``: one row per held case (a live tribunal claim, a regulator's inquiry...); while it
  exists nothing about the case is removed. Setting and releasing are audited, so the history is in
  the audit log.
- ``data_erasures``: one row per (case, data kind) due for removal: why, which request or run asked,
  when ``CaseDataDue`` was last sent, which holder services have sent their receipt, and when every
  holder had (``done_at``).
- ``erasure_requests``: a data-protection officer's request to erase a member's case, accepted or
  refused with the reason.
- Timeline entries stay append-only for everyone except the erasure path, which says so for its own
  transaction (``SET LOCAL casework.erasing = 'on'``, retention/erase.py) and may then delete them.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.add_column("cases", sa.Column("closed_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE cases SET closed_at = updated_at WHERE status = 'closed'")
    op.create_index("cases_closed_at", "cases", ["closed_at"], postgresql_where=sa.text("closed_at IS NOT NULL"))

    op.create_table(
        "legal_holds",
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("set_by", sa.Text, nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )

    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("refusal_reason", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("decision IN ('accepted', 'refused')", name="erasure_requests_decision"),
    )

    op.create_table(
        "data_erasures",
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),  # CaseDataDue last queued for this kind
        # {"<service>": {"at": ..., "items_removed": n, "request_id": ...}}, one key per holder answered
        sa.Column("receipts", JSONB, nullable=False, server_default="{}"),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("reason IN ('retention', 'request')", name="data_erasures_reason"),
    )
    op.create_index("data_erasures_open", "data_erasures", ["sent_at"], postgresql_where=sa.text("done_at IS NULL"))

    # Timeline entries: still append-only, except inside an erasure's own transaction.
    op.execute("""
        CREATE FUNCTION forbid_change_unless_erasing() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND current_setting('casework.erasing', true) = 'on' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
        END $$""")
    op.execute("DROP TRIGGER timeline_entries_append_only ON timeline_entries")
    op.execute(
        "CREATE TRIGGER timeline_entries_append_only BEFORE UPDATE OR DELETE ON timeline_entries "
        "FOR EACH ROW EXECUTE FUNCTION forbid_change_unless_erasing()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER timeline_entries_append_only ON timeline_entries")
    op.execute(
        "CREATE TRIGGER timeline_entries_append_only BEFORE UPDATE OR DELETE ON timeline_entries "
        "FOR EACH ROW EXECUTE FUNCTION forbid_change()"
    )
    op.execute("DROP FUNCTION forbid_change_unless_erasing()")
    op.drop_table("data_erasures")
    op.drop_table("erasure_requests")
    op.drop_table("legal_holds")
    op.drop_index("cases_closed_at", table_name="cases")
    op.drop_column("cases", "closed_at")
