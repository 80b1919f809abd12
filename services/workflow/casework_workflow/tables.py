"""Workflow's tables (schema ``workflow``; see migrations/ for their history)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    Sequence,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from casework_common.outbox import outbox_table

metadata = MetaData()

case_reference_seq = Sequence("case_reference_seq", metadata=metadata)

cases = Table(
    "cases",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("reference", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False),
    Column("case_type", Text, nullable=False),
    Column("branch", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("member_name", Text, nullable=False),
    Column("membership_number", Text, nullable=False),
    Column("member_email", Text),
    Column("member_phone", Text),
    Column("employer", Text),
    Column("workplace", Text),
    Column("sector", Text),
    Column("job_role", Text),
    Column("allegations", JSONB, nullable=False, server_default="[]"),
    Column("allegation_details", Text, nullable=False, server_default=""),
    Column("incident_date", Date),
    Column("investigation_meeting_date", Date),
    Column("hearing_date", Date),
    Column("outcome_date", Date),
    Column("appeal_deadline", Date),
    Column("outcome", Text),
    Column("sanction", Text),
    Column("summary", Text, nullable=False, server_default=""),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("closed_at", DateTime(timezone=True)),  # set on closing, cleared on reopening (migration 0009)
)

# Reps on a case: "assigned" (responsible, notified) or "shared" (a colleague given access).
case_reps = Table(
    "case_reps",
    metadata,
    Column("case_id", Uuid, ForeignKey("cases.id"), primary_key=True),
    Column("username", Text, primary_key=True),
    Column("kind", Text, nullable=False, server_default="assigned"),
    Column("assigned_by", Text, nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("visibility", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("author_role", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("occurred_on", Date),
    Column("corrects", Uuid, ForeignKey("timeline_entries.id")),
    Column("data", JSONB, nullable=False, server_default="{}"),
    Column("source_event_id", Text, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False),
    Column("target", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("summary", JSONB, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("requested_by_role", Text, nullable=False),
    Column("official", Text),
    Column("decision_reasons", Text),
    Column("pack", JSONB),
    Column("member_advised_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

support_requests = Table(
    "support_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False),
    Column("asked_for", Text, nullable=False),
    Column("to_role", Text, nullable=False),
    Column("referred_back", Boolean, nullable=False, server_default="false"),
    Column("question", Text, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("requested_by_role", Text, nullable=False),
    Column("answer", Text),
    Column("answered_by", Text),
    Column("answered_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

enquiries = Table(
    "enquiries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("member", Text, nullable=False),
    Column("membership_number", Text, nullable=False),
    Column("branch", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("case_id", Uuid, ForeignKey("cases.id")),
    Column("message", Text, nullable=False),
    Column("routed_to", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

branch_tasks = Table(
    "branch_tasks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("branch", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("case_id", Uuid, ForeignKey("cases.id")),
    Column("enquiry_id", Uuid, ForeignKey("enquiries.id")),
    Column("description", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),
    Column("done_by", Text),
    Column("done_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

branch_flags = Table(
    "branch_flags",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("branch", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resolved_at", DateTime(timezone=True)),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("actor_role", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("case_id", Uuid),
    Column("resource", Text),
    Column("detail", JSONB, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    # Migration 0010: hashing over a content digest, so content can be redacted (audit.py).
    Column("scheme", SmallInteger, nullable=False),
    Column("content_salt", Text),
    Column("content_digest", Text),
    Column("redacted_at", DateTime(timezone=True)),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("singleton", Boolean, primary_key=True),
    Column("last_id", BigInteger, nullable=False),
    Column("last_hash", Text, nullable=False),
)

# Deadlines on cases (migration 0006): computed by rule from the case's deadline facts, from an
# information request, or entered by hand; ``source`` is unique per case.
deadlines = Table(
    "deadlines",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False),
    Column("source", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("state", Text, nullable=False, server_default="open"),
    Column("visibility", Text, nullable=False),
    Column("indicative", Boolean, nullable=False),
    Column("computation", JSONB, nullable=False, server_default="[]"),
    Column("rule", JSONB),
    Column("state_changed_by", Text),
    Column("state_reason", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Subject access and FOI requests (migration 0007); their deadline is the ``deadlines`` row with
# source "request:<id>", and "overdue" is computed from it, never stored.
information_requests = Table(
    "information_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("recipient_email", Text),
    Column("jurisdiction", Text, nullable=False),
    Column("requested", Text, nullable=False),
    Column("employee_number", Text),
    Column("letter_subject", Text, nullable=False),
    Column("letter_body", Text, nullable=False),
    Column("state", Text, nullable=False, server_default="draft"),
    Column("sent_on", Date),
    Column("received_on", Date),
    Column("extended_on", Date),
    Column("extension_reason", Text),
    Column("replied_on", Date),
    Column("reply_evidence_ids", JSONB, nullable=False, server_default="[]"),
    Column("withdrawn_reason", Text),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The facts a case's rule deadlines are computed from, one row per case (migration 0006).
deadline_facts = Table(
    "deadline_facts",
    metadata,
    Column("case_id", Uuid, ForeignKey("cases.id"), primary_key=True),
    Column("jurisdiction", Text, nullable=False),
    Column("termination_date", Date),
    Column("act_date", Date),
    Column("claim_types", JSONB, nullable=False, server_default="[]"),
    Column("acas_day_a", Date),
    Column("acas_day_b", Date),
    Column("outcome_letter_date", Date),
    Column("appeal_window_days", Integer),
    Column("appeal_window_working", Boolean, nullable=False, server_default="false"),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("computed_with", Text),  # rule set version last computed (or tried) with: deadlines.recompute
)

# Deadline rule sets uploaded by administrators, append-only; the newest is in force (migration 0006).
deadline_rule_sets = Table(
    "deadline_rule_sets",
    metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("version", Text, nullable=False, index=True),
    Column("body", JSONB, nullable=False),
    Column("uploaded_by", Text, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Calendar feeds (migration 0008): a person's secret, revocable iCalendar URL; only its token's SHA-256
# is kept. See calendar_feeds.py.
calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("username", Text, nullable=False),
    Column("token_sha256", Text, nullable=False, unique=True),
    Column("label", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_fetched_at", DateTime(timezone=True)),
    Column("fetch_count", BigInteger, nullable=False, server_default="0"),
    Column("audited_at", DateTime(timezone=True)),
    Column("audited_cases_sha256", Text),
)

# Data protection (migration 0009, retention/): legal holds stop all removal of a case's data;
# ``data_erasures`` is one row per (case, data kind) due for removal, with the holders' receipts.
legal_holds = Table(
    "legal_holds",
    metadata,
    Column("case_id", Uuid, ForeignKey("cases.id"), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("set_by", Text, nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

erasure_requests = Table(
    "erasure_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("cases.id"), nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("decision", Text, nullable=False),
    Column("refusal_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

data_erasures = Table(
    "data_erasures",
    metadata,
    Column("case_id", Uuid, ForeignKey("cases.id"), primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("request_id", Text, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Column("receipts", JSONB, nullable=False, server_default="{}"),
    Column("done_at", DateTime(timezone=True)),
)

outbox = outbox_table(metadata)
