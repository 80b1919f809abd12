"""Erasure in the services that keep S3 copies (docs/design.md, 'Erasure in intake, ocr and
bundle'): intake (evidence originals), ocr (page texts) and bundle (bundles) each consume
``CaseDataDue`` from dataprotection.erasures, remove their copies of one case and answer with one
``CaseDataErased`` receipt per kind. Published here straight to the broker, as workflow's outbox
would; every store is then checked directly: every S3 version in every bucket, every row, while
another case's data in the same buckets and tables stays. A redelivered request removes nothing more
and still answers. And a governance-locked version cannot be removed by the ordinary S3 identity."""

from __future__ import annotations

import io
import signal
import smtplib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from minio import Minio
from minio.commonconfig import GOVERNANCE
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from casework.v1 import events_pb2
from casework_common import events
from casework_common.vocabulary import DATA_KIND_NAMES
from erasure import Broker, ordinary_s3, receipts
from harness import Platform, unique_number
from testdocs import fresh_word, letter_lines, office, png, text_pdf

EVIDENCE, PENDING, HELD, TEXT, BUNDLES = (
    "casework-evidence",
    "casework-evidence-pending",
    "casework-intake-held",
    "casework-text",
    "casework-bundles",
)
MAIL_DOMAIN = "intake.casework.localhost"
# The holders this module covers, and the kind each answers for.
HOLDERS = {"intake": "evidence_originals", "ocr": "page_texts", "bundle": "bundles"}


@pytest.fixture(scope="module")
def s3(platform: Platform) -> Minio:
    """The ordinary identity, as every service has it (it cannot bypass object locks)."""
    return ordinary_s3(platform)


def versions(s3: Minio, bucket: str, prefix: str) -> list[tuple[str, str | None]]:
    """Every version and delete marker under ``prefix``: (key, version id)."""
    return [
        (o.object_name, o.version_id)
        for o in s3.list_objects(bucket, prefix=prefix, recursive=True, include_version=True)
    ]


def send_mail(platform: Platform, to: str, subject: str) -> None:
    """A stranger's message to a case's address: held (unknown sender), its copy in the held bucket."""
    import smtplib
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"] = f"stranger-{uuid.uuid4().hex[:6]}@example.com"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@mail.example.org>"
    mail.set_content("A letter about the member, from someone the system does not know.")
    with smtplib.SMTP("127.0.0.1", platform.config.ports["mailroom"], timeout=60) as client:
        client.ehlo("mail.example.org")
        client.sendmail(mail["From"], [to], mail.as_bytes())


def make_case(platform: Platform, s3: Minio) -> dict[str, Any]:
    """A case with a text PDF and a scanned PNG (read by OCR), a held message, a cover sheet, an
    upload's pending leftover, a second version and a delete marker in its evidence prefix, and a
    built bundle shared with a solicitor."""
    case = platform.create_case("rachel", unique_number(), name="Erin Erasable")
    word = fresh_word()
    files = [
        ("Dismissal letter to Erin.pdf", text_pdf(letter_lines(word)), "application/pdf"),
        ("scan of Erin's note.png", png(letter_lines(fresh_word())), "image/png"),
    ]
    response = platform.upload("rachel", case["id"], files)
    assert response.status_code == 201, response.text
    items = [item["id"] for item in response.json()["items"]]
    for item in items:
        assert platform.wait_for_status("rachel", item, timeout_s=180)["status"] == "indexed"
    address = platform.call("rachel", "POST", "intake", f"/v1/cases/{case['id']}/intake-address")
    assert address.status_code in (200, 201), address.text
    send_mail(platform, address.json()["address"], f"About Erin {word}")
    sheet = platform.call("rachel", "POST", "intake", f"/v1/cases/{case['id']}/cover-sheets", json={})
    assert sheet.status_code == 201, sheet.text
    # What the services' own paths rarely leave but erasure must still find: a pending object of a
    # crashed upload, a second version of a key and a delete marker (the ordinary identity may
    # write both in the locked bucket; only removing a version is locked).
    s3.put_object(PENDING, f"{case['id']}/{uuid.uuid4()}", io.BytesIO(b"half an upload"), 14)
    extra = f"cases/{case['id']}/{uuid.uuid4()}/original"
    for body in (b"first", b"second"):
        s3.put_object(EVIDENCE, extra, io.BytesIO(body), len(body))
    s3.remove_object(EVIDENCE, extra)  # a delete marker on top of two locked versions
    bundle = platform.call("rachel", "POST", "bundle", f"/v1/cases/{case['id']}/bundles", json={"title": "Hearing"})
    assert bundle.status_code == 202, bundle.text
    bundle_id = bundle.json()["id"]
    deadline = time.monotonic() + 240
    while (status := platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle_id}").json()["status"]) not in (
        "ready",
        "failed",
    ):
        assert time.monotonic() < deadline, f"bundle {bundle_id} still {status}"
        time.sleep(0.5)
    assert status == "ready"
    share = platform.call(
        "rachel",
        "POST",
        "bundle",
        f"/v1/bundles/{bundle_id}/shares",
        json={"recipient_name": "Sol Icitor", "recipient_email": f"sol-{uuid.uuid4().hex[:8]}@firm.example"},
    )
    assert share.status_code == 201, share.text
    return {"id": case["id"], "items": items, "bundle": bundle_id, "word": word}


