"""Names the APIs, the database and the index use for the contracts' enums, derived from the
enums themselves (proto/casework/v1/events.proto), so there is one vocabulary, not one per service.
Services import the names, sets and labels from here and never list the values themselves
(tests/test_vocabulary.py checks both).

A document kind is stored and shown by its short lower-case name: ``DOCUMENT_KIND_OUTCOME_LETTER``
is ``"outcome_letter"``. ``DOCUMENT_KIND_UNSPECIFIED`` has no name: it means "not known".
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

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


#: Evidence statuses (``EvidenceStatus``) by short name, in the contract's order: ``"received": 1``
#: ... ``"unpacked": 10``. Intake stores an item's status by this name and its API answers it.
EVIDENCE_STATUSES = _short_names(events_pb2.EvidenceStatus, "EVIDENCE_STATUS_")
EVIDENCE_STATUS_NAMES = MappingProxyType({number: name for name, number in EVIDENCE_STATUSES.items()})
#: Statuses an item passes through while it is processed, in the order it passes them.
EVIDENCE_IN_PROGRESS: tuple[str, ...] = ("received", "scanning", "extracting")
#: Outcomes: statuses after which nothing more happens to an item (every status not in progress).
EVIDENCE_FINISHED: tuple[str, ...] = tuple(name for name in EVIDENCE_STATUSES if name not in EVIDENCE_IN_PROGRESS)
#: Rank of each status in an item's life: processing moves an item only forward, so a status
#: event may replace the item's status only with one of equal or higher rank (a late or
#: redelivered "scanning" never undoes "extracting"), and every outcome ranks last and the same
#: (none follows another). Not the enum's numbers, which would rank one outcome above another.
EVIDENCE_STATUS_RANK: MappingProxyType[str, int] = MappingProxyType(
    {
        name: EVIDENCE_IN_PROGRESS.index(name) + 1 if name in EVIDENCE_IN_PROGRESS else len(EVIDENCE_IN_PROGRESS) + 1
        for name in EVIDENCE_STATUSES
    }
)
#: What people call each status, for pages.
EVIDENCE_STATUS_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "received": "Received",
        "scanning": "Checking the file",
        "extracting": "Reading the text",
        "indexed": "Searchable",
        "failed": "Could not be processed",
        "quarantined": "Quarantined: it contains a virus",
        "password_protected": "Password protected",
        "unreadable": "Unreadable",
        "not_indexed": "Stored, not searchable",
        "unpacked": "Unpacked into separate files",
    }
)

#: Who may see an evidence item or a timeline entry besides those who see its case
#: (``Visibility``) by short name: ``"member"`` (the member too) and ``"reps"`` (reps and officials).
VISIBILITIES = _short_names(events_pb2.Visibility, "VISIBILITY_")
VISIBILITY_NAMES = MappingProxyType({number: name for name, number in VISIBILITIES.items()})
#: The short names as a type for API models (their OpenAPI enum): ``visibility: VisibilityName``.
VisibilityName = Literal[tuple(VISIBILITIES)]  # type: ignore[valid-type]

#: Referral states (``ReferralState``) by short name, in the protocol's order, e.g.
#: ``"pack_requested"``. Events carry the short name itself (``ReferralChanged.to_state``).
REFERRAL_STATES = _short_names(events_pb2.ReferralState, "REFERRAL_STATE_")
#: States with no way out: a referral in one has ended (docs/design.md, "Referral protocol").
REFERRAL_ENDED_STATES: tuple[str, ...] = ("not_agreed", "returned_to_branch", "closed", "withdrawn")
#: States a referral is still going in (every other one): the branch may withdraw it, and a case
#: has at most one open referral to each target.
REFERRAL_OPEN_STATES: tuple[str, ...] = tuple(name for name in REFERRAL_STATES if name not in REFERRAL_ENDED_STATES)
#: States in which the regional caseworker is involved: from the official's agreement on,
#: ended ones included (not ``discussion_requested``, ``not_agreed`` nor ``withdrawn``).
REFERRAL_CASEWORKER_STATES: tuple[str, ...] = (
    "agreed",
    "pack_requested",
    "pack_submitted",
    "pack_confirmed",
    "member_advised",
    "handled_regionally",
    "returned_to_branch",
    "closed",
)

#: Deadline kinds and states (``DeadlineKind``, ``DeadlineState``) by short name, e.g. ``"tribunal_claim"``.
DEADLINE_KINDS = _short_names(events_pb2.DeadlineKind, "DEADLINE_KIND_")
DEADLINE_STATES = _short_names(events_pb2.DeadlineState, "DEADLINE_STATE_")
DEADLINE_KIND_NAMES = MappingProxyType({number: name for name, number in DEADLINE_KINDS.items()})
DEADLINE_STATE_NAMES = MappingProxyType({number: name for name, number in DEADLINE_STATES.items()})
#: The deadline states' short names as a type for API models.
DeadlineStateName = Literal[tuple(DEADLINE_STATES)]  # type: ignore[valid-type]

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


#: Groups of the people's roles (Keycloak realm roles, casework_common.auth.HUMAN_ROLES) that
#: services grant the same things to. A service checks ``caller.has(*GROUP)``.
#: Union staff who work on cases: they see reps-only evidence and may upload it, read the
#: deadlines list and the scanning queues.
STAFF_ROLES: tuple[str, ...] = ("rep", "coordinator", "official", "caseworker")
#: The branch's own staff: they ask for and withdraw referrals and run recruitment sessions.
BRANCH_STAFF_ROLES: tuple[str, ...] = ("rep", "coordinator")
#: Who organises recruitment (the branch's staff and the region's officials): the organising
#: service's users, and who its notifications may go to.
ORGANISING_ROLES: tuple[str, ...] = ("rep", "coordinator", "official")
