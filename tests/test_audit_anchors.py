"""The audit trail outside the database (docs/design.md, 'The audit trail: redaction, anchors,
access reviews'): signed anchors under a COMPLIANCE lock that a Postgres superuser cannot reach, and
redaction of a case's audit content that keeps the chain.

Everything runs against the real stack: SeaweedFS's object lock, Postgres's trigger, and the
operator's commands (``python -m casework_workflow verify-audit`` / ``anchor-audit``) with the
workflow service's own settings. Each command is a process of its own; most are forked from one
that imported the service once (tests/lib/operator_commands.py: a start costs seconds, and this
module runs about twenty), and each command also runs once as a real ``python -m``
(test_an_anchor_cannot_be_deleted_shortened_or_replaced).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import requests
import sqlalchemy
from minio import Minio
from minio.commonconfig import COMPLIANCE, GOVERNANCE
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.retention import Retention
from operator_commands import OperatorCommands
from psycopg import sql
from psycopg.rows import namedtuple_row

from casework_local.services import SERVICES, service_env
from casework_workflow import audit, audit_anchors
from harness import Platform

pytestmark = pytest.mark.stack

BUCKET = "casework-audit-anchors"


def workflow_env(platform: Platform, **overrides: str) -> dict[str, str]:
    spec = next(s for s in SERVICES if s.name == "workflow")
    return {**service_env(spec, platform.config, platform.stack.servers), "PATH": "/usr/bin:/bin", **overrides}


def command(platform: Platform, *args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    """``python -m casework_workflow <args>`` as the operator runs it, with workflow's settings: a real
    start (the other tests fork theirs from the ``workflow`` fixture's process)."""
    return subprocess.run(
        [sys.executable, "-m", "casework_workflow", *args],
        capture_output=True,
        text=True,
        env=workflow_env(platform, **overrides),
        timeout=120,
    )


@pytest.fixture(scope="module")
def workflow(platform: Platform) -> Iterator[OperatorCommands]:
    """``python -m casework_workflow <args>`` with workflow's settings, each a process forked from one
    that imported the service once (see tests/lib/operator_commands.py)."""
    commands = OperatorCommands("casework_workflow", workflow_env(platform))
    yield commands
    commands.close()


def in_workflow(workflow: OperatorCommands, code: str) -> str:
    """Run ``code`` in a process with workflow's settings and database role (not a superuser);
    ``engine`` and ``audit`` are defined. Returns its standard output."""
    script = (
        "from casework_common import db\n"
        "from casework_workflow import audit\n"
        "from casework_workflow.settings import WorkflowSettings\n"
        "engine = db.make_engine(WorkflowSettings())\n" + code
    )
    done = workflow.run_code(script)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def superuser(platform: Platform) -> Iterator[psycopg.Connection]:
    with platform.superuser_db() as conn:
        conn.row_factory = namedtuple_row  # type: ignore[assignment]
        yield conn


@pytest.fixture
def as_workflow(platform: Platform) -> Iterator[psycopg.Connection]:
    """The workflow service's own database role, autocommit (each statement on its own)."""
    with psycopg.connect(
        host="127.0.0.1",
        port=platform.config.ports["postgres"],
        dbname="casework",
        user="workflow",
        password=platform.config.secrets.db_passwords["workflow"],
        autocommit=True,
    ) as conn:
        yield conn


def s3_client(platform: Platform, access_key: str, secret_key: str) -> Minio:
    return Minio(f"127.0.0.1:{platform.config.ports['s3']}", access_key=access_key, secret_key=secret_key, secure=False)


@pytest.fixture
def s3(platform: Platform) -> Minio:
    """The platform's ordinary S3 identity (the one every service has)."""
    return s3_client(platform, platform.config.secrets.s3_access_key, platform.config.secrets.s3_secret_key)


def public_key(platform: Platform) -> Any:
    return audit_anchors.load_private_key(platform.config.secrets.audit_signing_key).public_key()


def stored_anchors(s3: Minio) -> list[tuple[str, str | None, bytes]]:
    return audit_anchors.read_anchors(s3, BUCKET)


def wait_for_anchor(s3: Minio, at_least: int, timeout_s: float = 60.0) -> tuple[str, audit_anchors.Anchor]:
    """The first anchor found of a record at or after ``at_least`` (written by the service's loop)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if s3.bucket_exists(BUCKET):
            for name, _, data in stored_anchors(s3):
                anchor = audit_anchors.Anchor.parse(data)
                if anchor.record_id >= at_least:
                    return name, anchor
        time.sleep(0.5)
    raise AssertionError(f"no anchor of record {at_least} or later within {timeout_s}s")


def head(conn: psycopg.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT last_id, last_hash FROM workflow.audit_head").fetchone()
    return row.last_id, row.last_hash


def rewrite(conn: psycopg.Connection, changes: dict[int, dict[str, Any]]) -> None:
    """What a Postgres superuser can do: change records' details, recompute every content digest
    and hash from the first changed record to the end with the published algorithm, and move the
    head to match. Triggers are bypassed; appends wait on the head's lock meanwhile."""
    first = min(changes)
    with conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("SELECT 1 FROM workflow.audit_head FOR UPDATE")
        rows = conn.execute("SELECT * FROM workflow.audit_log WHERE id >= %s ORDER BY id", (first,)).fetchall()
        prev_hash = rows[0].prev_hash
        for row in rows:
            detail = changes.get(row.id, row.detail)
            assert row.scheme == audit.SCHEME, "the test rewrites records written since migration 0010 only"
            digest = (
                row.content_digest  # a redacted record: its digest can only be kept
                if row.redacted_at
                else audit.content_digest(row.content_salt, row.actor, row.resource, detail)
            )
            frame = audit._frame(row.id, row.at, row.actor, row.actor_role, row.action, row.case_id, digest, prev_hash)
            new_hash = audit._digest(frame)
            conn.execute(
                "UPDATE workflow.audit_log SET detail = %s, content_digest = %s, prev_hash = %s, hash = %s"
                " WHERE id = %s",
                (json.dumps(detail), digest, prev_hash, new_hash, row.id),
            )
            prev_hash = new_hash
        conn.execute("UPDATE workflow.audit_head SET last_id = %s, last_hash = %s", (rows[-1].id, prev_hash))


def test_the_service_anchors_the_moving_head_under_a_compliance_lock(
    platform: Platform, superuser: psycopg.Connection, s3: Minio, workflow: OperatorCommands
) -> None:
    ready = requests.get(f"{platform.url('workflow')}/readyz", timeout=10).json()
    assert ready["notes"]["audit_anchoring"].startswith("on: every 5 s"), ready

    platform.create_case("rachel", "M100001", name="Maria Okafor")
    changed_at, _ = head(superuser)
    name, anchor = wait_for_anchor(s3, changed_at)  # nobody asked: the service's own loop wrote it

    assert anchor.signed_by([public_key(platform)])
    record = superuser.execute(
        "SELECT action, actor, hash FROM workflow.audit_log WHERE id = %s", (anchor.record_id,)
    ).fetchone()
    # The anchorer audits itself, and signs the head that includes that record.
    assert (record.action, record.actor, record.hash) == (audit_anchors.ANCHORED, "workflow", anchor.hash)
    retention = s3.get_object_retention(BUCKET, name)
    assert retention.mode == COMPLIANCE
    assert retention.retain_until_date > dt.datetime.now(dt.UTC) + dt.timedelta(days=3000)

    # Asked again with nothing new in the log, nothing new is signed.
    first = workflow.run("anchor-audit")
    before = head(superuser)
    again = workflow.run("anchor-audit")
    assert first.returncode == 0 and again.returncode == 0, first.stdout + again.stdout + again.stderr
    if head(superuser) == before:
        assert "already anchored" in again.stdout, again.stdout


def test_an_anchor_cannot_be_deleted_shortened_or_replaced(platform: Platform, s3: Minio) -> None:
    platform.create_case("rachel", "M100001", name="Maria Okafor")
    anchored = command(platform, "anchor-audit")
    assert anchored.returncode == 0, anchored.stdout + anchored.stderr
    name, version, original = max(stored_anchors(s3))
    assert version, "the anchor bucket is versioned (object lock)"
    anchor = audit_anchors.Anchor.parse(original)

    identities = [s3]
    secrets = platform.config.secrets
    if getattr(secrets, "s3_retention_access_key", None):  # the identity that may bypass governance locks
        identities.append(s3_client(platform, secrets.s3_retention_access_key, secrets.s3_retention_secret_key))
    far = dt.datetime.now(dt.UTC) + dt.timedelta(days=20000)
    locked = s3.get_object_retention(BUCKET, name, version_id=version)
    assert locked.mode == COMPLIANCE
    for client in identities:
        with pytest.raises(S3Error):
            client.remove_object(BUCKET, name, version_id=version)
        errors = list(client.remove_objects(BUCKET, [DeleteObject(name, version)], bypass_governance_mode=True))
        assert errors, "a COMPLIANCE-locked version was deleted with bypass-governance"
        with pytest.raises(S3Error):
            client.set_object_retention(
                BUCKET, name, Retention(COMPLIANCE, dt.datetime.now(dt.UTC) + dt.timedelta(days=1)), version_id=version
            )
        with pytest.raises(S3Error):  # a lock turned to GOVERNANCE could then be bypassed
            client.set_object_retention(BUCKET, name, Retention(GOVERNANCE, far), version_id=version)
        kept = s3.get_object_retention(BUCKET, name, version_id=version)
        assert (kept.mode, kept.retain_until_date) == (COMPLIANCE, locked.retain_until_date)

    # Writing the same key again (here a genuine re-signature, so the bucket stays clean for the
    # other tests) at most adds a version: the locked one is still there, byte for byte.
    again = audit_anchors.Anchor.sign(
        anchor.record_id,
        anchor.hash,
        audit_anchors.load_private_key(secrets.audit_signing_key),
        dt.datetime.now(dt.UTC),
    ).to_json()
    with contextlib.suppress(S3Error):  # refusing the write outright is as good
        s3.put_object(BUCKET, name, io.BytesIO(again), len(again), content_type="application/json")
    response = s3.get_object(BUCKET, name, version_id=version)
    try:
        assert response.read() == original
    finally:
        response.close()
        response.release_conn()

    verified = command(platform, "verify-audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "every one matches the chain" in verified.stdout


def test_a_superuser_rewrite_of_records_and_head_is_found_by_the_anchors(
    platform: Platform, superuser: psycopg.Connection, workflow: OperatorCommands
) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}")
    anchored = workflow.run("anchor-audit")
    assert anchored.returncode == 0, anchored.stdout + anchored.stderr
    target = superuser.execute(
        "SELECT id, detail FROM workflow.audit_log WHERE case_id = %s AND action = 'case.create'", (case["id"],)
    ).fetchone()

    intact = workflow.run("verify-audit")
    assert intact.returncode == 0, intact.stdout + intact.stderr

    rewrite(superuser, {target.id: {**target.detail, "quietly": "rewritten"}})
    try:
        # The chain in the database is consistent again: the old in-database check passes...
        in_db_only = workflow.run("verify-audit", CASEWORK_AUDIT_SIGNING_KEY="")
        assert in_db_only.returncode == 0, in_db_only.stdout + in_db_only.stderr
        assert "audit chain intact" in in_db_only.stdout and "anchors not checked" in in_db_only.stdout
        # ...but the anchors written before the rewrite still hold the old hashes.
        against_anchors = workflow.run("verify-audit")
        assert against_anchors.returncode == 1, against_anchors.stdout + against_anchors.stderr
        assert "audit chain intact" in against_anchors.stdout
        assert "anchor mismatch: record" in against_anchors.stdout
        assert "the chain up to it was rewritten" in against_anchors.stdout
        # And the anchorer refuses to vouch for the rewritten chain.
        refused = workflow.run("anchor-audit")
        assert refused.returncode == 1 and "not anchored" in refused.stdout, refused.stdout + refused.stderr
    finally:
        rewrite(superuser, {target.id: target.detail})
    restored = workflow.run("verify-audit")
    assert restored.returncode == 0, restored.stdout + restored.stderr


def test_redaction_keeps_the_chain_and_removes_the_content(
    platform: Platform, superuser: psycopg.Connection, workflow: OperatorCommands
) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}")
    changed = platform.call("rachel", "PATCH", "workflow", f"/v1/cases/{case['id']}", json={"summary": "Changed."})
    assert changed.status_code == 200, changed.text
    due = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
    deadline = platform.call(  # a record with a resource (deadline:<id>) and a detail
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/deadlines",
        json={"kind": "other", "label": "Meet Maria Okafor's manager", "due_on": due},
    )
    assert deadline.status_code == 201, deadline.text
    query = "SELECT * FROM workflow.audit_log WHERE case_id = %s ORDER BY id"
    before = {r.id: r for r in superuser.execute(query, (case["id"],)).fetchall()}
    assert {r.actor_role for r in before.values()} >= {"rep", "member"}
    assert any(r.detail for r in before.values()) and any(r.resource for r in before.values())

    # Not without an erasure of the case record: redact_case refuses, and so would the trigger.
    refused = (
        "try:\n"
        f"    with engine.begin() as c:\n        audit.redact_case(c, '{case['id']}')\n"
        "except audit.NotErased:\n    print('refused')\n"
    )
    assert in_workflow(workflow, refused) == "refused\n"
    assert all(r.redacted_at is None for r in superuser.execute(query, (case["id"],)).fetchall())

    redact = f"with engine.begin() as c:\n    print(audit.redact_case(c, '{case['id']}'))\n"
    mark_erased(superuser, case["id"])
    assert int(in_workflow(workflow, redact)) >= len(before)
    after = {r.id: r for r in superuser.execute(query, (case["id"],)).fetchall()}
    for record_id, old in before.items():
        new = after[record_id]
        assert new.redacted_at is not None
        assert (new.detail, new.resource, new.content_salt) == (audit.REDACTED_DETAIL, None, None)
        assert (new.hash, new.prev_hash, new.content_digest, new.action, new.at) == (
            old.hash,
            old.prev_hash,
            old.content_digest,
            old.action,
            old.at,
        )
        # Staff stay accountable; the member's own username would tie the case back to them.
        assert new.actor == (audit.REDACTED_ACTOR if old.actor_role == "member" else old.actor)
    assert "maria" not in {r.actor for r in after.values()}

    assert in_workflow(workflow, redact) == "0\n"  # idempotent
    verified = workflow.run("verify-audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def mark_erased(conn: psycopg.Connection, case_id: str) -> None:
    """The case's record counts as erased (what an erasure inserts before it redacts), done already
    so the retention job never resends it."""
    conn.execute(
        "INSERT INTO workflow.data_erasures (case_id, kind, reason, request_id, requested_by, done_at)"
        " VALUES (%s, 'case_record', 'request', 'test', 'test', now())",
        (case_id,),
    )


def update(assignments: str) -> sql.Composed:
    """An UPDATE of one audit record (``id = %s``) with these assignments."""
    return sql.SQL("UPDATE workflow.audit_log SET {} WHERE id = %s").format(sql.SQL(assignments))  # type: ignore[arg-type]


def test_the_trigger_allows_the_redaction_and_nothing_else(
    platform: Platform, superuser: psycopg.Connection, as_workflow: psycopg.Connection, workflow: OperatorCommands
) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    platform.call("maria", "GET", "workflow", f"/v1/cases/{case['id']}")
    rep_id = (
        superuser.execute(
            "SELECT min(id) AS id FROM workflow.audit_log WHERE case_id = %s AND actor_role = 'rep'", (case["id"],)
        )
        .fetchone()
        .id
    )
    member_id = (
        superuser.execute(
            "SELECT min(id) AS id FROM workflow.audit_log WHERE case_id = %s AND actor_role = 'member'", (case["id"],)
        )
        .fetchone()
        .id
    )
    redaction = "detail = '{\"redacted\": true}', resource = NULL, content_salt = NULL, redacted_at = now()"
    # The case is live: nothing of it may be redacted, not even in the correct form.
    for statement, record_id in (
        (update(redaction), rep_id),
        (update(redaction + ", actor = '[redacted]'"), member_id),
    ):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            as_workflow.execute(statement, (record_id,))
    mark_erased(superuser, case["id"])
    refused = [
        (update("detail = '{\"x\": 1}'"), rep_id),
        (update(redaction + ", hash = 'x'"), rep_id),
        (update(redaction + ", content_digest = 'x'"), rep_id),
        (update(redaction + ", action = 'case.read'"), rep_id),
        (update(redaction + ", actor = 'someone'"), rep_id),
        (update("detail = '{}', resource = NULL, content_salt = NULL, redacted_at = now()"), rep_id),  # no marker
        (update("resource = NULL, content_salt = NULL, redacted_at = now()"), rep_id),  # content left in place
        (update(redaction), member_id),  # the member's username kept
        (sql.SQL("DELETE FROM workflow.audit_log WHERE id = %s"), rep_id),
    ]
    for statement, record_id in refused:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            as_workflow.execute(statement, (record_id,))
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        as_workflow.execute("TRUNCATE workflow.audit_log")

    # Exactly the redaction is allowed, once.
    as_workflow.execute(update(redaction), (rep_id,))
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        as_workflow.execute(update("detail = '{\"back\": 1}'"), (rep_id,))
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        as_workflow.execute(update("redacted_at = NULL"), (rep_id,))
    as_workflow.execute(update(redaction + ", actor = '[redacted]'"), (member_id,))
    verified = workflow.run("verify-audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def case_list_record(platform: Platform, conn: psycopg.Connection, user: str, case_id: str) -> int:
    """The id of a fresh ``case.list`` record of ``user`` whose listing names ``case_id``."""
    listed = platform.call(user, "GET", "workflow", "/v1/cases")
    assert listed.status_code == 200, listed.text
    row = conn.execute(
        "SELECT max(id) AS id FROM workflow.audit_log WHERE action = 'case.list' AND actor = %s"
        " AND detail->'cases' ? %s",
        (user, case_id),
    ).fetchone()
    assert row.id is not None
    return row.id


def test_a_case_less_record_is_redacted_only_for_an_erased_case_it_names_next_to_a_member(
    platform: Platform, superuser: psycopg.Connection, as_workflow: psycopg.Connection, workflow: OperatorCommands
) -> None:
    erased = platform.create_case("rachel", "M100001", name="Maria Okafor")
    live = platform.create_case("rachel", "M100001", name="Maria Okafor")
    mark_erased(superuser, erased["id"])
    members = case_list_record(platform, superuser, "maria", erased["id"])
    staff = case_list_record(platform, superuser, "rachel", erased["id"])

    def marker(case_id: str | None, actor: str = ", actor = '[redacted]'") -> sql.Composed:
        detail = {"redacted": True} | ({"erased_case": case_id} if case_id else {})
        return update(
            f"detail = '{json.dumps(detail)}', resource = NULL, content_salt = NULL, redacted_at = now(){actor}"
        )

    refused = [
        (marker(live["id"]), members),  # names a case that is not erased
        (marker(erased["id"], actor=""), members),  # the member's username kept
        (marker(str(uuid.uuid4())), members),  # a case it does not name
        (marker(None), members),  # the marker must say which erased case
        (marker(erased["id"], actor=""), staff),  # a rep's list is not the member's
    ]
    for statement, record_id in refused:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            as_workflow.execute(statement, (record_id,))
    as_workflow.execute(marker(erased["id"]), (members,))
    verified = workflow.run("verify-audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_verify_reports_a_redaction_of_a_case_that_was_never_erased(
    platform: Platform, superuser: psycopg.Connection, workflow: OperatorCommands
) -> None:
    """What a superuser who bypasses the trigger could do: redact a live case's record in the
    correct form (chain, digest and anchors all still agree). Done in a transaction rolled back
    after the check, so the log stays clean for the other tests."""
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    target = superuser.execute(
        "SELECT id FROM workflow.audit_log WHERE case_id = %s AND action = 'case.create'", (case["id"],)
    ).fetchone()

    def connect() -> psycopg.Connection:
        conn = platform.superuser_db()
        conn.autocommit = False  # the forged redaction must stay inside the transaction
        conn.execute("SET search_path = workflow")
        conn.commit()
        return conn

    engine = sqlalchemy.create_engine("postgresql+psycopg://", creator=connect)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql(
                "UPDATE audit_log SET detail = '{\"redacted\": true}', resource = NULL, content_salt = NULL,"
                " redacted_at = now() WHERE id = %s",
                (target.id,),
            )
            verdict = audit.verify(conn)
            conn.rollback()
    finally:
        engine.dispose()
    assert not verdict.intact
    assert verdict.broken_at == target.id, verdict
    assert verdict.reason == "it was redacted, but its case was never erased"
    verified = workflow.run("verify-audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_an_erasure_leaves_no_record_that_ties_the_case_to_the_member(
    platform: Platform, superuser: psycopg.Connection, workflow: OperatorCommands
) -> None:
    """The member's own case list and calendar-feed fetch (no case_id, the case in detail.cases)
    and the data-protection officer's subject-access preview (resource member:<number>) name the
    case next to the member; after the erasure none of them does, and the chain still verifies."""
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    case_id = case["id"]
    due = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
    deadline = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case_id}/deadlines",
        json={"kind": "other", "label": "Meeting", "due_on": due, "visibility": "member"},
    )
    assert deadline.status_code == 201, deadline.text
    assert platform.call("maria", "GET", "workflow", f"/v1/cases/{case_id}").status_code == 200
    case_list_record(platform, superuser, "maria", case_id)
    case_list_record(platform, superuser, "rachel", case_id)
    feed = platform.call("maria", "POST", "workflow", "/v1/calendar-feeds", json={"label": "Phone"})
    assert feed.status_code == 201, feed.text
    token = feed.json()["url"].rsplit("/", 1)[1].removesuffix(".ics")
    fetched = requests.get(f"{platform.url('workflow')}/v1/calendar/{token}.ics", timeout=30)
    assert fetched.status_code == 200, fetched.text
    preview = platform.call(
        "dana", "GET", "workflow", "/v1/data-protection/subject-access", params={"membership_number": "M100001"}
    )
    assert preview.status_code == 200, preview.text

    naming = (
        "SELECT * FROM workflow.audit_log WHERE case_id = %(id)s::uuid"
        " OR (jsonb_typeof(detail->'cases') = 'array' AND detail->'cases' ? %(text)s::text)"
        " OR detail->>'erased_case' = %(text)s::text ORDER BY id"
    )
    before = superuser.execute(naming, {"id": case_id, "text": case_id}).fetchall()
    actions = {(r.action, r.actor) for r in before}
    assert {("case.list", "maria"), ("calendar-feed.fetch", "maria")} <= actions, actions
    assert any(r.resource == "member:M100001" for r in before), "no subject-access record names the case"

    closing = platform.call(
        "rachel", "PATCH", "workflow", f"/v1/cases/{case_id}", json={"status": "closed", "outcome": "no_case_to_answer"}
    )
    assert closing.status_code == 200, closing.text
    erasure = platform.call(
        "dana",
        "POST",
        "workflow",
        "/v1/data-protection/erasure-requests",
        json={"case_id": case_id, "reason": "Member wrote in"},
    )
    assert erasure.status_code == 201, erasure.text

    after = superuser.execute(naming, {"id": case_id, "text": case_id}).fetchall()
    assert len(after) >= len(before)
    for row in after:
        content = json.dumps([row.actor, row.resource, row.detail])
        assert "maria" not in content and "M100001" not in content, (row.id, row.action, content)
    # Staff accountability stays: the rep's own list of the case is kept as written.
    assert any(r.actor == "rachel" and r.action == "case.list" and r.redacted_at is None for r in after)
    verified = workflow.run("verify-audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_verify_reports_a_chain_with_no_anchor_and_a_bad_public_key_without_a_traceback(
    platform: Platform, tmp_path: Any, workflow: OperatorCommands
) -> None:
    platform.create_case("rachel", "M100001", name="Maria Okafor")
    anchored = workflow.run("anchor-audit")
    assert anchored.returncode == 0, anchored.stdout + anchored.stderr
    # Another (missing) bucket configured: the chain records anchoring, but no anchor is there.
    elsewhere = workflow.run("verify-audit", CASEWORK_AUDIT_ANCHOR_BUCKET="casework-audit-anchors-missing")
    assert elsewhere.returncode == 1, elsewhere.stdout + elsewhere.stderr
    assert "audit chain intact" in elsewhere.stdout
    assert "anchor mismatch: no anchor signed by the key(s) in casework-audit-anchors-missing" in elsewhere.stdout

    missing = workflow.run("verify-audit", "--public-key", str(tmp_path / "nowhere.pem"))
    not_a_key = tmp_path / "not-a-key.pem"
    not_a_key.write_text("not a key\n")
    garbled = workflow.run("verify-audit", "--public-key", str(not_a_key))
    for done, path in ((missing, tmp_path / "nowhere.pem"), (garbled, not_a_key)):
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"cannot use --public-key {path}" in done.stderr
        assert "Traceback" not in done.stderr