def stored(platform: Platform, s3: Minio, case: dict[str, Any]) -> dict[str, Any]:
    """Everything of ``case`` in the holders' stores, read directly."""
    case_id = case["id"]
    with platform.superuser_db() as db:
        evidence = db.execute(
            "SELECT filename, filename_raw, metadata, channel_detail, sha256, title, document_date, uploaded_by,"
            " erased_at FROM intake.evidence WHERE case_id = %s",
            (case_id,),
        ).fetchall()
        rows = {
            "evidence": evidence,
            "mail": db.execute("SELECT count(*) FROM intake.mail_messages WHERE case_id = %s", (case_id,)).fetchone()[
                0
            ],
            "facts_history": db.execute(
                "SELECT count(*) FROM intake.facts_history f JOIN intake.evidence e ON e.id = f.evidence_id"
                " WHERE e.case_id = %s",
                (case_id,),
            ).fetchone()[0],
            "ocr_documents": db.execute(
                "SELECT count(*) FROM ocr.documents WHERE evidence_id = ANY(%s::uuid[])", (case["items"],)
            ).fetchone()[0],
            "ocr_pages": db.execute(
                "SELECT count(*) FROM ocr.pages WHERE evidence_id = ANY(%s::uuid[])", (case["items"],)
            ).fetchone()[0],
            "page_cache": db.execute(
                "SELECT count(*) FROM ocr.page_cache WHERE split_part(text_key, '/', 1) = ANY(%s)", (case["items"],)
            ).fetchone()[0],
            "bundles": db.execute("SELECT count(*) FROM bundle.bundles WHERE case_id = %s", (case_id,)).fetchone()[0],
            "shares": db.execute("SELECT count(*) FROM bundle.shares WHERE case_id = %s", (case_id,)).fetchone()[0],
            # Revoked, not deleted: a late scan behind the sheet or a message to the address is held.
            "live_sheets_and_addresses": db.execute(
                "SELECT (SELECT count(*) FROM intake.cover_sheets WHERE case_id = %s AND revoked_at IS NULL)"
                " + (SELECT count(*) FROM intake.intake_addresses WHERE case_id = %s AND revoked_at IS NULL)",
                (case_id, case_id),
            ).fetchone()[0],
        }
        held_keys = [
            key
            for (key,) in db.execute(
                "SELECT object_key FROM intake.mail_messages WHERE case_id = %s AND object_key IS NOT NULL", (case_id,)
            )
        ]
    objects = {
        "evidence": versions(s3, EVIDENCE, f"cases/{case_id}/"),
        "pending": versions(s3, PENDING, f"{case_id}/"),
        "held": [v for key in case.get("held_keys", held_keys) for v in versions(s3, HELD, key)],
        "text": [v for item in case["items"] for v in versions(s3, TEXT, f"{item}/")],
        "bundles": versions(s3, BUNDLES, f"cases/{case_id}/"),
    }
    return {"rows": rows, "objects": objects, "held_keys": held_keys}


