"""The document-kind vocabulary follows the contract's enum: every kind has one short name and
one label, and names and numbers map both ways."""

from __future__ import annotations

import pytest

from casework.v1 import events_pb2
from casework_common import vocabulary


def test_every_kind_of_the_contract_has_a_name_and_a_label() -> None:
    numbers = {v.number for v in events_pb2.DocumentKind.DESCRIPTOR.values} - {0}
    assert set(vocabulary.DOCUMENT_KINDS.values()) == numbers
    assert set(vocabulary.DOCUMENT_KIND_LABELS) == set(vocabulary.DOCUMENT_KINDS)


def test_names_and_numbers_map_both_ways() -> None:
    assert vocabulary.DOCUMENT_KINDS["outcome_letter"] == events_pb2.DOCUMENT_KIND_OUTCOME_LETTER
    for name, number in vocabulary.DOCUMENT_KINDS.items():
        assert vocabulary.document_kind_name(number) == name
        assert vocabulary.document_kind(name) == number


def test_unspecified_and_unknown_numbers_have_no_name() -> None:
    assert vocabulary.document_kind_name(events_pb2.DOCUMENT_KIND_UNSPECIFIED) is None
    assert vocabulary.document_kind_name(999) is None
    with pytest.raises(KeyError):
        vocabulary.document_kind("DOCUMENT_KIND_OTHER")


@pytest.mark.parametrize(
    ("names", "enum", "prefix"),
    [
        (vocabulary.EVIDENCE_STATUSES, events_pb2.EvidenceStatus, "EVIDENCE_STATUS_"),
        (vocabulary.VISIBILITIES, events_pb2.Visibility, "VISIBILITY_"),
        (vocabulary.REFERRAL_STATES, events_pb2.ReferralState, "REFERRAL_STATE_"),
    ],
)
def test_short_names_are_the_contract_values_without_prefix(names: object, enum: object, prefix: str) -> None:
    expected = {v.name.removeprefix(prefix).lower(): v.number for v in enum.DESCRIPTOR.values if v.number}  # type: ignore[attr-defined]
    assert dict(names) == expected  # type: ignore[call-overload]


def test_evidence_statuses_split_into_in_progress_and_finished() -> None:
    assert set(vocabulary.EVIDENCE_IN_PROGRESS) | set(vocabulary.EVIDENCE_FINISHED) == set(vocabulary.EVIDENCE_STATUSES)
    assert not set(vocabulary.EVIDENCE_IN_PROGRESS) & set(vocabulary.EVIDENCE_FINISHED)
    assert set(vocabulary.EVIDENCE_STATUS_LABELS) == set(vocabulary.EVIDENCE_STATUSES)
    assert vocabulary.EVIDENCE_STATUS_NAMES[events_pb2.EVIDENCE_STATUS_NOT_INDEXED] == "not_indexed"


def test_statuses_rank_forward_and_every_outcome_ranks_last() -> None:
    rank = vocabulary.EVIDENCE_STATUS_RANK
    assert [rank[s] for s in vocabulary.EVIDENCE_IN_PROGRESS] == sorted(
        {rank[s] for s in vocabulary.EVIDENCE_IN_PROGRESS}
    )
    assert {rank[s] for s in vocabulary.EVIDENCE_FINISHED} == {max(rank.values())}
    assert max(rank[s] for s in vocabulary.EVIDENCE_IN_PROGRESS) < rank["indexed"]


def test_referral_states_are_open_or_ended() -> None:
    assert set(vocabulary.REFERRAL_OPEN_STATES) | set(vocabulary.REFERRAL_ENDED_STATES) == set(
        vocabulary.REFERRAL_STATES
    )
    assert not set(vocabulary.REFERRAL_OPEN_STATES) & set(vocabulary.REFERRAL_ENDED_STATES)
    assert set(vocabulary.REFERRAL_CASEWORKER_STATES) <= set(vocabulary.REFERRAL_STATES)
    assert "discussion_requested" in vocabulary.REFERRAL_OPEN_STATES
    assert "discussion_requested" not in vocabulary.REFERRAL_CASEWORKER_STATES
