"""Scanner batches with cover sheets on the real platform: sheets printed through the API,
rasterised as a copier scans them, interleaved with letters, dropped into the mailroom's scan
drop (a directory, and an S3 prefix), split and filed; what cannot be filed waits in the unfiled
queue of the drop's region until a caseworker assigns or rejects it."""

from __future__ import annotations

import hashlib
import io
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import copier
import pikepdf
import psycopg
import pytest
import requests
from minio import Minio

import testdocs
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

DPI = 240
DROP_BUCKET = "casework-scan-drop"  # the local stack's S3 drop (deploy/local services.py)
DROP_PREFIX = "scans/"
HELD_BUCKET = "casework-intake-held"  # intake's default held_bucket


def print_sheet(platform: Platform, user: str, case_id: str, visibility: str = "reps") -> tuple[bytes, str]:
    """A cover sheet printed through the API: its PDF and its id."""
    response = platform.call(
        user, "POST", "intake", f"/v1/cases/{case_id}/cover-sheets", json={"visibility": visibility}
    )
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    location = response.headers["Location"]
    assert location.startswith("/v1/cover-sheets/")
    return response.content, location.rsplit("/", 1)[1]


def letter(words: str, rng: random.Random) -> Any:
    lines = [
        "Metro Transit Ltd, Human Resources",
        "Dear Ms Okafor,",
        f"Our note about the {words} matter.",
        "Yours sincerely",
    ]
    return copier.letter(lines, DPI, rng)


def drop_in_directory(platform: Platform, name: str, data: bytes) -> None:
    """As a copier does: written under a temporary name, then renamed."""
    folder = platform.config.path("scan-drop")
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{name}.part"
    partial.write_bytes(data)
    partial.rename(folder / name)


def wait_for_batch(db: psycopg.Connection, data: bytes, timeout_s: float = 120) -> dict[str, Any]:
    """The batch's record once the mailroom has finished with it."""
    sha256 = hashlib.sha256(data).hexdigest()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        row = db.execute(
            "SELECT id, state, pages, reason FROM intake.scan_batches WHERE sha256 = %s", (sha256,)
        ).fetchone()
        if row is not None and row[1] != "splitting":
            return {"id": str(row[0]), "state": row[1], "pages": row[2], "reason": row[3]}
        time.sleep(0.5)
    raise AssertionError(f"batch {sha256[:12]} not split after {timeout_s}s")


def parts_of(db: psycopg.Connection, batch_id: str) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT id, part_index, first_page, last_page, pages, state, reason, case_id, evidence_id "
        "FROM intake.scan_parts WHERE batch_id = %s ORDER BY part_index",
        (batch_id,),
    ).fetchall()
    names = ("id", "index", "first_page", "last_page", "pages", "state", "reason", "case_id", "evidence_id")
    return [
        {k: (str(v) if k in ("id", "case_id", "evidence_id") and v else v) for k, v in zip(names, r, strict=True)}
        for r in rows
    ]


def evidence(platform: Platform, case_id: str, user: str = "rachel") -> list[dict[str, Any]]:
    response = platform.call(user, "GET", "intake", f"/v1/cases/{case_id}/evidence")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def page_text(platform: Platform, evidence_id: str, user: str = "rachel") -> str:
    response = platform.call(user, "GET", "intake", f"/v1/evidence/{evidence_id}/text")
    assert response.status_code == 200, response.text
    return " ".join(page["text"] for page in response.json()["pages"]).lower()


@dataclass
class Batch:
    """The first batch: three cases filed, and three parts that cannot be."""

    data: bytes
    cases: list[dict[str, Any]]  # filed: case, its word, its page count
    not_allowed_case: dict[str, Any]
    revoked_case: dict[str, Any]
    revoked_sheet: str
    before_word: str
    record: dict[str, Any] = field(default_factory=dict)
    parts: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def db(platform: Platform) -> Iterator[psycopg.Connection]:
    with platform.superuser_db() as conn:
        yield conn