def publish_due(platform: Platform, case_id: str, request_id: str, kinds: tuple[str, ...] = ()) -> None:
    """A CaseDataDue for ``kinds`` (by default the three these holders keep), as workflow's outbox sends it."""
    with Broker(platform) as broker:
        broker.publish_due(case_id, request_id, kinds or tuple(HOLDERS.values()))


@pytest.fixture(scope="module")
def cases(platform: Platform, s3: Minio) -> Iterator[dict[str, dict[str, Any]]]:
    yield {"erased": make_case(platform, s3), "kept": make_case(platform, s3)}


def test_each_holder_removes_every_copy_of_the_case_and_answers_once_per_kind(
    platform: Platform, s3: Minio, cases: dict[str, dict[str, Any]]
) -> None:
    erased, kept = cases["erased"], cases["kept"]
    before, kept_before = stored(platform, s3, erased), stored(platform, s3, kept)
    erased["held_keys"] = before["held_keys"]
    # The case really had a copy in every store: otherwise "gone" would prove nothing.
    assert all(before["objects"].values()), {name: len(found) for name, found in before["objects"].items()}
    assert len(before["objects"]["evidence"]) >= len(erased["items"]) + 3  # + two versions, one delete marker
    assert before["rows"]["mail"] == 1 and before["rows"]["ocr_documents"] == 2 and before["rows"]["ocr_pages"] >= 2
    assert before["rows"]["bundles"] == 1 and before["rows"]["shares"] == 1
    assert before["rows"]["live_sheets_and_addresses"] == 2

    request_id = f"test-{uuid.uuid4()}"
    publish_due(platform, erased["id"], request_id)
    answered = receipts(platform, erased["id"], request_id, count=len(HOLDERS))
    by_service = {r.service: r for r in answered}
    assert sorted(by_service) == sorted(HOLDERS) and len(answered) == len(HOLDERS), answered
    for service, kind in HOLDERS.items():
        receipt = by_service[service]
        assert DATA_KIND_NAMES[receipt.kind] == kind and receipt.items_removed > 0, receipt
        # Words and counts only: no file name, no content, no member's name.
        assert "Erin" not in receipt.detail and erased["word"] not in receipt.detail, receipt.detail
    assert by_service["intake"].items_removed >= len(before["objects"]["evidence"]) + 1

    after = stored(platform, s3, erased)
    assert after["objects"] == {name: [] for name in before["objects"]}, after["objects"]
    rows = after["rows"]
    assert rows["mail"] == 0 and rows["facts_history"] == 0
    assert rows["ocr_documents"] == 0 and rows["ocr_pages"] == 0 and rows["page_cache"] == 0
    assert rows["bundles"] == 0 and rows["shares"] == 0 and rows["live_sheets_and_addresses"] == 0
    # The evidence rows stay as anonymised stubs: the case still counts its items.
    assert len(rows["evidence"]) == len(before["rows"]["evidence"])
    for stub in rows["evidence"]:
        filename, raw, metadata, channel_detail, sha256, title, document_date, uploaded_by, erased_at = stub
        assert filename == "(erased)" and raw is None and metadata == {} and channel_detail == {}, stub
        assert sha256 == "" and title is None and document_date is None and erased_at is not None, stub
        assert uploaded_by != "rachel", stub  # the uploader's role stays, not who it was
    item = erased["items"][0]
    assert platform.call("rachel", "GET", "intake", f"/v1/evidence/{item}/content").status_code == 404
    assert platform.call("rachel", "GET", "bundle", f"/v1/bundles/{erased['bundle']}").status_code == 404

    # The other case in the same buckets and tables is untouched.
    assert stored(platform, s3, kept) == kept_before
    content = platform.call("rachel", "GET", "intake", f"/v1/evidence/{kept['items'][0]}/content")
    assert content.status_code == 200 and content.content.startswith(b"%PDF")

    # Redelivered (the daily job resends requests whose receipts it lacks): nothing more is
    # removed, and every holder answers again.
    publish_due(platform, erased["id"], request_id)
    again = receipts(platform, erased["id"], request_id, count=2 * len(HOLDERS))
    assert len(again) == 2 * len(HOLDERS), again
    later = {r.service: r for r in again[len(HOLDERS) :]}
    assert sorted(later) == sorted(HOLDERS)
    assert {service: r.items_removed for service, r in later.items()} == dict.fromkeys(HOLDERS, 0)
    assert stored(platform, s3, erased)["objects"] == after["objects"]
    assert stored(platform, s3, kept) == kept_before


