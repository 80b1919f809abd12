"""The bundle service's tables (schema ``bundle``; see migrations/ for their history)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from casework.v1 import events_pb2
from casework_common.outbox import outbox_table

metadata = MetaData()

# The contract's BundleStatus (proto/casework/v1/events.proto), named as stored and shown: "queued", ...
STATUSES = tuple(
    value.name.removeprefix("BUNDLE_STATUS_").lower()
    for value in events_pb2.BundleStatus.DESCRIPTOR.values
    if value.number != events_pb2.BUNDLE_STATUS_UNSPECIFIED
)

# One row per bundle version. What to build (the items as intake described them when the bundle was
# asked for, with their facts, sections and redactions) is kept here, so a redelivered job builds the
# same thing whatever happened to the case since.
bundles = Table(
    "bundles",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("branch", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("version", Integer, nullable=False),  # 1, 2... per case and title
    Column("status", Text, nullable=False),  # STATUSES
    Column("reason", Text),  # why it failed
    Column("member_visible", Boolean, nullable=False, server_default="false"),
    Column("requested_by", Text, nullable=False),  # preferred_username
    Column("requested_by_sub", Text, nullable=False),
    Column("requested_by_role", Text, nullable=False),
    Column("options", JSONB, nullable=False),  # details, order, sections, max_pages_per_volume
    Column("items", JSONB, nullable=False),  # the items to build from, in the order asked (see api.py)
    Column("pages_done", Integer, nullable=False, server_default="0"),
    Column("pages_total", Integer, nullable=False, server_default="0"),
    Column("index_rows", JSONB),  # the bundle's index, once ready
    Column("volumes", JSONB),  # [{number, key, version_id, sha256, size_bytes, first_page, last_page}]
    Column("sha256", Text),
    Column("size_bytes", BigInteger),
    Column("attempts", Integer, nullable=False, server_default="0"),  # builds started
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    UniqueConstraint("case_id", "title", "version", name="bundles_version"),
)

# A bundle shared by link with a named external recipient (the union's solicitors); see sharing.py.
# Neither the link's token nor the one-time code is kept: only their hashes.
shares = Table(
    "shares",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("bundle_id", Uuid, ForeignKey("bundles.id"), nullable=False, index=True),
    Column("case_id", Uuid, nullable=False),
    Column("recipient_name", Text, nullable=False),
    Column("recipient_email", Text, nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),  # sha256 of the link's 256-bit token
    Column("code_hash", Text),  # scrypt of the current one-time code; null once used (or locked)
    Column("code_salt", Text),
    Column("code_sent_at", DateTime(timezone=True)),
    Column("codes_sent", Integer, nullable=False, server_default="0"),
    Column("wrong_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_at", DateTime(timezone=True)),
    Column("created_by", Text, nullable=False),
    Column("created_by_sub", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", Text),
    Column("last_access_at", DateTime(timezone=True)),
    Column("access_count", Integer, nullable=False, server_default="0"),
)

# A recipient's session after a right code: what the portal's cookie carries is the token, kept hashed.
share_sessions = Table(
    "share_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("share_id", Uuid, ForeignKey("shares.id"), nullable=False, index=True),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Cases whose bundles were erased (erasure.py): none of their bundles is started or finished
# again and no new one is asked for. Only the case's id is kept.
erased_cases = Table(
    "erased_cases",
    metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("request_id", Text, nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