@pytest.fixture(scope="module")
def batch(platform: Platform, db: psycopg.Connection) -> Batch:
    rng = random.Random(18)
    cases = [platform.create_case("rachel", unique_number()) for _ in range(5)]
    filed, not_allowed_case, revoked_case = cases[:3], cases[3], cases[4]
    words = [testdocs.fresh_word() for _ in range(4)]
    before_word = words.pop()
    # raj prints a sheet for a case he is assigned to, and is then taken off it.
    assigned = platform.call(
        "rachel", "POST", "workflow", f"/v1/cases/{not_allowed_case['id']}/reps", json={"username": "raj"}
    )
    assert assigned.status_code == 200, assigned.text
    raj_sheet, _ = print_sheet(platform, "raj", not_allowed_case["id"])
    removed = platform.call("rachel", "DELETE", "workflow", f"/v1/cases/{not_allowed_case['id']}/reps/raj")
    assert removed.status_code == 200, removed.text
    # A sheet withdrawn after printing (lost, say) before the batch is scanned.
    revoked_pdf, revoked_id = print_sheet(platform, "rachel", revoked_case["id"])
    revoked = platform.call("rachel", "DELETE", "intake", f"/v1/cover-sheets/{revoked_id}")
    assert revoked.status_code == 200 and revoked.json()["revoked_by"] == "rachel", revoked.text

    pages = [letter(before_word, rng)]  # 1: before the first sheet
    plan = []
    for i, (case, word) in enumerate(zip(filed, words, strict=True)):
        sheet_pdf, _ = print_sheet(platform, "rachel", case["id"], visibility="member" if i == 0 else "reps")
        pages += copier.rasterise(sheet_pdf, DPI, rng)
        if i == 1:
            pages.append(copier.blank(DPI, rng))  # a separator: dropped
        pages += [letter(word, rng) for _ in range(i + 1)]
        plan.append({"case": case, "word": word, "pages": i + 1, "visibility": "member" if i == 0 else "reps"})
    pages += copier.rasterise(raj_sheet, DPI, rng)
    pages.append(letter("printer", rng))
    pages += copier.rasterise(revoked_pdf, DPI, rng)
    pages += [letter("withdrawn", rng), letter("withdrawn again", rng)]
    data = copier.batch_pdf(pages, DPI)
    drop_in_directory(platform, "copier-0001.pdf", data)
    made = Batch(data, plan, not_allowed_case, revoked_case, revoked_id, before_word)
    made.record = wait_for_batch(db, data)
    made.parts = parts_of(db, made.record["id"])
    return made


def test_each_part_is_filed_to_its_sheets_case_with_its_pages(platform: Platform, batch: Batch) -> None:
    # 1 before the first sheet; 3 sheets, 1 blank and 1+2+3 letters; 2 sheets and 1+2 letters behind them.
    assert batch.record["state"] == "split" and batch.record["pages"] == 1 + (3 + 1 + 6) + (2 + 3)
    for planned in batch.cases:
        items = evidence(platform, planned["case"]["id"])
        assert len(items) == 1, items
        item = items[0]
        assert item["channel"] == "scanner" and item["content_type"] == "application/pdf"
        assert item["uploaded_by"] == "rachel" and item["visibility"] == planned["visibility"]
        assert item["channel_detail"]["pages"] == planned["pages"]
        assert item["channel_detail"]["batch_id"] == batch.record["id"]
        done = platform.wait_for_status("rachel", item["id"], timeout_s=240)
        assert done["status"] == "indexed" and done["pages_total"] == planned["pages"], done
        assert planned["word"] in page_text(platform, item["id"])  # the part's own pages, read
        content = platform.call("rachel", "GET", "intake", f"/v1/evidence/{item['id']}/content")
        with pikepdf.Pdf.open(io.BytesIO(content.content)) as pdf:
            assert len(pdf.pages) == planned["pages"]
    # The first case's sheet said "member": its member would see the item; the others are reps-only
    # (the items', not the plan's: the plan cannot disagree with itself).
    items = [evidence(platform, planned["case"]["id"])[0] for planned in batch.cases]
    assert [item["visibility"] for item in items] == ["member", "reps", "reps"]
    # Page 5, the separator behind the second sheet (page 4), was dropped as blank: named on each part.
    assert {tuple(item["channel_detail"]["blank_pages"]) for item in items} == {(5,)}


def test_what_cannot_be_filed_waits_unfiled_with_its_reason(platform: Platform, batch: Batch) -> None:
    assert [(p["state"], p["reason"], p["pages"]) for p in batch.parts] == [
        ("waiting", "before_first_sheet", 1),
        ("filed", None, 1),
        ("filed", None, 2),
        ("filed", None, 3),
        ("waiting", "printer_not_allowed", 1),
        ("waiting", "revoked_sheet", 2),
    ]
    assert evidence(platform, batch.not_allowed_case["id"]) == []
    assert evidence(platform, batch.revoked_case["id"]) == []
    queue = platform.call("carl", "GET", "intake", "/v1/unfiled")  # the drop's region's caseworker
    assert queue.status_code == 200, queue.text
    mine = {part["id"]: part for part in queue.json()["items"] if part["batch_id"] == batch.record["id"]}
    assert {part["reason"] for part in mine.values()} == {"before_first_sheet", "printer_not_allowed", "revoked_sheet"}
    assert all(part["reason_text"] and part["source_name"] == "copier-0001.pdf" for part in mine.values())
    waiting = [p for p in batch.parts if p["state"] == "waiting"]
    for part in waiting:
        content = platform.call("carl", "GET", "intake", f"/v1/unfiled/{part['id']}/content")
        assert content.status_code == 200 and content.headers["Content-Type"] == "application/pdf"
        with pikepdf.Pdf.open(io.BytesIO(content.content)) as pdf:
            assert len(pdf.pages) == part["pages"]


