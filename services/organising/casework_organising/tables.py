"""Organising's tables (schema ``organising``); migrations/0001_organising.py creates them.

Scope is denormalised onto every row (region on campaigns; campaign, branch on everything below),
so each query filters by the caller's branch or region without joins. Personal details of people
spoken to live in a few nullable columns only (contacts.person_*, target_entries), which the
retention pass empties; counts and categories stay.
"""

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Date,
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

from casework_common.outbox import outbox_table

metadata = MetaData()


def _created() -> list[Column]:
    return [
        Column("created_by", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


# A region's recruitment campaign (e.g. National Recruitment Week, 14–18 May).
campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("region", Text, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("notes", Text, nullable=False, server_default=""),
    # Non-members' details and target lists are removed this many days after ends_on.
    Column("retention_days", Integer, nullable=False),
    Column("details_removed_at", DateTime(timezone=True)),
    *_created(),
)

# One branch's plan for a campaign: who helps on the day, the backup plan, the region's highlight.
plans = Table(
    "plans",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("campaign_id", Uuid, ForeignKey("campaigns.id"), nullable=False),
    Column("branch", Text, nullable=False),
    Column("link_official", Text),  # a username; None: help requests go to the regional office
    Column("backup_plan", Text, nullable=False, server_default=""),
    Column("notes", Text, nullable=False, server_default=""),
    Column("highlighted", Boolean, nullable=False, server_default="false"),
    Column("highlight_note", Text, nullable=False, server_default=""),
    Column("highlighted_by", Text),
    *_created(),
    UniqueConstraint("campaign_id", "branch", name="plans_campaign_branch"),
)

# A session of a plan: where, when, what kind, the target of contacts, the team and the opening.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("plan_id", Uuid, ForeignKey("plans.id"), nullable=False, index=True),
    Column("campaign_id", Uuid, nullable=False),
    Column("branch", Text, nullable=False),
    Column("place", Text, nullable=False),  # e.g. "Depot canteen"
    Column("workplace", Text, nullable=False),  # e.g. "Metro Transit, Holloway depot"
    Column("department", Text, nullable=False, server_default=""),
    Column("kind", Text, nullable=False),  # vocabulary.SESSION_KINDS
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("target_contacts", Integer, nullable=False),
    Column("approach", Text, nullable=False),  # vocabulary.APPROACHES
    Column("opening", Text, nullable=False, server_default=""),  # the survey question, petition or briefing
    Column("backup_plan", Text, nullable=False, server_default=""),
    Column("team", ARRAY(Text), nullable=False, server_default="{}"),  # usernames of reps and activists with accounts
    Column("helpers", ARRAY(Text), nullable=False, server_default="{}"),  # first names of helpers without accounts
    *_created(),
)

# An imported staff or membership list: kept for the campaign only, never shown outside the branch.
target_lists = Table(
    "target_lists",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("campaign_id", Uuid, ForeignKey("campaigns.id"), nullable=False),
    Column("branch", Text, nullable=False),
    Column("filename", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("members", Integer, nullable=False),
    Column("imported_by", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("removed_at", DateTime(timezone=True)),  # its entries removed (retention or by hand)
)

target_entries = Table(
    "target_entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("list_id", Uuid, ForeignKey("target_lists.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("campaign_id", Uuid, nullable=False),
    Column("branch", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("workplace", Text, nullable=False),
    Column("department", Text, nullable=False, server_default=""),
    Column("membership_number", Text),  # known members; None: a non-member to approach
    Column("is_member", Boolean, nullable=False),
)

# One conversation, logged on a phone. (session_id, client_id) makes a resent entry a no-op.
contacts = Table(
    "contacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("session_id", Uuid, ForeignKey("sessions.id"), nullable=False, index=True),
    Column("campaign_id", Uuid, nullable=False),
    Column("branch", Text, nullable=False),
    Column("workplace", Text, nullable=False),  # the session's, so results keep it after changes
    Column("department", Text, nullable=False, server_default=""),
    Column("client_id", Uuid, nullable=False),  # made by the browser when the entry is typed
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("is_member", Boolean, nullable=False),
    Column("outcome", Text, nullable=False),  # vocabulary.CONTACT_OUTCOMES
    Column("call_again_on", Date),  # when to call again (call_again, will_join_online)
    Column("issue_category", Text),  # vocabulary.ISSUE_CATEGORIES
    Column("issue_text", Text, nullable=False, server_default=""),
    Column("petition_signed", Boolean, nullable=False, server_default="false"),
    Column("card_left", Boolean, nullable=False, server_default="false"),
    # Optional and minimal: who it was and how to reach them, with why the union may keep it.
    Column("person_name", Text),
    Column("person_contact", Text),
    Column("lawful_basis", Text),  # vocabulary.LAWFUL_BASES; required with any person_* detail
    Column("target_entry_id", Uuid),  # the target-list row it was (no FK: entries go at retention)
    Column("follow_up_id", Uuid),  # the follow-up this conversation answers
    Column("details_removed_at", DateTime(timezone=True)),
    UniqueConstraint("session_id", "client_id", name="contacts_session_client"),
)

# "Call again" and "will join online": a task for the session's team, reminded once when due.
follow_ups = Table(
    "follow_ups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("contact_id", Uuid, ForeignKey("contacts.id"), nullable=False, unique=True),
    Column("session_id", Uuid, nullable=False),
    Column("campaign_id", Uuid, nullable=False),
    Column("branch", Text, nullable=False),
    Column("outcome", Text, nullable=False),  # call_again | will_join_online
    Column("due_on", Date, nullable=False),
    Column("team", ARRAY(Text), nullable=False, server_default="{}"),
    Column("target_entry_id", Uuid),
    Column("state", Text, nullable=False, server_default="open"),  # open | closed
    Column("reminded_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by_contact", Uuid),  # the later conversation that recorded the join
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# "Ask for help" on the day.
help_requests = Table(
    "help_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("session_id", Uuid, ForeignKey("sessions.id"), nullable=False),
    Column("campaign_id", Uuid, nullable=False),
    Column("branch", Text, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("recipients", ARRAY(Text), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# "Order materials": a request the regional office fulfils.
material_orders = Table(
    "material_orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("campaign_id", Uuid, ForeignKey("campaigns.id"), nullable=False),
    Column("branch", Text, nullable=False),
    Column("items", Text, nullable=False),  # e.g. "200 calling cards, 50 survey forms"
    Column("needed_by", Date),
    Column("deliver_to", Text, nullable=False, server_default=""),
    Column("ordered_by", Text, nullable=False),
    Column("ordered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("state", Text, nullable=False, server_default="requested"),  # requested | fulfilled
    Column("fulfilled_by", Text),
    Column("fulfilled_at", DateTime(timezone=True)),
)

outbox = outbox_table(metadata)
