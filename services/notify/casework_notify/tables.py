"""Notify's tables (schema ``notify``)."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

metadata = MetaData()

# One row per (event, recipient, channel): the idempotency record for deliveries.
deliveries = Table(
    "deliveries",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("recipient", Text, primary_key=True),
    Column("channel", Text, primary_key=True),
    Column("status", Text, nullable=False),  # pending | sent | no-address
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    # Each attempt to send is claimed first (a conditional UPDATE), so replicas retrying the same
    # stuck email do not both send it.
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("attempted_at", DateTime(timezone=True)),
)

inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", Text, nullable=False),
    Column("recipient", Text, nullable=False, index=True),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("link", Text),
    Column("case_id", Uuid),  # indexed (inbox_items_case, migration 0004): erasure finds a case's items
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("read_at", DateTime(timezone=True)),
    UniqueConstraint("event_id", "recipient", name="inbox_items_event_recipient"),
)

preferences = Table(
    "preferences",
    metadata,
    Column("username", Text, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("mode", Text, nullable=False),  # immediate | digest
)

digest_items = Table(
    "digest_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("link", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    UniqueConstraint("event_id", "recipient", name="digest_items_event_recipient"),
)

# The latest state of each deadline, from workflow's DeadlineChanged events: a row changes only
# for a higher version, so a late or redelivered event changes nothing. The case facts reminders
# need (reference, branch, member, reps, officials) come with the event, as for every case event.
deadlines = Table(
    "deadlines",
    metadata,
    Column("deadline_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False),
    Column("reference", Text, nullable=False),
    Column("branch", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("membership_number", Text, nullable=False),
    Column("reps", ARRAY(Text), nullable=False),
    Column("officials", ARRAY(Text), nullable=False),
    Column("kind", Text, nullable=False),  # DEADLINE_KINDS short name
    Column("label", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("state", Text, nullable=False),  # open | met | withdrawn
    Column("visibility", Text, nullable=False),  # member | reps
    Column("indicative", Boolean, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("event_id", Text, nullable=False),  # the event the row was last written from
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The last lead whose reminders were all delivered (due date and lead, e.g. "7"): the reminder
    # loop skips the deadline, without asking workflow or the directory, until another lead is reached.
    Column("handled_due_on", Date),
    Column("handled_lead", Text),
    Column("handled_on", Date),
    # Raised by every CaseChanged of the case (reps, status), which also clears the mark: the
    # current lead is looked at again (a new rep gets it, a reopened case is reminded), and a pass
    # that read the deadline before the change does not mark it handled.
    Column("case_changes", BigInteger, nullable=False, server_default="0"),
)

# One row per reminder sent: (deadline, its due date, lead, recipient) is written in the same
# transaction as the reminder's inbox item and delivery record, so each is sent once across
# restarts, replicas and redeliveries. The due date is part of the key: a deadline moved to a
# new date is a new clock and its reminders run again.
reminders_sent = Table(
    "reminders_sent",
    metadata,
    Column("deadline_id", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("lead", Text, nullable=False),  # days before, e.g. "7", or "overdue"
    Column("recipient", Text, nullable=False),
    Column("event_id", Text, nullable=False),  # the inbox item's and delivery record's event id
    Column("sent_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("deadline_id", "due_on", "lead", "recipient", name="reminders_sent_once"),
)

# A case whose notifications were erased (casework_notify.erasure). Nothing about it is
# delivered or recorded again: a late or redelivered event, or a reminder pass that read its
# deadline before the erasure, finds it here and writes nothing.
erased_cases = Table(
    "erased_cases",
    metadata,
    Column("case_id", Text, primary_key=True),
    Column("request_id", Text, nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