@pytest.mark.parametrize("outsider", ["ravi", "maria", "rachel", "olive"])
def test_the_unfiled_queue_is_invisible_to_others(platform: Platform, batch: Batch, outsider: str) -> None:
    """A rep of another branch, a member, a rep of the branch who did not send the batch, an official."""
    listing = platform.call(outsider, "GET", "intake", "/v1/unfiled")
    assert listing.status_code == 200, listing.text
    assert not [p for p in listing.json()["items"] if p["batch_id"] == batch.record["id"]]
    part = next(p for p in batch.parts if p["state"] == "waiting")
    for path in (f"/v1/unfiled/{part['id']}", f"/v1/unfiled/{part['id']}/content"):
        assert platform.call(outsider, "GET", "intake", path).status_code == 404
    refused = platform.call(outsider, "POST", "intake", f"/v1/unfiled/{part['id']}/reject")
    assert refused.status_code == 404


def test_an_email_claim_is_no_way_into_a_senders_unfiled_pages(
    platform: Platform, db: psycopg.Connection, batch: Batch
) -> None:
    """ravi sets the email of his profile (an unverified claim) to a copier's address, or to the
    address of the member of staff who sent a batch: he sees none of its pages. The batch's sender
    is matched by username only (a copier's batch has none: seen by region and branch)."""
    part = next(p for p in batch.parts if p["state"] == "waiting")
    headers = {"Authorization": f"Bearer {platform.forge('ravi', email='copier-3@union.example.org')}"}
    url = platform.url("intake")
    db.execute(
        "UPDATE intake.scan_batches SET sender = 'copier-3@union.example.org' WHERE id = %s", (batch.record["id"],)
    )
    try:
        listing = requests.get(f"{url}/v1/unfiled", headers=headers, timeout=30)
        assert listing.status_code == 200, listing.text
        assert not [p for p in listing.json()["items"] if p["batch_id"] == batch.record["id"]]
        assert requests.get(f"{url}/v1/unfiled/{part['id']}", headers=headers, timeout=30).status_code == 404
    finally:
        db.execute("UPDATE intake.scan_batches SET sender = NULL WHERE id = %s", (batch.record["id"],))


def test_the_same_batch_again_files_nothing(platform: Platform, db: psycopg.Connection, batch: Batch) -> None:
    drop_in_directory(platform, "copier-0001-again.pdf", batch.data)
    folder: Path = platform.config.path("scan-drop")
    deadline = time.monotonic() + 60
    while (folder / "copier-0001-again.pdf").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not (folder / "copier-0001-again.pdf").exists()  # taken, and removed as a duplicate
    assert parts_of(db, batch.record["id"]) == batch.parts
    for planned in batch.cases:
        assert len(evidence(platform, planned["case"]["id"])) == 1
    count = db.execute(
        "SELECT count(*) FROM intake.scan_batches WHERE sha256 = %s", (hashlib.sha256(batch.data).hexdigest(),)
    ).fetchone()
    assert count == (1,)