def test_the_ordinary_identity_cannot_remove_a_locked_version(s3: Minio) -> None:
    """The services' ordinary identity cannot remove a locked evidence version, alone or in a batch,
    with or without asking for the governance bypass (only the retention identity may); a delete
    marker can be written over it, and the locked version stays."""
    key = f"cases/{uuid.uuid4()}/{uuid.uuid4()}/original"
    version = s3.put_object(EVIDENCE, key, io.BytesIO(b"locked"), 6).version_id
    assert version, "the evidence bucket keeps versions"
    retention = s3.get_object_retention(EVIDENCE, key, version_id=version)
    assert retention is not None and retention.mode == GOVERNANCE, retention
    with pytest.raises(S3Error):
        s3.remove_object(EVIDENCE, key, version_id=version)
    refused = list(s3.remove_objects(EVIDENCE, [DeleteObject(key, version)]))
    assert [error.name for error in refused] == [key], refused
    # Asking for the bypass does not help: only the retention identity may use it.
    refused = list(s3.remove_objects(EVIDENCE, [DeleteObject(key, version)], bypass_governance_mode=True))
    assert [error.name for error in refused] == [key], refused
    s3.remove_object(EVIDENCE, key)  # a delete marker hides it; it is not gone
    assert (key, version) in versions(s3, EVIDENCE, key)


def wait_for(predicate: Callable[[], Any], what: str, timeout_s: float = 180) -> Any:
    """Poll ``predicate`` until it answers something true (a bound on a hang, not a speed check)."""
    deadline = time.monotonic() + timeout_s
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"no {what} after {timeout_s}s"
        time.sleep(0.2)
    return found


def logged(platform: Platform, service: str, *parts: str) -> bool:
    """A line of ``service``'s log whose message contains every one of ``parts``."""
    return any(all(part in (line.get("message") or "") for part in parts) for line in platform.log_lines(service))


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def small_case(platform: Platform, name: str, statement: bool = False) -> dict[str, Any]:
    """A case with a text PDF (and with ``statement`` a Word document, which the bundle worker
    converts, so a build takes long enough to be caught), read and indexed."""
    case = platform.create_case("rachel", unique_number(), name=name)
    files = [("Letter.pdf", text_pdf(letter_lines(fresh_word())), "application/pdf")]
    if statement:
        files.append(("Statement.docx", office("docx", ["WITNESS STATEMENT", f"I saw {fresh_word()}."]), DOCX))
    response = platform.upload("rachel", case["id"], files)
    assert response.status_code == 201, response.text
    items = [item["id"] for item in response.json()["items"]]
    for item in items:
        assert platform.wait_for_status("rachel", item, timeout_s=180)["status"] == "indexed"
    return {"id": case["id"], "item": items[0]}


@pytest.fixture
def bundle_worker(platform: Platform) -> Iterator[Any]:
    """The stack's one bundle worker process, never left frozen by a test."""
    _spec, process = platform.stack.services["bundle-worker"]
    try:
        yield process.process
    finally:
        process.process.send_signal(signal.SIGCONT)


