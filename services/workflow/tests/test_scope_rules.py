"""Action rules over an access level (pure logic; visibility itself is SQL, tested end to end)."""

import pytest

from casework.v1 import workflow_pb2 as wf
from casework_common.auth import Principal
from casework_common.vocabulary import REFERRAL_ENDED_STATES, REFERRAL_OPEN_STATES
from casework_workflow.referrals import TRANSITIONS
from casework_workflow.scope import Access, may, may_create_case


def person(*roles: str, branch: str | None = "north-london", region: str | None = "london") -> Principal:
    return Principal(subject="s", username="u", roles=frozenset(roles), branch=branch, region=region)


@pytest.mark.parametrize(
    "action",
    [
        wf.CASE_ACTION_VIEW,
        wf.CASE_ACTION_VIEW_EVIDENCE,
        wf.CASE_ACTION_ATTACH_EVIDENCE,
        wf.CASE_ACTION_VIEW_REPS_EVIDENCE,
        wf.CASE_ACTION_EDIT_EVIDENCE,
        wf.CASE_ACTION_EDIT_DEADLINES,
    ],
)
def test_nothing_is_allowed_without_access(action: int) -> None:
    assert may(person("rep"), Access.NONE, action)[0] is False


def test_members_see_and_add_but_not_reps_only_evidence() -> None:
    member = person("member")
    assert may(member, Access.MEMBER, wf.CASE_ACTION_VIEW)[0]
    assert may(member, Access.MEMBER, wf.CASE_ACTION_ATTACH_EVIDENCE)[0]
    allowed, reason = may(member, Access.MEMBER, wf.CASE_ACTION_VIEW_REPS_EVIDENCE)
    assert not allowed and reason


def test_full_access_allows_everything_but_services_never_attach() -> None:
    for action in (wf.CASE_ACTION_VIEW, wf.CASE_ACTION_VIEW_REPS_EVIDENCE, wf.CASE_ACTION_ATTACH_EVIDENCE):
        assert may(person("rep"), Access.FULL, action)[0]
    assert not may(person("service"), Access.FULL, wf.CASE_ACTION_ATTACH_EVIDENCE)[0]
    assert not may(person("rep"), Access.FULL, wf.CASE_ACTION_UNSPECIFIED)[0]


def test_only_union_staff_with_full_access_correct_evidence_records() -> None:
    assert may(person("rep"), Access.FULL, wf.CASE_ACTION_EDIT_EVIDENCE)[0]
    allowed, reason = may(person("member"), Access.MEMBER, wf.CASE_ACTION_EDIT_EVIDENCE)
    assert not allowed and reason
    assert not may(person("service"), Access.FULL, wf.CASE_ACTION_EDIT_EVIDENCE)[0]


def test_only_union_staff_with_full_access_record_deadlines() -> None:
    for roles in (("rep",), ("coordinator",), ("official",), ("caseworker",)):
        assert may(person(*roles), Access.FULL, wf.CASE_ACTION_EDIT_DEADLINES)[0], roles
    allowed, reason = may(person("member"), Access.MEMBER, wf.CASE_ACTION_EDIT_DEADLINES)
    assert not allowed and reason
    assert not may(person("service"), Access.FULL, wf.CASE_ACTION_EDIT_DEADLINES)[0]


def test_only_branch_reps_and_coordinators_open_cases() -> None:
    assert may_create_case(person("rep"))[0] and may_create_case(person("coordinator"))[0]
    for roles in (("member",), ("official",), ("caseworker",), ("admin",), ()):
        assert not may_create_case(person(*roles))[0], roles
    assert not may_create_case(person("rep", branch=None))[0]


def test_ended_referrals_are_exactly_those_the_protocol_has_no_way_out_of() -> None:
    """Regional access runs out after a referral ends; an end state the rules missed would keep
    access forever, and an open state counted as ended would cut it off mid-referral."""
    reached = {step.target for step in TRANSITIONS.values()} | {"discussion_requested"}
    left = {source for step in TRANSITIONS.values() for source in step.sources}
    assert set(REFERRAL_ENDED_STATES) == reached - left
    assert set(REFERRAL_ENDED_STATES).isdisjoint(REFERRAL_OPEN_STATES)
    assert set(REFERRAL_ENDED_STATES) | set(REFERRAL_OPEN_STATES) == reached