def test_a_caseworker_assigns_unfiled_pages_to_a_case_by_its_reference(platform: Platform, batch: Batch) -> None:
    target = batch.cases[0]["case"]
    part = next(p for p in batch.parts if p["reason"] == "before_first_sheet")
    path = f"/v1/unfiled/{part['id']}/assign"
    # Not yet on the case: the same answer as for a reference that does not exist.
    refused = platform.call("carl", "POST", "intake", path, json={"case": target["reference"]})
    unknown = platform.call("carl", "POST", "intake", path, json={"case": "CW-1999-999999"})
    for response in (refused, unknown):
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["case"]
    assert refused.json()["errors"] == unknown.json()["errors"]
    # The coordinator asks the region's caseworker for support: now carl may add to the case.
    asked = platform.call(
        "cora",
        "POST",
        "workflow",
        f"/v1/cases/{target['id']}/support-requests",
        json={"to": "caseworker", "question": "?"},
    )
    assert asked.status_code == 201, asked.text
    assigned = platform.call("carl", "POST", "intake", path, json={"case": f" {target['reference'].lower()} "})
    assert assigned.status_code == 200, assigned.text
    body = assigned.json()
    assert body["part"]["state"] == "accepted" and body["part"]["decided_by"] == "carl"
    assert body["part"]["case_id"] == target["id"] and body["part"]["evidence_id"] == body["item"]["id"]
    assert body["item"]["case_id"] == target["id"] and body["item"]["uploaded_by"] == "carl"
    assert body["item"]["channel"] == "scanner" and body["item"]["channel_detail"]["accepted_by"] == "carl"
    assert platform.call("carl", "POST", "intake", path, json={"case": target["reference"]}).status_code == 409
    assert platform.call("carl", "GET", "intake", f"/v1/unfiled/{part['id']}/content").status_code == 404
    done = platform.wait_for_status("rachel", body["item"]["id"], timeout_s=240)
    assert done["status"] == "indexed" and batch.before_word in page_text(platform, body["item"]["id"])


def test_a_caseworker_rejects_unfiled_pages(platform: Platform, batch: Batch) -> None:
    part = next(p for p in batch.parts if p["reason"] == "revoked_sheet")
    rejected = platform.call("carl", "POST", "intake", f"/v1/unfiled/{part['id']}/reject")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["state"] == "rejected" and rejected.json()["decided_by"] == "carl"
    assert platform.call("carl", "POST", "intake", f"/v1/unfiled/{part['id']}/reject").status_code == 409
    assert platform.call("carl", "GET", "intake", f"/v1/unfiled/{part['id']}/content").status_code == 404
    still = platform.call("carl", "GET", "intake", "/v1/unfiled").json()["items"]
    assert part["id"] not in {p["id"] for p in still}
    history = platform.call("carl", "GET", "intake", "/v1/unfiled", params={"state": "rejected"}).json()["items"]
    assert part["id"] in {p["id"] for p in history}


def test_cover_sheets_are_for_staff_on_the_case(platform: Platform, batch: Batch) -> None:
    own = platform.create_case("rachel", "M100001", name="Maria Okafor")  # maria is its member
    member = platform.call("maria", "POST", "intake", f"/v1/cases/{own['id']}/cover-sheets", json={})
    assert member.status_code == 403, member.text
    outsider = platform.call("ravi", "POST", "intake", f"/v1/cases/{own['id']}/cover-sheets", json={})
    assert outsider.status_code == 404, outsider.text
    sheets = platform.call("rachel", "GET", "intake", f"/v1/cases/{batch.revoked_case['id']}/cover-sheets")
    assert sheets.status_code == 200, sheets.text
    [sheet] = sheets.json()["items"]
    assert sheet["id"] == batch.revoked_sheet and sheet["revoked_at"] and sheet["case_reference"]
    assert platform.call("ravi", "GET", "intake", f"/v1/cover-sheets/{batch.revoked_sheet}").status_code == 404
    assert platform.call("maria", "GET", "intake", f"/v1/cases/{own['id']}/cover-sheets").status_code == 403


def test_a_file_in_the_drop_that_is_no_batch_is_set_aside(platform: Platform) -> None:
    drop_in_directory(platform, "photo.jpg", testdocs.jpeg(["not a batch"]))
    aside = platform.config.path("scan-drop", ".failed")

    def reasons() -> list[Path]:  # set aside under a name of its own: <id>-photo.jpg
        return list(aside.glob("*-photo.jpg.reason.txt")) if aside.is_dir() else []

    deadline = time.monotonic() + 60
    while not reasons() and time.monotonic() < deadline:
        time.sleep(0.5)
    [failed] = reasons()
    assert "neither a PDF nor a TIFF" in failed.read_text()
    assert not platform.config.path("scan-drop", "photo.jpg").exists()


@pytest.fixture(scope="module")
def s3(platform: Platform) -> Minio:
    secrets = platform.config.secrets
    return Minio(
        f"127.0.0.1:{platform.config.ports['s3']}",
        access_key=secrets.s3_access_key,
        secret_key=secrets.s3_secret_key,
        secure=False,
    )


