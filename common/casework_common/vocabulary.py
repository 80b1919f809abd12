"""Names the APIs, the database and the index use for the contracts' enums, derived from the
enums themselves (proto/casework/v1/events.proto), so there is one vocabulary, not one per service.

A document kind is stored and shown by its short lower-case name: ``DOCUMENT_KIND_OUTCOME_LETTER``
is ``"outcome_letter"``. ``DOCUMENT_KIND_UNSPECIFIED`` has no name: it means "not known".
"""

from __future__ import annotations

from types import MappingProxyType

from casework.v1 import events_pb2, organising_pb2

_PREFIX = "DOCUMENT_KIND_"

#: Short name -> enum number, in the contract's order (e.g. ``"outcome_letter": 2``).
DOCUMENT_KINDS: MappingProxyType[str, int] = MappingProxyType(
    {
        value.name.removeprefix(_PREFIX).lower(): value.number
        for value in events_pb2.DocumentKind.DESCRIPTOR.values
        if value.number != events_pb2.DOCUMENT_KIND_UNSPECIFIED
    }
)
_NAMES = {number: name for name, number in DOCUMENT_KINDS.items()}

#: What people call each kind (the issue's list), for pages and forms.
DOCUMENT_KIND_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "invitation": "Invitation to a meeting",
        "outcome_letter": "Outcome letter",
        "suspension_letter": "Suspension letter",
        "warning": "Warning",
        "minutes": "Minutes or notes",
        "witness_statement": "Witness statement",
        "policy": "Policy or procedure",
        "email": "Email",
        "medical": "Medical report or fit note",
        "pay_record": "Payslip or pay record",
        "contract": "Contract",
        "grievance": "Grievance",
        "appeal": "Appeal",
        "other": "Other",
    }
)


def document_kind_name(kind: int) -> str | None:
    """The short name of a ``DocumentKind`` number; None for UNSPECIFIED or a number this build
    does not know (a newer producer's), which readers treat as "not known"."""
    return _NAMES.get(kind)


def document_kind(name: str) -> int:
    """The ``DocumentKind`` number of a short name; KeyError if it is not in the vocabulary."""
    return DOCUMENT_KINDS[name]


def _short_names(enum: object, prefix: str) -> MappingProxyType[str, int]:
    """``{"short_name": number}`` of a contract enum, without its UNSPECIFIED value."""
    return MappingProxyType(
        {
            value.name.removeprefix(prefix).lower(): value.number
            for value in enum.DESCRIPTOR.values  # type: ignore[attr-defined]
            if value.number != 0
        }
    )


#: Deadline kinds and states (``DeadlineKind``, ``DeadlineState``) by short name, e.g. ``"tribunal_claim"``.
DEADLINE_KINDS = _short_names(events_pb2.DeadlineKind, "DEADLINE_KIND_")
DEADLINE_STATES = _short_names(events_pb2.DeadlineState, "DEADLINE_STATE_")
DEADLINE_KIND_NAMES = MappingProxyType({number: name for name, number in DEADLINE_KINDS.items()})
DEADLINE_STATE_NAMES = MappingProxyType({number: name for name, number in DEADLINE_STATES.items()})

#: What people call each deadline kind, for pages, reminders and calendar entries.
DEADLINE_KIND_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "tribunal_claim": "Tribunal claim",
        "appeal": "Internal appeal",
        "subject_access": "Subject access request reply",
        "foi": "Freedom of information reply",
        "other": "Deadline",
    }
)

#: How evidence came in, hold states and hold reasons (``IntakeChannel``, ``HoldState``,
#: ``HoldReason``) by short name, e.g. ``"email"``, ``"waiting"``, ``"unknown_sender"``.
INTAKE_CHANNELS = _short_names(events_pb2.IntakeChannel, "INTAKE_CHANNEL_")
HOLD_STATES = _short_names(events_pb2.HoldState, "HOLD_STATE_")
HOLD_REASONS = _short_names(events_pb2.HoldReason, "HOLD_REASON_")
INTAKE_CHANNEL_NAMES = MappingProxyType({number: name for name, number in INTAKE_CHANNELS.items()})

