"""Subject access, pure logic: membership numbers as typed, file names inside the ZIP, and the archive's
index (what is released, that withheld items are counted and not named)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from casework_common import membership
from casework_workflow.subject_access import archive, gather


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("M100001", "M100001"), (" m10 0001 ", "M100001"), ("ab-12\n", "AB-12"), ("m\u00a0100", "M100")],
)
def test_numbers_are_taken_as_people_type_them(typed: str, stored: str) -> None:
    assert membership.normalise(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", "M1", "M10/0001", "M10\t0001", "M10\n0001", "X" * 33, "M1000é1"])
def test_other_numbers_are_refused_with_a_reason(typed: str) -> None:
    with pytest.raises(ValueError, match="membership number"):
        membership.normalise(typed)


@pytest.mark.parametrize(
    ("name", "safe"),
    [("letter.pdf", "letter.pdf"), ("../../etc/passwd", "_.._etc_passwd"), ("a\x00b.txt", "a_b.txt"), ("", "original")],
)
def test_file_names_in_the_archive_cannot_leave_their_folder(name: str, safe: str) -> None:
    assert gather.safe_name(name) == safe
    assert "/" not in gather.safe_name(name)


def item(item_id: str, kind: str, content: bytes | None = None) -> gather.Item:
    return gather.Item(
        id=item_id,
        kind=kind,
        description=f"<b>{item_id}</b>",
        source="test",
        date="2026-12-01",
        case_reference="CW-2026-000001",
        record={"id": item_id},
        file=f"cases/CW-2026-000001/{kind}.json",
        content=(lambda: iter([content])) if content is not None else None,
        content_file=f"cases/CW-2026-000001/evidence/{item_id}/file.bin" if content is not None else None,
        sha256="0" * 64 if content is not None else None,
    )


def test_the_index_lists_what_is_released_and_only_counts_what_is_withheld() -> None:
    record = gather.Record("M100001", "full", ["maria"])
    record.items += [
        item("timeline:a", "timeline"),
        item("timeline:b", "timeline"),
        item("evidence:c", "evidence", b"x"),
    ]
    written = archive.write(record, {"timeline:b"})
    with zipfile.ZipFile(io.BytesIO(written.file.read())) as z:
        files = {name: z.read(name) for name in z.namelist()}
    written.file.close()
    index = json.loads(files["index.json"])
    assert (index["released"], index["withheld"]) == (2, 1)
    assert [i["id"] for i in index["items"]] == ["timeline:a", "evidence:c"]
    assert all(b"timeline:b" not in data for data in files.values())
    assert files["cases/CW-2026-000001/evidence/evidence:c/file.bin"] == b"x"
    assert index["items"][1]["matches_recorded_sha256"] is False  # a digest that differs is reported
    assert b"&lt;b&gt;timeline:a" in files["index.html"] and b"<b>timeline:a" not in files["index.md"]
    assert b"1 item(s) were withheld" in files["index.md"]
