"""Calendar feeds: a secret, revocable iCalendar URL per person.

Only the SHA-256 of a feed's token is kept (the token itself is shown once, in the feed's URL); the
owner is kept by identity-provider id (``subject``, the token's ``sub``), so a later account given
the same username never inherits a feed, and by username for listings and the audit log.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("token_sha256", sa.Text, nullable=False, unique=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True)),
        # Fetches are audited coalesced (calendar_feeds.py): when the last audit record was written, how
        # many fetches there have been in all, and a digest of the cases the last record named.
        sa.Column("fetch_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("audited_at", sa.DateTime(timezone=True)),
        sa.Column("audited_cases_sha256", sa.Text),
    )
    op.create_index("calendar_feeds_subject", "calendar_feeds", ["subject"])


def downgrade() -> None:
    op.drop_table("calendar_feeds")
