"""The audit log: every change and read is recorded, chained by hash, and tampering is found."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

import testdocs
from casework_local.services import SERVICES, service_env
from harness import Platform

pytestmark = pytest.mark.stack


@pytest.fixture
def superuser(platform: Platform) -> Iterator[psycopg.Connection]:
    with platform.superuser_db() as conn:
        yield conn


def verify(platform: Platform) -> subprocess.CompletedProcess[str]:
    """The operator's command: python -m casework_workflow verify-audit, with workflow's own settings."""
    spec = next(s for s in SERVICES if s.name == "workflow")
    return subprocess.run(
        [sys.executable, "-m", "casework_workflow", "verify-audit"],
        capture_output=True,
        text=True,
        env={**service_env(spec, platform.config, platform.stack.servers), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )


def audit_rows(conn: psycopg.Connection, **where: str) -> list[tuple[Any, ...]]:
    conditions = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in where)
    query = sql.SQL("SELECT id, actor, action, case_id::text, resource FROM workflow.audit_log WHERE {}")
    return conn.execute(query.format(conditions), tuple(where.values())).fetchall()


def test_reads_and_changes_are_recorded(platform: Platform, superuser: psycopg.Connection) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    assert audit_rows(superuser, case_id=case["id"], action="case.create", actor="rachel")
    platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}")
    assert audit_rows(superuser, case_id=case["id"], action="case.read", actor="maria")
    upload = platform.upload("rachel", case["id"], [("n.pdf", testdocs.text_pdf(["Audit me"]), "application/pdf")])
    evidence_id = upload.json()["items"][0]["id"]
    platform.wait_for_status("rachel", evidence_id)
    platform.call("maria", "GET", "intake", f"/v1/evidence/{evidence_id}/content")
    reads = audit_rows(superuser, case_id=case["id"], action="evidence.read", actor="maria")
    assert [r[4] for r in reads] == [f"evidence:{evidence_id}/content"]
    assert audit_rows(superuser, case_id=case["id"], action="evidence.attach", actor="rachel")
    platform.search("maria", "audit")
    assert audit_rows(superuser, action="search", actor="maria")


def test_admins_cannot_read_case_content_at_all(platform: Platform, superuser: psycopg.Connection) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    word = testdocs.fresh_word()
    upload = platform.upload(
        "rachel", case["id"], [("a.pdf", testdocs.text_pdf([f"Admin test {word}"]), "application/pdf")]
    )
    evidence_id = upload.json()["items"][0]["id"]
    platform.wait_for_status("rachel", evidence_id)
    for path in (
        f"/v1/cases/{case['id']}",
        f"/v1/cases/{case['id']}/timeline",
        f"/v1/cases/{case['id']}/summary",
        f"/v1/cases/{case['id']}/referrals",
    ):
        assert platform.call("ada", "GET", "workflow", path).status_code == 404, path
    assert platform.call("ada", "GET", "workflow", "/v1/cases").json()["items"] == []
    for path in (
        f"/v1/evidence/{evidence_id}",
        f"/v1/evidence/{evidence_id}/content",
        f"/v1/cases/{case['id']}/evidence",
    ):
        assert platform.call("ada", "GET", "intake", path).status_code == 404, path
    assert platform.search("ada", word).json()["items"] == []
    assert not audit_rows(superuser, case_id=case["id"], actor="ada", action="case.read")


def test_verify_reports_the_first_broken_link(platform: Platform, superuser: psycopg.Connection) -> None:
    platform.create_case("rachel", "M100001", name="Maria Okafor")
    intact = verify(platform)
    assert intact.returncode == 0 and "audit chain intact" in intact.stdout, intact.stdout + intact.stderr

    # The service's own role cannot edit the log at all.
    ports, secrets = platform.config.ports, platform.config.secrets
    with (
        psycopg.connect(
            host="127.0.0.1",
            port=ports["postgres"],
            dbname="casework",
            user="workflow",
            password=secrets.db_passwords["workflow"],
        ) as conn,
        pytest.raises(psycopg.errors.RaiseException, match="append-only"),
    ):
        conn.execute("DELETE FROM workflow.audit_log WHERE id = 1")

    # A superuser bypassing the trigger edits one record in the middle of the chain.
    target, original = superuser.execute(
        "SELECT id, detail FROM workflow.audit_log ORDER BY id OFFSET 2 LIMIT 1"
    ).fetchone()
    try:
        with superuser.transaction():
            superuser.execute("SET LOCAL session_replication_role = replica")
            superuser.execute(
                "UPDATE workflow.audit_log SET detail = %s WHERE id = %s", (json.dumps({"quietly": "changed"}), target)
            )
        broken = verify(platform)
        assert broken.returncode == 1
        assert f"audit chain broken at record {target}: its contents were changed" in broken.stdout
    finally:
        with superuser.transaction():
            superuser.execute("SET LOCAL session_replication_role = replica")
            superuser.execute("UPDATE workflow.audit_log SET detail = %s WHERE id = %s", (json.dumps(original), target))
    time.sleep(0.1)
    assert verify(platform).returncode == 0