def test_a_batch_a_crash_left_half_split_is_finished(platform: Platform, db: psycopg.Connection, s3: Minio) -> None:
    """As a mailroom leaves a batch that died after recording it and its first part: the batch's
    copy in the held bucket, its row "splitting", part 0 recorded. Another poll finishes it, and
    part 0 is not made again."""
    rng = random.Random(20)
    case = platform.create_case("rachel", unique_number())
    word = testdocs.fresh_word()
    sheet, _ = print_sheet(platform, "rachel", case["id"])
    data = copier.batch_pdf([letter("crash", rng), *copier.rasterise(sheet, DPI, rng), letter(word, rng)], DPI)
    sha256 = hashlib.sha256(data).hexdigest()
    key = f"batches/{sha256}"
    s3.put_object(HELD_BUCKET, key, io.BytesIO(data), len(data))
    batch_id, first_part = uuid.uuid4(), uuid.uuid4()
    db.execute(
        "INSERT INTO intake.scan_batches (id, sha256, source, source_name, region, state, bucket, object_key) "
        "VALUES (%s, %s, 'drop', 'crashed.pdf', 'london', 'splitting', %s, %s)",
        (batch_id, sha256, HELD_BUCKET, key),
    )
    db.execute(
        "INSERT INTO intake.scan_parts (id, batch_id, part_index, first_page, last_page, pages, state, reason, region) "
        "VALUES (%s, %s, 0, 1, 1, 1, 'waiting', 'before_first_sheet', 'london')",
        (first_part, batch_id),
    )
    record = wait_for_batch(db, data)
    assert record["state"] == "split" and record["pages"] == 3
    parts = parts_of(db, str(batch_id))
    assert [(p["index"], p["id"] == str(first_part), p["state"]) for p in parts] == [
        (0, True, "waiting"),
        (1, False, "filed"),
    ]
    [item] = evidence(platform, case["id"])
    assert item["channel_detail"]["batch_id"] == str(batch_id) and item["channel_detail"]["pages"] == 1
    assert item["channel_detail"]["blank_pages"] == []
    # Its copy stays in the held bucket (the only record of pages dropped as blank; removing it is
    # retention's job: docs/design.md, 'The mailroom').
    assert [o.object_name for o in s3.list_objects(HELD_BUCKET, prefix=key)] == [key]


def test_a_batch_dropped_in_object_storage_is_filed(platform: Platform, db: psycopg.Connection, s3: Minio) -> None:
    rng = random.Random(19)
    case = platform.create_case("rachel", unique_number())
    word = testdocs.fresh_word()
    sheet, _ = print_sheet(platform, "rachel", case["id"])
    data = copier.batch_tiff([*copier.rasterise(sheet, DPI, rng), letter(word, rng)], DPI)
    s3.put_object(DROP_BUCKET, f"{DROP_PREFIX}copier-7/batch.tif", io.BytesIO(data), len(data))
    record = wait_for_batch(db, data)
    assert record["state"] == "split" and record["pages"] == 2
    [item] = evidence(platform, case["id"])
    assert item["channel"] == "scanner" and item["channel_detail"]["pages"] == 1
    done = platform.wait_for_status("rachel", item["id"], timeout_s=240)
    assert done["status"] == "indexed" and word in page_text(platform, item["id"])

    def left() -> list[str]:  # SeaweedFS may keep the emptied folder itself: only files count
        listed = s3.list_objects(DROP_BUCKET, prefix=f"{DROP_PREFIX}copier-7/", recursive=True)
        return [obj.object_name for obj in listed if not obj.is_dir]

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and left():
        time.sleep(0.5)
    assert left() == []  # removed once filed
    # What is no batch is moved under failed/, with the reason beside it.
    note = b"not a scan"
    s3.put_object(DROP_BUCKET, f"{DROP_PREFIX}notes.txt", io.BytesIO(note), len(note))

    def reason_keys() -> list[str]:  # set aside under a name of its own: failed/<id>-notes.txt
        listed = s3.list_objects(DROP_BUCKET, prefix=f"{DROP_PREFIX}failed/")
        return [o.object_name for o in listed if o.object_name.endswith("-notes.txt.reason.txt")]

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not reason_keys():
        time.sleep(0.5)
    [reason_key] = reason_keys()
    reason = s3.get_object(DROP_BUCKET, reason_key)
    assert b"neither a PDF nor a TIFF" in reason.read()
    reason.close()
    assert s3.get_object(DROP_BUCKET, reason_key.removesuffix(".reason.txt")).read() == note
    assert f"{DROP_PREFIX}notes.txt" not in {o.object_name for o in s3.list_objects(DROP_BUCKET, prefix=DROP_PREFIX)}
    metrics = requests.get(f"{platform.url('intake_mailroom')}/metrics", timeout=10).text
    assert 'casework_intake_scan_batches_total{outcome="split"}' in metrics
    assert 'casework_intake_scan_parts_total{outcome="filed"}' in metrics
