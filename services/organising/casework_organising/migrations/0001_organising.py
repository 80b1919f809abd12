"""Campaigns, plans, sessions, target lists, the contact log, follow-ups, help requests, material
orders and the event outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from casework_common.outbox import create_outbox_table
from casework_common.vocabulary import (
    APPROACHES,
    CONTACT_OUTCOMES,
    FOLLOW_UP_OUTCOMES,
    ISSUE_CATEGORIES,
    LAWFUL_BASES,
    SESSION_KINDS,
)

revision = "0001"
down_revision = None


def _one_of(column: str, names: object) -> str:
    return f"{column} IN ({', '.join(repr(n) for n in names)})"  # type: ignore[attr-defined]


def _created() -> list[sa.Column]:
    return [
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("region", sa.Text, nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("retention_days", sa.Integer, nullable=False),
        sa.Column("details_removed_at", sa.DateTime(timezone=True)),
        *_created(),
        sa.CheckConstraint("ends_on >= starts_on", name="campaigns_dates"),
        sa.CheckConstraint("retention_days >= 0", name="campaigns_retention"),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("link_official", sa.Text),
        sa.Column("backup_plan", sa.Text, nullable=False, server_default=""),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("highlighted", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("highlight_note", sa.Text, nullable=False, server_default=""),
        sa.Column("highlighted_by", sa.Text),
        *_created(),
        sa.UniqueConstraint("campaign_id", "branch", name="plans_campaign_branch"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("plan_id", sa.Uuid, sa.ForeignKey("plans.id"), nullable=False, index=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("workplace", sa.Text, nullable=False),
        sa.Column("department", sa.Text, nullable=False, server_default=""),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target_contacts", sa.Integer, nullable=False),
        sa.Column("approach", sa.Text, nullable=False),
        sa.Column("opening", sa.Text, nullable=False, server_default=""),
        sa.Column("backup_plan", sa.Text, nullable=False, server_default=""),
        sa.Column("team", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("helpers", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        *_created(),
        sa.CheckConstraint(_one_of("kind", SESSION_KINDS), name="sessions_kind"),
        sa.CheckConstraint(_one_of("approach", APPROACHES), name="sessions_approach"),
        sa.CheckConstraint("ends_at > starts_at", name="sessions_times"),
        sa.CheckConstraint("target_contacts >= 0", name="sessions_target"),
    )
    op.create_index("sessions_campaign_branch", "sessions", ["campaign_id", "branch"])
    op.create_table(
        "target_lists",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
        sa.Column("imported_by", sa.Text, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "target_entries",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("list_id", sa.Uuid, sa.ForeignKey("target_lists.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("workplace", sa.Text, nullable=False),
        sa.Column("department", sa.Text, nullable=False, server_default=""),
        sa.Column("membership_number", sa.Text),
        sa.Column("is_member", sa.Boolean, nullable=False),
    )
    op.create_index("target_entries_campaign_branch", "target_entries", ["campaign_id", "branch"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("session_id", sa.Uuid, sa.ForeignKey("sessions.id"), nullable=False, index=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("workplace", sa.Text, nullable=False),
        sa.Column("department", sa.Text, nullable=False, server_default=""),
        sa.Column("client_id", sa.Uuid, nullable=False),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("is_member", sa.Boolean, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("call_again_on", sa.Date),
        sa.Column("issue_category", sa.Text),
        sa.Column("issue_text", sa.Text, nullable=False, server_default=""),
        sa.Column("petition_signed", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("card_left", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("person_name", sa.Text),
        sa.Column("person_contact", sa.Text),
        sa.Column("lawful_basis", sa.Text),
        sa.Column("target_entry_id", sa.Uuid),
        sa.Column("follow_up_id", sa.Uuid),
        sa.Column("details_removed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("session_id", "client_id", name="contacts_session_client"),
        sa.CheckConstraint(_one_of("outcome", CONTACT_OUTCOMES), name="contacts_outcome"),
        sa.CheckConstraint(
            "issue_category IS NULL OR " + _one_of("issue_category", ISSUE_CATEGORIES), name="contacts_category"
        ),
        sa.CheckConstraint("lawful_basis IS NULL OR " + _one_of("lawful_basis", LAWFUL_BASES), name="contacts_basis"),
        # Personal details only with the reason the union may keep them.
        sa.CheckConstraint(
            "(person_name IS NULL AND person_contact IS NULL) OR lawful_basis IS NOT NULL",
            name="contacts_details_basis",
        ),
    )
    op.create_index("contacts_campaign_branch", "contacts", ["campaign_id", "branch"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("contact_id", sa.Uuid, sa.ForeignKey("contacts.id"), nullable=False, unique=True),
        sa.Column("session_id", sa.Uuid, nullable=False),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("team", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("target_entry_id", sa.Uuid),
        sa.Column("state", sa.Text, nullable=False, server_default="open"),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by_contact", sa.Uuid),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("state IN ('open', 'closed')", name="follow_ups_state"),
        # sorted: the set has no order of its own, and this keeps the text the constraint always had.
        sa.CheckConstraint(_one_of("outcome", sorted(FOLLOW_UP_OUTCOMES)), name="follow_ups_outcome"),
    )
    op.create_index("follow_ups_due", "follow_ups", ["due_on"], postgresql_where=sa.text("state = 'open'"))
    op.create_table(
        "help_requests",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("session_id", sa.Uuid, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("recipients", sa.ARRAY(sa.Text), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "material_orders",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("branch", sa.Text, nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("needed_by", sa.Date),
        sa.Column("deliver_to", sa.Text, nullable=False, server_default=""),
        sa.Column("ordered_by", sa.Text, nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("state", sa.Text, nullable=False, server_default="requested"),
        sa.Column("fulfilled_by", sa.Text),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state IN ('requested', 'fulfilled')", name="material_orders_state"),
    )
    create_outbox_table(op.get_bind())


def downgrade() -> None:
    for table in (
        "outbox",
        "material_orders",
        "help_requests",
        "follow_ups",
        "contacts",
        "target_entries",
        "target_lists",
        "sessions",
        "plans",
        "campaigns",
    ):
        op.drop_table(table)
