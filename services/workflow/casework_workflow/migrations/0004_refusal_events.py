"""Refused requests reach the audit log as events (audit.refusals); each event is one record at
most, however often it is delivered: a unique index on the event id those records carry.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.execute(
        "CREATE UNIQUE INDEX audit_log_refusal_event ON audit_log ((detail->>'event_id')) "
        "WHERE action LIKE 'request.refused%'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX audit_log_refusal_event")
