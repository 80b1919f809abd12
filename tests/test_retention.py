"""Retention end to end (docs/design.md, 'Retention, legal holds and erasure'): a case past its
retention period disappears from every store while a held case and a newer case stay; trends still
count it anonymously; the audit chain verifies after.

Three closed cases of one member of staff's branch, each with evidence (read and indexed), a hearing
bundle and an inbox item. Two are made seven years old in the database (every kind is then due under
the shipped schedule); one of those is under a legal hold. The retention job runs as ops run it
(``python -m casework_workflow retention`` with workflow's environment). Every store is then read
directly, not through the APIs: workflow's rows, intake's evidence rows and every S3 version in the
evidence bucket, OCR's page texts in the text bucket, both search indices, notify's inbox items,
bundle's rows and volumes.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from minio import Minio

import testdocs
from casework_local.services import SERVICES, service_env
from erasure import ordinary_s3
from harness import Platform, unique_number

pytestmark = [pytest.mark.stack, pytest.mark.timeout(900)]

KINDS = ("case_record", "timeline", "evidence_originals", "page_texts", "search_documents", "notifications", "bundles")
OUTCOME = "written_warning"


def workflow_command(platform: Platform, *args: str) -> subprocess.CompletedProcess[str]:
    """A workflow command as ops run it (the chart's CronJob): workflow's own settings, nothing else."""
    spec = next(s for s in SERVICES if s.name == "workflow")
    return subprocess.run(
        [sys.executable, "-m", "casework_workflow", *args],
        env={**service_env(spec, platform.config, platform.stack.servers), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def eventually(check: Callable[[], Any], timeout_s: float = 180.0, every_s: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(every_s)


def versions(client: Minio, bucket: str, prefix: str) -> list[str]:
    """Every version and delete marker under ``prefix``."""
    return [
        f"{o.object_name}@{o.version_id}"
        for o in client.list_objects(bucket, prefix=prefix, recursive=True, include_version=True)
    ]


def one(platform: Platform, sql: str, *params: Any) -> Any:
    with platform.superuser_db() as conn:
        return conn.execute(sql, params).fetchone()


def count(platform: Platform, sql: str, *params: Any) -> int:
    return int(one(platform, sql, *params)[0])


def index_count(platform: Platform, index: str, case_id: str) -> int:
    response = requests.post(
        f"{platform.url('opensearch')}/casework-{index}/_count",
        json={"query": {"term": {"case_id": case_id}}},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


def case_document(platform: Platform, case_id: str) -> dict[str, Any] | None:
    response = requests.post(
        f"{platform.url('opensearch')}/casework-cases/_search",
        json={"query": {"term": {"case_id": case_id}}},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]["hits"]
    return hits[0]["_source"] if hits else None


def make_case(platform: Platform, employer: str, name: str) -> dict[str, Any]:
    """A closed case with a letter (read and indexed), a built bundle and an inbox item (raj's)."""
    word = testdocs.fresh_word()
    case = platform.create_case(
        "rachel",
        unique_number(),
        name=name,
        member={
            "name": name,
            "membership_number": unique_number(),
            "employer": employer,
            "email": f"{word}@example.org",
            "workplace": f"{name}'s depot",
            "sector": "transport",
        },
        allegations=["lateness"],
        allegation_details=f"{name} was late; {word}.",
        summary=f"Summary naming {name}.",
        key_dates={"incident": "2019-03-17", "hearing": "2019-04-30"},
    )
    upload = platform.upload(
        "rachel",
        case["id"],
        [(f"{word}-letter.pdf", testdocs.text_pdf([f"Dear {name}, about {word}."]), "application/pdf")],
    )
    assert upload.status_code == 201, upload.text
    evidence_id = upload.json()["items"][0]["id"]
    assert platform.wait_for_status("rachel", evidence_id, timeout_s=180)["status"] == "indexed"
    shared = platform.call("rachel", "POST", "workflow", f"/v1/cases/{case['id']}/shares", json={"username": "raj"})
    assert shared.status_code == 200, shared.text
    bundle = platform.call("rachel", "POST", "bundle", f"/v1/cases/{case['id']}/bundles", json={"title": "Hearing"})
    assert bundle.status_code == 202, bundle.text
    bundle_id = bundle.json()["id"]
    ready = eventually(
        lambda: (
            platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle_id}").json()["status"] in ("ready", "failed")
        )
    )
    assert ready and platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle_id}").json()["status"] == "ready"
    closed = platform.call(
        "rachel",
        "PATCH",
        "workflow",
        f"/v1/cases/{case['id']}",
        json={
            "status": "closed",
            "outcome": OUTCOME,
            "sanction": f"Warning; {name} told",
            "key_dates": {"outcome": "2019-05-14"},
        },
    )
    assert closed.status_code == 200, closed.text
    return {"id": case["id"], "reference": case["reference"], "evidence": evidence_id, "word": word, "name": name}


