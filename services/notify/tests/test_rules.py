"""Who hears about what (rule logic, with in-memory stand-ins for workflow and the directory)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from casework.v1 import events_pb2, organising_pb2, workflow_pb2
from casework_common import events
from casework_common.auth import Principal
from casework_common.directory import Person
from casework_notify.rules import ORGANISING_KINDS, RULES, TOPICS, RuleContext, kinds_for, member_may_hear

CASE = events_pb2.CaseRef(
    case_id="c1",
    reference="CW-2026-000001",
    branch="north-london",
    region="london",
    membership_number="M100001",
    reps=["rachel"],
)
PEOPLE = [
    Person("maria", "maria@x.org", frozenset({"member"}), "north-london", "london", "M100001"),
    Person("olive", "olive@x.org", frozenset({"official"}), None, "london", None),
    Person("owen", "owen@x.org", frozenset({"official"}), None, "north-west", None),
    Person("carl", "carl@x.org", frozenset({"caseworker"}), None, "london", None),
    Person("cora", "cora@x.org", frozenset({"coordinator"}), "north-london", "london", None),
]


@dataclass
class Cases:
    def get_case(self, token: str, case_id: str) -> workflow_pb2.CaseSummary:
        return workflow_pb2.CaseSummary(case_id="c1", reference="CW-2026-000001", reps=["rachel", "raj"])


class Tokens:
    def token(self) -> str:
        return "service-token"


class People:
    def member(self, number: str) -> Person | None:
        return next((p for p in PEOPLE if p.membership_number == number), None)

    def with_role(self, role: str, *, branch: str | None = None, region: str | None = None) -> list[Person]:
        return [
            p
            for p in PEOPLE
            if role in p.roles and (branch is None or p.branch == branch) and (region is None or p.region == region)
        ]


CONTEXT = RuleContext(Cases(), Tokens(), People(), "https://portal.example.org")  # type: ignore[arg-type]


def notify(event: object) -> list[tuple[str, str]]:
    notes = [n for n in RULES[type(event)](event, CONTEXT) if member_may_hear(n, event)]
    return sorted((n.recipient, n.kind) for n in notes)


def test_assigned_reps_except_the_uploader_hear_of_new_evidence_by_link_only() -> None:
    uploaded = events_pb2.EvidenceUploaded(
        evidence=events_pb2.EvidenceRef(case_id="c1", filename="secret.pdf"), uploaded_by="raj", uploaded_by_role="rep"
    )
    [note] = RULES[events_pb2.EvidenceUploaded](uploaded, CONTEXT)
    assert note.recipient == "rachel" and note.link == "https://portal.example.org/cases/c1"
    assert "secret.pdf" not in repr(note)


REFERRAL_PATH = [
    "discussion_requested",
    "agreed",
    "pack_requested",
    "pack_submitted",
    "pack_confirmed",
    "member_advised",
    "handled_regionally",
    "returned_to_branch",
]


@pytest.mark.parametrize("state", REFERRAL_PATH)
def test_the_member_hears_of_a_referral_only_once_advised(state: str) -> None:
    advised = REFERRAL_PATH.index(state) >= REFERRAL_PATH.index("member_advised")
    change = events_pb2.ReferralChanged(
        case=CASE,
        to_state=state,
        target="regional_office",
        actor="olive",
        requested_by="rachel",
        official="olive",
        member_advised=advised,
    )
    to_maria = [kind for who, kind in notify(change) if who == "maria"]
    assert bool(to_maria) == (state in ("member_advised", "handled_regionally", "returned_to_branch"))


def test_the_gate_stops_a_member_notification_even_if_a_rule_makes_one() -> None:
    change = events_pb2.ReferralChanged(case=CASE, to_state="member_advised", member_advised=False)
    notes = RULES[events_pb2.ReferralChanged](change, CONTEXT)
    assert all(n.recipient != "maria" for n in notes if member_may_hear(n, change))


def test_discussion_requests_go_to_the_regions_officials_only() -> None:
    change = events_pb2.ReferralChanged(
        case=CASE, to_state="discussion_requested", actor="rachel", requested_by="rachel", target="regional_caseworker"
    )
    assert notify(change) == [("olive", "referral_discussion")]


def test_caseworkers_hear_once_a_referral_to_them_is_agreed() -> None:
    change = events_pb2.ReferralChanged(
        case=CASE, to_state="agreed", actor="olive", requested_by="rachel", target="regional_caseworker"
    )
    assert ("carl", "referral_update") in notify(change) and ("rachel", "referral_update") in notify(change)


def test_referred_back_support_requests_reach_the_official_and_tell_the_rep() -> None:
    request = events_pb2.SupportRequested(
        case=CASE, to_role="official", asked_for="caseworker", requested_by="raj", referred_back=True
    )
    assert notify(request) == [("olive", "support_request"), ("raj", "support_request")]


def test_enquiries_referred_to_the_branch_reach_its_coordinator_and_reps() -> None:
    enquiry = events_pb2.EnquiryReceived(branch="north-london", region="london", routed_to="branch", case=CASE)
    assert notify(enquiry) == [("cora", "member_enquiry"), ("rachel", "member_enquiry")]


def test_branch_flags_reach_the_regions_officials() -> None:
    assert notify(events_pb2.BranchFlagged(branch="x", region="london")) == [("olive", "branch_flag")]


# -- recruitment weeks ----------------------------------------------------------------------------


def test_a_due_follow_up_reaches_each_of_its_team_once_with_a_link_and_no_details() -> None:
    due = organising_pb2.FollowUpDue(
        follow_up_id="f1",
        session_id="s1",
        campaign_id="k1",
        branch="north-london",
        region="london",
        team=["rachel", "raj", "rachel", ""],
        due_on="2027-05-17",
        outcome=organising_pb2.CONTACT_OUTCOME_CALL_AGAIN,
    )
    notes = RULES[organising_pb2.FollowUpDue](due, CONTEXT)
    assert sorted((n.recipient, n.kind) for n in notes) == [
        ("rachel", "organising_followup"),
        ("raj", "organising_followup"),
    ]
    note = notes[0]
    assert note.link == "https://portal.example.org/organising/follow-ups#follow-up-f1"
    assert note.title == "Follow-up due 17 May 2027" and "called again" in note.message
    assert note.case_id is None and not note.to_member


def test_a_help_request_reaches_the_recipients_organising_chose_but_not_the_asker() -> None:
    request = organising_pb2.HelpRequested(
        request_id="h1", session_id="s1", branch="north-london", requested_by="rachel", recipients=["olive", "rachel"]
    )
    [note] = RULES[organising_pb2.HelpRequested](request, CONTEXT)
    assert (note.recipient, note.kind) == ("olive", "organising_help")
    assert note.link == "https://portal.example.org/organising/sessions/s1#help-requests"


def test_a_materials_order_reaches_the_regions_officials_with_a_link_to_the_campaign() -> None:
    order = organising_pb2.MaterialsOrdered(
        order_id="o1", campaign_id="k1", branch="north-london", ordered_by="cora", recipients=["olive", "oscar"]
    )
    notes = RULES[organising_pb2.MaterialsOrdered](order, CONTEXT)
    assert [(n.recipient, n.kind) for n in notes] == [
        ("olive", "organising_materials"),
        ("oscar", "organising_materials"),
    ]
    assert {n.link for n in notes} == {"https://portal.example.org/organising/campaigns/k1"}


def test_notify_reads_the_organising_topic() -> None:
    assert events.ORGANISING_EVENTS in TOPICS


@pytest.mark.parametrize(
    ("roles", "offered"),
    [
        ({"rep"}, True),
        ({"coordinator"}, True),
        ({"official"}, True),
        ({"member"}, False),
        ({"caseworker"}, False),
        ({"dpo"}, False),
        ({"admin"}, False),
    ],
)
def test_organising_kinds_are_offered_to_reps_coordinators_and_officials_only(roles: set[str], offered: bool) -> None:
    user = Principal(subject="x", username="x", roles=frozenset(roles), branch="north-london", region="london")
    kinds = kinds_for(user).keys()
    assert (kinds >= ORGANISING_KINDS) == offered
    assert offered or not kinds & ORGANISING_KINDS
