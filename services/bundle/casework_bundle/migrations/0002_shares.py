"""Bundles shared by link with external recipients, and their recipients' sessions.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "shares",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("bundle_id", sa.Uuid, sa.ForeignKey("bundles.id"), nullable=False, index=True),
        sa.Column("case_id", sa.Uuid, nullable=False),
        sa.Column("recipient_name", sa.Text, nullable=False),
        sa.Column("recipient_email", sa.Text, nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("code_hash", sa.Text),
        sa.Column("code_salt", sa.Text),
        sa.Column("code_sent_at", sa.DateTime(timezone=True)),
        sa.Column("codes_sent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("wrong_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_by_sub", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.Text),
        sa.Column("last_access_at", sa.DateTime(timezone=True)),
        sa.Column("access_count", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("wrong_attempts >= 0", name="shares_attempts"),
    )
    op.create_table(
        "share_sessions",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("share_id", sa.Uuid, sa.ForeignKey("shares.id"), nullable=False, index=True),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("share_sessions")
    op.drop_table("shares")
