"""Accesses to bundles shared by link reach the audit log as events (audit.shares); each event is one
record at most, however often it is delivered: a unique index on the event id those records carry.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.execute(
        "CREATE UNIQUE INDEX audit_log_share_event ON audit_log ((detail->>'event_id')) "
        "WHERE action LIKE 'bundle.share.%'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX audit_log_share_event")