def test_bundle_erasure_waits_for_a_build_in_progress_and_removes_its_volumes(
    platform: Platform, s3: Minio, bundle_worker: Any
) -> None:
    """The request arrives while one of the case's bundles is being built (the worker frozen
    mid-build): bundle marks the case erased and answers RetryLater until the build has ended, so
    the volumes the worker stores afterwards (under a lock only the retention identity lifts) are
    removed before the receipt goes; no new bundle of the case can be asked for meanwhile."""
    case = small_case(platform, "Bea Building", statement=True)
    asked = platform.call("rachel", "POST", "bundle", f"/v1/cases/{case['id']}/bundles", json={"title": "Running"})
    assert asked.status_code == 202, asked.text
    bundle_id = asked.json()["id"]
    with platform.superuser_db() as db:
        query = "SELECT status FROM bundle.bundles WHERE id = %s"
        deadline = time.monotonic() + 180
        while db.execute(query, (bundle_id,)).fetchone()[0] == "queued":  # polled closely: builds are quick
            assert time.monotonic() < deadline, "the build did not start"
            time.sleep(0.005)
        bundle_worker.send_signal(signal.SIGSTOP)
        status = db.execute(query, (bundle_id,)).fetchone()[0]
    if status != "building":
        bundle_worker.send_signal(signal.SIGCONT)
        pytest.skip(f"the build finished ({status}) before the worker could be frozen mid-build")

    request_id = f"test-{uuid.uuid4()}"
    publish_due(platform, case["id"], request_id, kinds=("bundles",))
    # The erasure met the running build and waits for it; the case is already marked erased.
    wait_for(lambda: logged(platform, "bundle", "bundle-erasure", case["id"], "being built"), "deferred erasure")
    with platform.superuser_db() as db:
        marked = db.execute("SELECT count(*) FROM bundle.erased_cases WHERE case_id = %s", (case["id"],))
        assert marked.fetchone()[0] == 1
        row = db.execute("SELECT status FROM bundle.bundles WHERE id = %s", (bundle_id,)).fetchone()
        assert row == ("building",), row
    again = platform.call("rachel", "POST", "bundle", f"/v1/cases/{case['id']}/bundles", json={"title": "Later"})
    assert again.status_code == 409 and again.json()["type"].endswith("/case-erased"), again.text

    bundle_worker.send_signal(signal.SIGCONT)
    answered = receipts(platform, case["id"], request_id, count=1, timeout_s=300)
    assert [(r.service, DATA_KIND_NAMES[r.kind]) for r in answered] == [("bundle", "bundles")], answered
    # The worker has ended the job (not ready: the case was erased) before anything is looked at,
    # so volumes it stored late would be seen here.
    wait_for(lambda: logged(platform, "bundle-worker", bundle_id, "meanwhile"), "end of the frozen build")
    assert versions(s3, BUNDLES, f"cases/{case['id']}/") == []
    with platform.superuser_db() as db:
        left = db.execute(
            "SELECT (SELECT count(*) FROM bundle.bundles WHERE case_id = %s)"
            " + (SELECT count(*) FROM bundle.outbox WHERE key = %s AND topic = %s)",
            (case["id"], case["id"], events.BUNDLE_JOBS),
        ).fetchone()[0]
    assert left == 0


@pytest.fixture
def splitter_lock(platform: Platform) -> Iterator[Any]:
    """A database session standing in for a mailroom that is splitting a batch: it holds the
    batch's advisory lock (batches.py), so no mailroom resumes the batch meanwhile."""
    with platform.superuser_db() as conn:
        yield conn


