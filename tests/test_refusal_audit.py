"""Refused requests are audited (docs/design.md, 'Identity and access'): an unauthenticated caller,
a rep of another branch and a member of another case are refused by workflow, intake, search and
notify; each refusal is in the audit log with who (user, role, subject, client, address), what
(method, route, path, ids) and why (status, reason), and counted on the service's /metrics. Allowed
requests are not audited as refusals. One caller refused past the per-caller budget is one burst,
and the rest one count."""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
import requests
from requests.adapters import HTTPAdapter

from casework_common.settings import HttpSettings
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

PER_CALLER = HttpSettings.model_fields["refusal_audit_per_caller"].default
WINDOW_S = float(
    os.environ.get("CASEWORK_REFUSAL_AUDIT_WINDOW_S", HttpSettings.model_fields["refusal_audit_window_s"].default)
)


class FromAddress(HTTPAdapter):
    """Connects from a loopback address of its own, so the services see each caller at its own address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Caller:
    username: str | None  # the audit log's actor; None: no valid token ("anonymous")
    role: str
    token: str = ""
    address: str = field(
        default_factory=lambda: f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    )
    subject: str = ""

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount("http://", FromAddress(self.address))
        if self.token:
            session.headers["Authorization"] = f"Bearer {self.token}"
        return session


@dataclass(frozen=True)
class Expected:
    service: str
    method: str
    path: str
    route: str
    status: int
    reason: str
    resource: str | None = None
    case_id: str | None = None


def outsider(platform: Platform, like: str, role: str, **claims: Any) -> Caller:
    """A user no test has used before (a fresh subject and username), with ``like``'s roles and branch."""
    subject, username = str(uuid.uuid4()), f"{like}-{uuid.uuid4().hex[:8]}"
    token = platform.forge(like, sub=subject, preferred_username=username, **claims)
    return Caller(username, role, token, subject=subject)


def refused(conn: psycopg.Connection, since: int, action: str = "request.refused") -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT actor, actor_role, case_id::text, resource, detail FROM workflow.audit_log"
        " WHERE id > %s AND action = %s ORDER BY id",
        (since, action),
    ).fetchall()
    return [{"actor": a, "actor_role": r, "case_id": c, "resource": res, **d} for a, r, c, res, d in rows]