@pytest.fixture(scope="module")
def world(platform: Platform) -> dict[str, Any]:
    employer = f"Retainco {uuid.uuid4().hex[:6]}"
    cases = {
        "old": make_case(platform, employer, "Rhona Retired"),
        "held": make_case(platform, employer, "Harriet Held"),
        "newer": make_case(platform, employer, "Nadia Newer"),
    }
    # Two more closed cases with the same facts, so the employer's trend bucket (5) is shown at all.
    for name in ("Tom Trend", "Tess Trend"):
        member = {"name": name, "membership_number": unique_number(), "employer": employer, "sector": "transport"}
        case = platform.create_case("rachel", member["membership_number"], member=member, allegations=["lateness"])
        closed = platform.call(
            "rachel", "PATCH", "workflow", f"/v1/cases/{case['id']}", json={"status": "closed", "outcome": OUTCOME}
        )
        assert closed.status_code == 200, closed.text
    with platform.superuser_db() as conn:
        conn.execute(
            "UPDATE workflow.cases SET closed_at = now() - interval '7 years' WHERE id = ANY(%s)",
            ([uuid.UUID(cases["old"]["id"]), uuid.UUID(cases["held"]["id"])],),
        )
    held = platform.call(
        "olive", "PUT", "workflow", f"/v1/cases/{cases['held']['id']}/legal-hold", json={"reason": "ET claim live"}
    )
    assert held.status_code == 200, held.text
    # Every store holds each case before the run (so "gone" below means removed, not never there).
    client = ordinary_s3(platform)
    for case in cases.values():
        assert eventually(
            lambda c=case: count(platform, "SELECT count(*) FROM notify.inbox_items WHERE case_id = %s", c["id"])
        )
        assert versions(client, "casework-evidence", f"cases/{case['id']}/")
        assert versions(client, "casework-text", f"{case['evidence']}/")
        assert versions(client, "casework-bundles", f"cases/{case['id']}/")
        assert eventually(lambda c=case: index_count(platform, "evidence-pages", c["id"]))
        assert eventually(lambda c=case: (case_document(platform, c["id"]) or {}).get("workplace"))
    trend = trends(platform, employer)
    assert trend == 5, trend

    dry = workflow_command(platform, "retention", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert cases["old"]["reference"] in dry.stdout and cases["held"]["reference"] not in dry.stdout
    assert count(platform, "SELECT count(*) FROM workflow.data_erasures WHERE case_id = %s", cases["old"]["id"]) == 0

    run = workflow_command(platform, "retention")
    assert run.returncode == 0, run.stderr
    assert cases["old"]["reference"] in run.stdout
    assert cases["held"]["reference"] not in run.stdout and cases["newer"]["reference"] not in run.stdout
    return {"employer": employer, "run": run.stdout, **cases}


def trends(platform: Platform, employer: str) -> int:
    def written_warnings() -> int:
        body = platform.call("ada", "GET", "search", "/v1/trends", params={"employer": employer}).json()
        return sum(b["count"] for b in body["buckets"] if b["outcome"] == OUTCOME)

    return int(eventually(lambda: written_warnings() == 5, timeout_s=60) and written_warnings())


def done_kinds(platform: Platform, case_id: str) -> dict[str, Any]:
    with platform.superuser_db() as conn:
        rows = conn.execute(
            "SELECT kind, receipts, done_at FROM workflow.data_erasures WHERE case_id = %s", (case_id,)
        ).fetchall()
    return {kind: (sorted(receipts), done_at is not None) for kind, receipts, done_at in rows}


def test_every_holder_answers_and_each_kind_is_done(platform: Platform, world: dict[str, Any]) -> None:
    finished = eventually(
        lambda: (
            all(d for _, d in done_kinds(platform, world["old"]["id"]).values())
            and len(done_kinds(platform, world["old"]["id"])) == len(KINDS)
        )
    )
    assert finished, f"not every holder answered: {done_kinds(platform, world['old']['id'])}"
    assert done_kinds(platform, world["held"]["id"]) == {} and done_kinds(platform, world["newer"]["id"]) == {}
    with platform.superuser_db() as conn:
        receipts = conn.execute(
            "SELECT actor, detail FROM workflow.audit_log WHERE case_id = %s AND action = 'dataprotection.erased'",
            (world["old"]["id"],),
        ).fetchall()
        run = conn.execute(
            "SELECT detail FROM workflow.audit_log WHERE action = 'dataprotection.retention_run' "
            "AND actor = 'retention' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    # One record per holder's receipt; workflow's own removal is recorded as the run that did it.
    assert {detail["service"] for _, detail in receipts} == {"workflow", "intake", "ocr", "search", "notify", "bundle"}
    assert {actor for actor, detail in receipts if detail["service"] == "workflow"} == {"retention"}
    assert run is not None and run[0]["dry_run"] is False and run[0]["carried_out"] >= 1
    for _, detail in receipts:  # receipts say what, never about whom
        assert world["old"]["name"] not in str(detail) and world["old"]["word"] not in str(detail)


def test_the_old_case_is_gone_from_workflows_rows(platform: Platform, world: dict[str, Any]) -> None:
    old = world["old"]
    stored = one(
        platform,
        "SELECT member_name, membership_number, member_email, workplace, allegation_details, summary, sanction, "
        "case_type, outcome, employer, sector, allegations, incident_date, hearing_date, outcome_date "
        "FROM workflow.cases WHERE id = %s",
        old["id"],
    )
    assert stored[:7] == ("(erased)", "", None, None, "", "", None)
    assert stored[7:12] == ("disciplinary", OUTCOME, world["employer"], "transport", ["lateness"])
    # Only the month of each date stays.
    assert stored[12:] == (dt.date(2019, 3, 1), dt.date(2019, 4, 1), dt.date(2019, 5, 1))
    kept = one(platform, "SELECT incident_date, outcome_date FROM workflow.cases WHERE id = %s", world["held"]["id"])
    assert kept == (dt.date(2019, 3, 17), dt.date(2019, 5, 14))
    assert count(platform, "SELECT count(*) FROM workflow.timeline_entries WHERE case_id = %s", old["id"]) == 0
    assert count(platform, "SELECT count(*) FROM workflow.case_reps WHERE case_id = %s", old["id"]) == 0
    with platform.superuser_db() as conn:
        text = str(conn.execute("SELECT * FROM workflow.cases WHERE id = %s", (old["id"],)).fetchall())
        text += str(
            conn.execute("SELECT detail, resource FROM workflow.audit_log WHERE case_id = %s", (old["id"],)).fetchall()
        )
    assert old["name"] not in text and old["word"] not in text


def test_the_old_case_is_gone_from_intake_ocr_and_every_s3_version(platform: Platform, world: dict[str, Any]) -> None:
    old, client = world["old"], ordinary_s3(platform)
    assert eventually(lambda: not versions(client, "casework-evidence", f"cases/{old['id']}/"), timeout_s=60)
    assert versions(client, "casework-text", f"{old['evidence']}/") == []
    with platform.superuser_db() as conn:
        rows = conn.execute("SELECT * FROM intake.evidence WHERE case_id = %s", (old["id"],)).fetchall()
        ocr = conn.execute("SELECT count(*) FROM ocr.documents WHERE evidence_id = %s", (old["evidence"],)).fetchone()[
            0
        ]
    assert old["word"] not in str(rows)  # the file name carried the word; stubs may stay, anonymised
    assert ocr == 0


def test_the_old_case_is_gone_from_both_search_indices(platform: Platform, world: dict[str, Any]) -> None:
    old = world["old"]
    assert index_count(platform, "evidence-pages", old["id"]) == 0
    document = case_document(platform, old["id"])
    assert document is not None and document["erased"] is True  # counted, anonymously
    assert (document["employer"], document["outcome"], document["case_type"]) == (
        world["employer"],
        OUTCOME,
        "disciplinary",
    )
    for personal in ("workplace", "sanction", "reference"):
        assert not document.get(personal), (personal, document)
    searched = platform.search("rachel", old["word"])
    assert searched.status_code == 200 and old["id"] not in str(searched.json())


def test_the_old_case_is_gone_from_notify_and_bundles(platform: Platform, world: dict[str, Any]) -> None:
    old = world["old"]
    assert count(platform, "SELECT count(*) FROM notify.inbox_items WHERE case_id = %s", old["id"]) == 0
    assert count(platform, "SELECT count(*) FROM bundle.bundles WHERE case_id = %s", old["id"]) == 0
    assert versions(ordinary_s3(platform), "casework-bundles", f"cases/{old['id']}/") == []


def test_the_held_and_the_newer_case_stay_everywhere(platform: Platform, world: dict[str, Any]) -> None:
    client = ordinary_s3(platform)
    for key in ("held", "newer"):
        case = world[key]
        assert one(platform, "SELECT member_name FROM workflow.cases WHERE id = %s", case["id"])[0] == case["name"]
        assert count(platform, "SELECT count(*) FROM workflow.timeline_entries WHERE case_id = %s", case["id"]) > 0
        assert versions(client, "casework-evidence", f"cases/{case['id']}/"), key
        assert versions(client, "casework-text", f"{case['evidence']}/"), key
        assert versions(client, "casework-bundles", f"cases/{case['id']}/"), key
        assert index_count(platform, "evidence-pages", case["id"]) > 0, key
        assert not (case_document(platform, case["id"]) or {}).get("erased"), key
        assert count(platform, "SELECT count(*) FROM notify.inbox_items WHERE case_id = %s", case["id"]) > 0, key
        assert count(platform, "SELECT count(*) FROM bundle.bundles WHERE case_id = %s", case["id"]) > 0, key
        searched = platform.search("rachel", case["word"])
        assert case["id"] in str(searched.json()), key


def test_trends_still_count_the_erased_case(platform: Platform, world: dict[str, Any]) -> None:
    assert trends(platform, world["employer"]) == 5


def test_the_audit_chain_verifies_after_the_erasure(platform: Platform, world: dict[str, Any]) -> None:
    verified = workflow_command(platform, "verify-audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "audit chain intact" in verified.stdout


def test_a_second_run_finds_nothing_more_to_do(platform: Platform, world: dict[str, Any]) -> None:
    again = workflow_command(platform, "retention")
    assert again.returncode == 0, again.stderr
    assert world["old"]["reference"] not in again.stdout


def test_a_kind_still_missing_a_receipt_is_asked_for_again_and_answered(
    platform: Platform, world: dict[str, Any]
) -> None:
    """As if search's receipt for the case record had been lost an hour and more ago."""
    old = world["old"]["id"]
    with platform.superuser_db() as conn:
        conn.execute(
            "UPDATE workflow.data_erasures SET receipts = receipts - 'search', done_at = NULL, "
            "sent_at = now() - interval '2 hours' WHERE case_id = %s AND kind = 'case_record'",
            (old,),
        )
        sent_before = conn.execute(
            "SELECT count(*) FROM workflow.outbox WHERE topic = 'dataprotection.erasures' AND key = %s", (old,)
        ).fetchone()[0]
    run = workflow_command(platform, "retention")
    assert run.returncode == 0, run.stderr
    assert "1 case(s) asked again" in run.stdout, run.stdout
    assert (
        count(
            platform, "SELECT count(*) FROM workflow.outbox WHERE topic = 'dataprotection.erasures' AND key = %s", old
        )
        == sent_before + 1
    )
    answered = eventually(lambda: done_kinds(platform, old).get("case_record") == (["search", "workflow"], True), 120)
    assert answered, done_kinds(platform, old)
