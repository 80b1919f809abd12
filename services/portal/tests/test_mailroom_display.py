"""How the mailroom's pages read (pure logic): case references as people type them, sizes, times in
London, page ranges and reasons in words. The pages themselves in Chromium: tests/portal/test_mailroom_journey.py."""

import pytest

from casework_common.vocabulary import HOLD_REASON_LABELS, HOLD_REASONS
from casework_portal import mailroom


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("CW-2026-000123", "CW-2026-000123"),
        ("  cw-2026-000123 ", "CW-2026-000123"),
        ("cw 2026 123", "CW-2026-000123"),
        ("CW2026-123", "CW-2026-000123"),
        ("CW/2026/000123", "CW-2026-000123"),
        ("CW 2026 - 123", "CW-2026-000123"),
        ("2026-123", "CW-2026-000123"),
        ("CW2026000123", "CW-2026-000123"),
        ("cw-2026-1", "CW-2026-000001"),
        # Not a reference: passed on as typed, so intake's refusal names what was typed.
        ("CW-2026-1234567", "CW-2026-1234567"),
        ("Maria's case", "Maria's case"),
        ("12345", "12345"),
        ("9b2d6a1e-4c1f-4a8e-9d55-3c0f3e1b2a77", "9b2d6a1e-4c1f-4a8e-9d55-3c0f3e1b2a77"),
        ("", ""),
    ],
)
def test_a_typed_case_reference_is_written_as_workflow_stores_it(typed: str, expected: str) -> None:
    assert mailroom.typed_reference(typed) == expected


def test_sizes_read_as_people_read_them() -> None:
    assert [mailroom.size_text(n) for n in (0, 1, 999, 1000, 12_400, 999_499)] == [
        "0 bytes",
        "1 byte",
        "999 bytes",
        "1 KB",
        "12 KB",
        "999 KB",
    ]
    assert mailroom.size_text(3_400_000) == "3.4 MB"
    assert mailroom.size_text(250_000_000) == "250 MB"
    assert mailroom.size_text(None) == ""


def test_times_are_shown_in_london() -> None:
    assert mailroom.when_text("2026-12-01T16:05:09+00:00") == "1 December 2026, 16:05"
    assert mailroom.when_text("2026-07-01T23:30:00Z") == "2 July 2026, 00:30"  # British Summer Time
    assert mailroom.when_text("2026-07-01T12:00:00") == "1 July 2026, 13:00"  # no zone: UTC, as the APIs mean
    assert mailroom.when_text(None) == "" and mailroom.when_text("soon") == "soon"


def test_every_hold_reason_has_words() -> None:
    for reason in HOLD_REASONS:
        assert mailroom.reason_text({"reason": reason}) == HOLD_REASON_LABELS[reason]
    assert mailroom.reason_text({"reason": "unknown_sender", "reason_text": "Intake's own words."}) == (
        "Intake's own words."
    )
    assert mailroom.reason_text({"reason": "something_new"}) == "Something new"


def test_pages_of_a_part() -> None:
    assert mailroom.pages_text({"first_page": 4, "last_page": 4, "pages": 1}) == "page 4"
    assert mailroom.pages_text({"first_page": 3, "last_page": 7, "pages": 5}) == "pages 3 to 7 (5 pages)"
    assert mailroom.pages_text({"pages": 2}) == "2 pages"
    assert mailroom.pages_text({}) == ""


def test_attachments_are_named_with_their_sizes_never_their_content() -> None:
    shown = mailroom.attachments_text(
        [{"filename": "payslip.pdf", "size_bytes": 48_213}, {"filename": None, "size_bytes": 10}, {"filename": "x"}]
    )
    assert shown == ["payslip.pdf (48 KB)", "an unnamed attachment (10 bytes)", "x"]
    assert mailroom.attachments_text(None) == []


def test_visibility_falls_back_to_reps_only() -> None:
    assert mailroom.visibility("member") == "member"
    assert mailroom.visibility("reps") == "reps"
    assert mailroom.visibility("everyone") == "reps"
    assert mailroom.visibility(None) == "reps"
    assert mailroom.cover_sheet_filename("CW-2026-000123") == "cover-sheet-CW-2026-000123.pdf"
    assert mailroom.cover_sheet_filename("") == "cover-sheet-case.pdf"