def last_audit_id(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT coalesce(max(id), 0) FROM workflow.audit_log").fetchone()[0]


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    """``probe()`` once it is truthy (records reach the log through Kafka, so not at once)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what}: not seen within {timeout_s}s; last probe gave {probe()!r}")


def refusal_counts(platform: Platform, expected: list[Expected]) -> dict[tuple[str, int, str], float]:
    keys = {(e.service, e.status, e.reason) for e in expected}
    return {
        (s, status, reason): platform.metric(s, "refused_requests_total", status=str(status), reason=reason)
        for s, status, reason in keys
    }


@pytest.fixture(scope="module")
def superuser(platform: Platform) -> Iterator[psycopg.Connection]:
    """Reads the audit log as the database owner (the services cannot query each other's schemas)."""
    with platform.superuser_db() as conn:
        yield conn


@pytest.fixture(scope="module")
def case(platform: Platform) -> dict[str, str]:
    created = platform.create_case("rachel", unique_number(), name="Refusal Audit")
    upload = platform.upload("rachel", created["id"], [("r.txt", b"refusal audit evidence", "text/plain")])
    assert upload.status_code == 201, upload.text
    return {"case": created["id"], "evidence": upload.json()["items"][0]["id"]}


def test_every_refusal_is_audited_with_who_what_and_why_and_counted(
    platform: Platform,
    superuser: psycopg.Connection,
    case: dict[str, str],
) -> None:
    c, e = case["case"], case["evidence"]
    anonymous = Caller(None, "none")
    rep = outsider(platform, "ravi", "rep")  # rep of another branch (south-london)
    member = outsider(platform, "mark", "member", membership_number=unique_number())  # a member of another case
    garbage = Caller(None, "none", token="not-a-jwt")
    calls: list[tuple[Caller, Expected]] = [
        (anonymous, Expected("workflow", "GET", f"/v1/cases/{c}", "/v1/cases/<case_id>", 401, "token-missing",
                             f"case:{c}", c)),
        (anonymous, Expected("intake", "GET", f"/v1/evidence/{e}", "/v1/evidence/<evidence_id>", 401,
                             "token-missing", f"evidence:{e}")),
        (anonymous, Expected("search", "GET", "/v1/search", "/v1/search", 401, "token-missing")),
        (anonymous, Expected("notify", "GET", "/v1/inbox", "/v1/inbox", 401, "token-missing")),
        (garbage, Expected("workflow", "GET", "/v1/cases", "/v1/cases", 401, "token-malformed")),
        (rep, Expected("workflow", "GET", f"/v1/cases/{c}", "/v1/cases/<case_id>", 404, "not-visible",
                       f"case:{c}", c)),
        (rep, Expected("workflow", "GET", "/v1/referrals", "/v1/referrals", 403, "forbidden")),
        (rep, Expected("intake", "GET", f"/v1/evidence/{e}", "/v1/evidence/<evidence_id>", 404, "not-visible",
                       f"evidence:{e}")),
        (rep, Expected("intake", "GET", f"/v1/cases/{c}/evidence", "/v1/cases/<case_id>/evidence", 404,
                       "not-visible", f"case:{c}", c)),
        (rep, Expected("search", "GET", f"/v1/cases/{c}/comparators", "/v1/cases/<case_id>/comparators", 404,
                       "not-visible", f"case:{c}", c)),
        (rep, Expected("search", "POST", "/v1/admin/reindex", "/v1/admin/reindex", 403, "forbidden")),
        (rep, Expected("notify", "POST", "/v1/digests/run", "/v1/digests/run", 403, "forbidden")),
        (member, Expected("workflow", "GET", f"/v1/cases/{c}", "/v1/cases/<case_id>", 404, "not-visible",
                          f"case:{c}", c)),
        (member, Expected("workflow", "POST", "/v1/cases", "/v1/cases", 403, "forbidden")),
        (member, Expected("intake", "GET", f"/v1/evidence/{e}/content", "/v1/evidence/<evidence_id>/content",
                          404, "not-visible", f"evidence:{e}")),
        (member, Expected("notify", "POST", f"/v1/inbox/{e}/read", "/v1/inbox/<item_id>/read", 404,
                          "not-visible", f"item:{e}")),
    ]  # fmt: skip
    before = refusal_counts(platform, [x for _, x in calls])
    since = last_audit_id(superuser)
    bodies = {"POST /v1/cases": {"member": {"name": "N", "membership_number": "M999999"}, "case_type": "grievance"}}

    for caller, expected in calls:
        response = caller.session().request(
            expected.method,
            f"{platform.url(expected.service)}{expected.path}",
            json=bodies.get(f"{expected.method} {expected.path}"),
            timeout=30,
        )
        assert response.status_code == expected.status, (expected, response.text)
    # Allowed requests by the same callers and by the case's rep: none of them is a refusal.
    assert rep.session().get(f"{platform.url('workflow')}/v1/cases", timeout=10).status_code == 200
    assert member.session().get(f"{platform.url('notify')}/v1/inbox", timeout=10).status_code == 200
    assert platform.call("rachel", "GET", "workflow", f"/v1/cases/{c}").status_code == 200
    assert platform.call("rachel", "GET", "intake", f"/v1/evidence/{e}").status_code == 200

    def ours() -> list[dict[str, Any]]:
        addresses = {caller.address for caller, _ in calls}
        return [r for r in refused(superuser, since) if r["remote_address"] in addresses]

    records = wait_for("every refusal in the audit log", lambda: len(ours()) >= len(calls) and ours())
    assert len(records) == len(calls), records
    for caller, expected in calls:
        matching = [
            r
            for r in records
            if r["remote_address"] == caller.address and r["service"] == expected.service and r["path"] == expected.path
        ]
        assert len(matching) == 1, (expected, records)
        (record,) = matching
        assert record["actor"] == (caller.username or "anonymous")
        assert record["actor_role"] == caller.role
        assert record["subject"] == (caller.subject or None)
        assert record["client"] == ("casework-dev" if caller.subject else None)
        assert (record["method"], record["route"], record["status"], record["reason"]) == (
            expected.method,
            expected.route,
            expected.status,
            expected.reason,
        )
        assert (record["resource"], record["case_id"]) == (expected.resource, expected.case_id)
        assert len(record["trace_id"]) == 32
    assert not [r for r in refused(superuser, since) if r["actor"] == "rachel"]

    after = refusal_counts(platform, [x for _, x in calls])
    wanted = {key: 0.0 for key in before}
    for _, expected in calls:
        wanted[(expected.service, expected.status, expected.reason)] += 1
    assert {key: after[key] - before[key] for key in before} == wanted


def test_a_caller_refused_past_the_budget_is_one_burst_and_one_count(
    platform: Platform,
    superuser: psycopg.Connection,
    case: dict[str, str],
) -> None:
    prober = Caller(None, "none")
    since = last_audit_id(superuser)
    bursts = platform.metric("workflow", "refusal_bursts_total")
    extra = 7
    session = prober.session()
    for i in range(PER_CALLER + extra):
        response = session.get(f"{platform.url('workflow')}/v1/cases/{uuid.uuid4()}", timeout=10)
        assert response.status_code == 401, (i, response.text)
    assert platform.metric("workflow", "refusal_bursts_total") == bursts + 1

    def mine(action: str) -> list[dict[str, Any]]:
        return [r for r in refused(superuser, since, action) if r["remote_address"] == prober.address]

    # The window ends WINDOW_S after the first refusal; then the held-back ones arrive as one count.
    (summary,) = wait_for("the count of held-back refusals", lambda: mine("request.refused.suppressed"),
                          timeout_s=WINDOW_S + 60)  # fmt: skip
    assert summary["suppressed"] == extra and summary["window_seconds"] == WINDOW_S
    assert summary["actor"] == "anonymous" and summary["status"] == 401
    assert len(mine("request.refused")) == PER_CALLER
