"""The mailroom: evidence that arrives by email or in scanned batches split at cover sheets.

Each evidence item says how it came in (``channel``, one of casework_common.vocabulary.INTAKE_CHANNELS,
and ``channel_detail``). Cases get private intake addresses; every message received is recorded once
(``dedupe_key``), filed or held; cover sheets are recorded so they can be withdrawn; each scanned
batch and each of its parts is recorded, so a batch read again after a crash files nothing twice.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.add_column("evidence", sa.Column("channel", sa.Text, nullable=False, server_default="upload"))
    op.add_column("evidence", sa.Column("channel_detail", JSONB, nullable=False, server_default="{}"))
    op.create_table(
        "intake_addresses",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("token", sa.Text, nullable=False, unique=True),
        sa.Column("created_by", sa.Text, nullable=False),
        _when("created_at"),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.Text),
    )
    # At most one live address per case.
    op.create_index(
        "ux_intake_addresses_live",
        "intake_addresses",
        ["case_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Uuid, primary_key=True),
        # Message-ID and a hash of the message without its trace headers: a redelivery has both.
        sa.Column("dedupe_key", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),  # the intake address it came to
        sa.Column("route", sa.Text, nullable=False),  # "case-address" | "general" | "scanner"
        sa.Column("case_id", sa.Uuid, index=True),
        sa.Column("message_id", sa.Text),
        sa.Column("sender", sa.Text, nullable=False),  # the From address
        sa.Column("envelope_from", sa.Text),
        sa.Column("subject", sa.Text),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("attachments", JSONB, nullable=False, server_default="[]"),  # [{"filename", "size_bytes"}]
        sa.Column("authentication", sa.Text),  # what the trusted Authentication-Results header said
        sa.Column("state", sa.Text, nullable=False),  # "filed" or a HOLD_STATES name
        sa.Column("reason", sa.Text),  # a HOLD_REASONS name while held
        sa.Column("sender_username", sa.Text),
        sa.Column("bucket", sa.Text),  # the held copy, until accepted or rejected
        sa.Column("object_key", sa.Text),
        sa.Column("evidence_id", sa.Uuid, sa.ForeignKey("evidence.id")),
        sa.Column("decided_by", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        _when("received_at"),
        sa.UniqueConstraint("dedupe_key", "recipient", name="uq_mail_messages_dedupe"),
    )
    op.create_table(
        "cover_sheets",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("case_reference", sa.Text, nullable=False),
        sa.Column("visibility", sa.Text, nullable=False),  # of the items filed behind it
        sa.Column("printed_by", sa.Text, nullable=False),  # preferred_username
        sa.Column("printed_by_sub", sa.Text, nullable=False),
        _when("printed_at"),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.Text),
    )
    op.create_table(
        "scan_batches",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("sha256", sa.Text, nullable=False, unique=True),  # the same batch again files nothing
        sa.Column("source", sa.Text, nullable=False),  # "drop" | "email"
        sa.Column("source_name", sa.Text, nullable=False),  # file name in the drop, or the message's subject
        sa.Column("sender", sa.Text),  # for a batch emailed to the scanner address
        sa.Column("region", sa.Text),
        sa.Column("branch", sa.Text),
        sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
        sa.Column("state", sa.Text, nullable=False),  # "splitting" | "split" | "failed"
        sa.Column("reason", sa.Text),
        sa.Column("bucket", sa.Text, nullable=False),
        sa.Column("object_key", sa.Text, nullable=False),
        _when("received_at"),
    )
    op.create_table(
        "scan_parts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("batch_id", sa.Uuid, sa.ForeignKey("scan_batches.id"), nullable=False),
        sa.Column("part_index", sa.Integer, nullable=False),
        sa.Column("first_page", sa.Integer, nullable=False),  # 1-based pages of the batch, sheets excluded
        sa.Column("last_page", sa.Integer, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("cover_sheet_id", sa.Uuid, sa.ForeignKey("cover_sheets.id")),
        sa.Column("state", sa.Text, nullable=False),  # "filed" or a HOLD_STATES name
        sa.Column("reason", sa.Text),  # a HOLD_REASONS name while unfiled
        sa.Column("region", sa.Text),  # who may see it while unfiled (scanning/queues.py)
        sa.Column("branch", sa.Text),
        sa.Column("bucket", sa.Text),  # the part's own PDF while unfiled
        sa.Column("object_key", sa.Text),
        sa.Column("case_id", sa.Uuid),
        sa.Column("evidence_id", sa.Uuid, sa.ForeignKey("evidence.id")),
        sa.Column("decided_by", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        _when("created_at"),
        sa.UniqueConstraint("batch_id", "part_index", name="uq_scan_parts_index"),
    )


def downgrade() -> None:
    op.drop_table("scan_parts")
    op.drop_table("scan_batches")
    op.drop_table("cover_sheets")
    op.drop_table("mail_messages")
    op.drop_index("ux_intake_addresses_live", table_name="intake_addresses")
    op.drop_table("intake_addresses")
    op.drop_column("evidence", "channel_detail")
    op.drop_column("evidence", "channel")