#: Why something waits in a queue, in words for the person who decides what to do with it.
HOLD_REASON_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "unknown_sender": "The sender's address does not belong to anyone on this case's system.",
        "sender_not_allowed": "The sender may not add evidence to this case.",
        "failed_authentication": "The receiving mail server could not confirm the sender's address "
        "(DMARC, DKIM or SPF failed): it may be forged.",
        "before_first_sheet": "These pages came before the first cover sheet of the batch.",
        "unreadable_sheet": "The cover sheet before these pages could not be read or is not genuine.",
        "revoked_sheet": "The cover sheet before these pages was withdrawn.",
        "printer_not_allowed": "Whoever printed the cover sheet may no longer add evidence to its case.",
    }
)

#: Kinds of data about a case and why they are removed (``DataKind``, ``ErasureReason``) by short
#: name, e.g. ``"evidence_originals"``, ``"retention"``.
DATA_KINDS = _short_names(events_pb2.DataKind, "DATA_KIND_")
DATA_KIND_NAMES = MappingProxyType({number: name for name, number in DATA_KINDS.items()})
ERASURE_REASONS = _short_names(events_pb2.ErasureReason, "ERASURE_REASON_")

#: Which services hold a copy of each kind: a kind is gone when every one of them has sent its
#: ``CaseDataErased`` receipt. The case record is also in the search index's case document.
DATA_KIND_HOLDERS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "case_record": ("workflow", "search"),
        "timeline": ("workflow",),
        "evidence_originals": ("intake",),
        "page_texts": ("ocr",),
        "search_documents": ("search",),
        "notifications": ("notify",),
        "bundles": ("bundle",),
    }
)

#: What people call each kind, for the retention schedule, dry runs and erasure pages.
DATA_KIND_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "case_record": "Case record (member and case details)",
        "timeline": "Timeline, notes and requests",
        "evidence_originals": "Evidence files",
        "page_texts": "Text read from evidence",
        "search_documents": "Search index entries",
        "notifications": "Notifications and inbox items",
        "bundles": "Hearing bundles",
    }
)


#: Recruitment weeks (organising service, proto/casework/v1/organising.proto) by short name.
SESSION_KINDS = _short_names(organising_pb2.SessionKind, "SESSION_KIND_")
APPROACHES = _short_names(organising_pb2.Approach, "APPROACH_")
CONTACT_OUTCOMES = _short_names(organising_pb2.ContactOutcome, "CONTACT_OUTCOME_")
ISSUE_CATEGORIES = _short_names(organising_pb2.IssueCategory, "ISSUE_CATEGORY_")
LAWFUL_BASES = _short_names(organising_pb2.LawfulBasis, "LAWFUL_BASIS_")
#: Outcomes that open a follow-up for the team, and the one that closes it (a join recorded later).
WILL_JOIN_ONLINE_OUTCOME = "will_join_online"
FOLLOW_UP_OUTCOMES = frozenset({"call_again", WILL_JOIN_ONLINE_OUTCOME})
JOIN_OUTCOME = "joined"
#: The person was not there: a follow-up it answers stays open (what they were to be asked is still to do).
NOT_THERE_OUTCOME = "not_there"

#: What people call them, for forms, charts and CSV headers.
SESSION_KIND_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "door_knocking": "Door knocking",
        "staff_room_tour": "Staff-room tour",
        "stall": "Stall",
        "after_branch_meeting": "After a branch meeting",
    }
)
APPROACH_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "survey": "Survey on a local issue",
        "petition": "Petition",
        "briefing": "Briefing",
        "direct_ask": "Direct ask to join",
    }
)
CONTACT_OUTCOME_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "joined": "Joined on the spot",
        "will_join_online": "Will join online",
        "call_again": "Call again",
        "not_interested": "Not interested",
        "not_eligible": "Not eligible",
        "not_there": "Not there",
        "already_member": "Already a member",
    }
)
ISSUE_CATEGORY_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "pay": "Pay",
        "workload": "Workload",
        "hours_and_rotas": "Hours and rotas",
        "health_and_safety": "Health and safety",
        "bullying_and_harassment": "Bullying and harassment",
        "job_security": "Job security",
        "discipline_and_grievance": "Discipline and grievance",
        "equality": "Equality",
        "other": "Other",
    }
)
LAWFUL_BASIS_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "consent": "Consent (they agreed to us keeping their details)",
        "legitimate_interests": "Legitimate interests (to follow up what they asked for)",
    }
)
