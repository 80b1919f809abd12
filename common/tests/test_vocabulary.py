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