def test_intake_closes_the_doors_first_and_waits_for_a_batch_being_split(
    platform: Platform, s3: Minio, splitter_lock: Any
) -> None:
    """A scanned batch with a part behind the case's cover sheet is still being split: intake's
    erasure revokes the case's cover sheets and address at once (a message to the address is
    refused while the objects are still there), answers RetryLater until the split has ended, and
    then removes the batch's copy and the part's PDF too. An item still in the pipeline ends failed,
    with that change in its status history."""
    case = small_case(platform, "Sid Splitting")
    address = platform.call("rachel", "POST", "intake", f"/v1/cases/{case['id']}/intake-address")
    assert address.status_code in (200, 201), address.text
    sheet = platform.call("rachel", "POST", "intake", f"/v1/cases/{case['id']}/cover-sheets", json={})
    assert sheet.status_code == 201, sheet.text
    sheet_id = sheet.headers["Location"].rsplit("/", 1)[1]
    batch_id, part_id, sha = uuid.uuid4(), uuid.uuid4(), uuid.uuid4().hex * 2
    batch_key, part_key = f"batches/{sha}", f"unfiled/{part_id}.pdf"
    for key in (batch_key, part_key):
        s3.put_object(HELD, key, io.BytesIO(b"%PDF-1.4 scanned"), 16)
    db = splitter_lock
    db.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (f"scan-batch:{batch_id}",))
    db.execute(
        "INSERT INTO intake.scan_batches (id, sha256, source, source_name, state, bucket, object_key)"
        " VALUES (%s, %s, 'drop', 'erasure-test.pdf', 'splitting', %s, %s)",
        (batch_id, sha, HELD, batch_key),
    )
    db.execute(
        "INSERT INTO intake.scan_parts (id, batch_id, part_index, first_page, last_page, pages, cover_sheet_id,"
        " state, reason, bucket, object_key) VALUES (%s, %s, 0, 1, 1, 1, %s, 'waiting', 'revoked_sheet', %s, %s)",
        (part_id, batch_id, sheet_id, HELD, part_key),
    )
    # The item as if ocr were still reading it (the reconciler waits far longer than this test).
    # Its kind set by a rep: a late "indexed" for a live item would announce the rep's facts again.
    db.execute("UPDATE intake.evidence SET status = 'extracting', kind_source = 'rep' WHERE id = %s", (case["item"],))

    request_id = f"test-{uuid.uuid4()}"
    publish_due(platform, case["id"], request_id, kinds=("evidence_originals",))
    wait_for(lambda: logged(platform, "intake", "intake-erasure", str(batch_id), "being split"), "deferred erasure")
    live = db.execute(
        "SELECT (SELECT count(*) FROM intake.cover_sheets WHERE case_id = %s AND revoked_at IS NULL)"
        " + (SELECT count(*) FROM intake.intake_addresses WHERE case_id = %s AND revoked_at IS NULL)",
        (case["id"], case["id"]),
    ).fetchone()[0]
    assert live == 0  # the doors are closed before any object is removed
    assert versions(s3, EVIDENCE, f"cases/{case['id']}/") and versions(s3, HELD, batch_key)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_mail(platform, address.json()["address"], "Too late")

    # The split ends.
    db.execute("UPDATE intake.scan_batches SET state = 'split', pages = 1 WHERE id = %s", (batch_id,))
    db.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (f"scan-batch:{batch_id}",))
    answered = receipts(platform, case["id"], request_id, count=1, timeout_s=300)
    assert [(r.service, DATA_KIND_NAMES[r.kind]) for r in answered] == [("intake", "evidence_originals")]
    assert versions(s3, EVIDENCE, f"cases/{case['id']}/") == []
    assert versions(s3, HELD, batch_key) == [] and versions(s3, HELD, part_key) == []
    item = db.execute("SELECT status, status_reason FROM intake.evidence WHERE id = %s", (case["item"],)).fetchone()
    assert item == ("failed", "Erased before it was processed."), item
    last = db.execute(
        "SELECT status, reason FROM intake.status_history WHERE evidence_id = %s ORDER BY id DESC LIMIT 1",
        (case["item"],),
    ).fetchone()
    assert last == ("failed", "Erased before it was processed."), last

    # A late "indexed" for the erased item announces no facts again (and changes nothing).
    late = events_pb2.EvidenceStatusChanged(
        evidence_id=case["item"], case_id=case["id"], status=events_pb2.EVIDENCE_STATUS_INDEXED
    )
    with Broker(platform) as broker:
        partition, offset = broker.publish(events.EVIDENCE_STATUS, case["item"], late, "ocr")
        assert broker.handled("intake-status", events.EVIDENCE_STATUS, partition, offset, timeout_s=180)
    announced = db.execute(
        "SELECT count(*) FROM intake.outbox WHERE key = %s AND payload_type LIKE %s",
        (case["item"], "%EvidenceFactsChanged"),
    ).fetchone()[0]
    assert announced == 0
    assert db.execute("SELECT status FROM intake.evidence WHERE id = %s", (case["item"],)).fetchone() == ("failed",)
