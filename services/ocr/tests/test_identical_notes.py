"""Which earlier identical file an item's status may mention (pure rule; the platform test is
tests/test_evidence_record.py)."""

from __future__ import annotations

import pytest

from casework.v1 import events_pb2
from casework_ocr.store import may_mention

MEMBER, REPS = events_pb2.VISIBILITY_MEMBER, events_pb2.VISIBILITY_REPS


def ref(case_id: str, visibility: int) -> events_pb2.EvidenceRef:
    return events_pb2.EvidenceRef(case_id=case_id, visibility=visibility)


@pytest.mark.parametrize(
    ("earlier", "new", "expected"),
    [
        (ref("a", MEMBER), ref("a", MEMBER), True),
        (ref("a", MEMBER), ref("a", REPS), True),
        (ref("a", REPS), ref("a", REPS), True),
        (ref("a", REPS), ref("a", MEMBER), False),  # a member would learn of a reps-only file
        (ref("a", MEMBER), ref("b", MEMBER), False),  # the uploader may not know of the other case
        (ref("a", REPS), ref("b", REPS), False),
        (ref("a", events_pb2.VISIBILITY_UNSPECIFIED), ref("a", MEMBER), False),
    ],
)
def test_an_item_mentions_only_an_identical_file_its_readers_may_know(
    earlier: events_pb2.EvidenceRef, new: events_pb2.EvidenceRef, expected: bool
) -> None:
    assert may_mention(earlier, new) is expected
