"""Sharing a bundle with the union's solicitors (docs/design.md, 'Bundles shared with solicitors'),
against the real platform: a rep shares a ready bundle with a named recipient, who gets the link and the
one-time code in two separate e-mails; the code opens a session that reads the index and downloads the
same bytes the rep downloads; wrong codes are counted and lock the share; a used code opens nothing;
revoked and expired links answer 410; every access reaches workflow's audit log; only staff with full
access manage shares; hostile bodies are 422."""

from __future__ import annotations

import re
import time
import uuid
from email.message import Message
from typing import Any

import pytest
import requests
from openapi_spec_validator import validate as validate_spec

from harness import Platform
from testdocs import fresh_word, letter_lines, text_pdf

pytestmark = pytest.mark.stack

MARIA = "M100001"  # the demo member maria (north-london); rachel is a rep of her branch, ravi of another
PROBLEM = "application/problem+json"
LINK = re.compile(r"https?://\S+/shared/([A-Za-z0-9_-]+)")
CODE = re.compile(r"^\s+([0-9]{6,8})\s*$", re.MULTILINE)


@pytest.fixture(scope="module")
def bundle(platform: Platform) -> dict[str, Any]:
    """A ready, member-visible bundle of one member-visible letter on a case of maria's."""
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    letter = text_pdf(letter_lines(fresh_word()))
    uploaded = platform.upload("rachel", case["id"], [("letter.pdf", letter, "application/pdf")], visibility="member")
    assert uploaded.status_code == 201, uploaded.text
    assert platform.wait_for_status("rachel", uploaded.json()["items"][0]["id"], timeout_s=180)["status"] == "indexed"
    body = {"title": f"Hearing bundle {uuid.uuid4().hex[:6]}", "member_visible": True}
    response = platform.call("rachel", "POST", "bundle", f"/v1/cases/{case['id']}/bundles", json=body)
    assert response.status_code == 202, response.text
    bundle_id = response.json()["id"]
    deadline = time.monotonic() + 240
    while True:
        current = platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle_id}").json()
        if current["status"] in ("ready", "failed"):
            break
        assert time.monotonic() < deadline, current
        time.sleep(0.25)
    assert current["status"] == "ready", current
    content = platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle_id}/volumes/1")
    assert content.status_code == 200
    return {**current, "pdf": content.content, "case_reference": case["reference"]}


def recipient() -> str:
    return f"solicitor-{uuid.uuid4().hex[:10]}@firm.example"


def share(platform: Platform, bundle: dict[str, Any], email: str, **extra: Any) -> dict[str, Any]:
    body = {"recipient_name": "Sol Icitor", "recipient_email": email, **extra}
    response = platform.call("rachel", "POST", "bundle", f"/v1/bundles/{bundle['id']}/shares", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def text_of(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def mails_for(platform: Platform, email: str, count: int) -> list[Message]:
    deadline = time.monotonic() + 30
    while True:
        found = [m for m in platform.mail() if email in (m["To"] or "")]
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"{len(found)} of {count} e-mails to {email}"
        time.sleep(0.2)


def secrets_of(platform: Platform, email: str) -> tuple[str, str]:
    """The link's token and the code, each from its own e-mail (never both in one)."""
    mails = mails_for(platform, email, 2)
    assert len(mails) == 2
    links = [text_of(m) for m in mails if LINK.search(text_of(m))]
    codes = [text_of(m) for m in mails if CODE.search(text_of(m))]
    assert len(links) == 1 and len(codes) == 1, [text_of(m) for m in mails]
    assert links[0] != codes[0]
    assert not CODE.search(links[0]) and not LINK.search(codes[0]) and "/shared/" not in codes[0]
    token, code = LINK.search(links[0]).group(1), CODE.search(codes[0]).group(1)
    assert code not in links[0] and token not in codes[0]
    return token, code


def shared(platform: Platform, token: str, method: str = "GET", path: str = "", session: str = "", **kw: Any):
    headers = {"X-Share-Session": session} if session else {}
    return platform.call(None, method, "bundle", f"/v1/shared/{token}{path}", headers=headers, **kw)


def open_session(platform: Platform, token: str, code: str) -> str:
    response = shared(platform, token, "POST", "/sessions", json={"code": code})
    assert response.status_code == 201, response.text
    return response.json()["session"]


def audit_actions(
    platform: Platform, share_id: str, wanted: set[str], count: int = 1, timeout_s: float = 30
) -> list[tuple]:
    """The share's audit records once every wanted action and at least ``count`` records are there
    (they arrive through Kafka, after the answers)."""
    deadline = time.monotonic() + timeout_s
    while True:
        with platform.superuser_db() as conn:
            rows = conn.execute(
                "SELECT action, actor, actor_role, resource, detail FROM workflow.audit_log "
                "WHERE action LIKE 'bundle.share.%%' AND detail->>'share_id' = %s ORDER BY id",
                (share_id,),
            ).fetchall()
        if wanted <= {row[0] for row in rows} and len(rows) >= count:
            return rows
        assert time.monotonic() < deadline, f"missing {wanted - {row[0] for row in rows}} in {rows}"
        time.sleep(0.3)


def test_the_recipient_gets_link_and_code_apart_and_downloads_what_the_rep_downloads(
    platform: Platform, bundle: dict[str, Any]
) -> None:
    email = recipient()
    created = share(platform, bundle, email, expires_in_days=7)
    assert created["state"] == "active" and created["recipient_email"] == email
    assert "token" not in created and "code" not in created
    token, code = secrets_of(platform, email)
    assert token not in str(created)

    first = shared(platform, token)
    assert first.status_code == 200, first.text
    assert first.json()["state"] == "code_required" and "index" not in first.json()
    assert shared(platform, token, path="/volumes/1").status_code == 403  # no session, no bytes

    session = open_session(platform, token, code)
    view = shared(platform, token, session=session)
    assert view.status_code == 200 and view.json()["state"] == "open"
    assert [r["title"] for r in view.json()["index"]] == [r["title"] for r in bundle["index"]]
    assert view.json()["title"] == bundle["title"]
    download = shared(platform, token, path="/volumes/1", session=session)
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/pdf"
    assert download.content == bundle["pdf"]

    # The code was used: it opens nothing again, and a made-up session reads nothing.
    again = shared(platform, token, "POST", "/sessions", json={"code": code})
    assert again.status_code == 403 and again.json()["type"].endswith("/code-used")
    assert shared(platform, token, session="x" * 43).json()["state"] == "code_required"

    listed = platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle['id']}/shares").json()["items"]
    mine = next(s for s in listed if s["id"] == created["id"])
    assert mine["access_count"] >= 5 and mine["last_access_at"] and mine["wrong_codes"] == 0

    # Seven accesses: a view and a refused download before the code, the code, a view, a download, the used
    # code again and a view with a made-up session.
    rows = audit_actions(
        platform,
        created["id"],
        {"bundle.share.view", "bundle.share.code-accepted", "bundle.share.download"},
        count=7,
    )
    downloads = [r for r in rows if r[0] == "bundle.share.download" and r[4]["outcome"] == "ok"]
    assert downloads and downloads[0][3] == f"bundle:{bundle['id']}/volumes/1"
    assert {r[1] for r in rows} == {f"share:{created['id']}"} and {r[2] for r in rows} == {"external"}
    assert all(r[4]["recipient_email"] == email for r in rows)
    with platform.superuser_db() as conn:
        created_by = conn.execute(
            "SELECT actor FROM workflow.audit_log WHERE resource = %s", (f"bundle:{bundle['id']}/shares/create",)
        ).fetchall()
    assert ("rachel",) in created_by


def test_wrong_codes_are_counted_and_lock_the_share(platform: Platform, bundle: dict[str, Any]) -> None:
    email = recipient()
    created = share(platform, bundle, email)
    token, code = secrets_of(platform, email)
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    for left in (4, 3, 2, 1):
        response = shared(platform, token, "POST", "/sessions", json={"code": wrong})
        assert response.status_code == 403, response.text
        assert response.headers["Content-Type"].startswith(PROBLEM)
        assert response.json()["type"].endswith("/wrong-code") and response.json()["attempts_left"] == left
    listed = platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle['id']}/shares").json()["items"]
    assert next(s for s in listed if s["id"] == created["id"])["wrong_codes"] == 4
    fifth = shared(platform, token, "POST", "/sessions", json={"code": wrong})
    assert fifth.status_code == 403 and fifth.json()["type"].endswith("/share-locked")
    # Locked for good: the right code opens nothing now, and no new code is sent.
    right = shared(platform, token, "POST", "/sessions", json={"code": code})
    assert right.status_code == 403 and right.json()["type"].endswith("/share-locked")
    assert shared(platform, token).json()["state"] == "locked"
    assert shared(platform, token, "POST", "/codes").status_code == 403
    listed = platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle['id']}/shares").json()["items"]
    assert next(s for s in listed if s["id"] == created["id"])["state"] == "locked"
    rows = audit_actions(platform, created["id"], {"bundle.share.code-refused", "bundle.share.code-sent"}, count=8)
    outcomes = [r[4]["outcome"] for r in rows if r[0] == "bundle.share.code-refused"]
    assert outcomes.count("wrong-code") == 4 and outcomes.count("locked") >= 2


def test_a_new_code_is_mailed_on_request_and_not_too_often(platform: Platform, bundle: dict[str, Any]) -> None:
    email = recipient()
    created = share(platform, bundle, email)
    token, code = secrets_of(platform, email)
    open_session(platform, token, code)
    too_soon = shared(platform, token, "POST", "/codes")
    assert too_soon.status_code == 429 and too_soon.json()["type"].endswith("/too-soon")
    with platform.superuser_db() as conn:
        conn.execute(
            "UPDATE bundle.shares SET code_sent_at = now() - interval '1 hour' WHERE id = %s", (created["id"],)
        )
    sent = shared(platform, token, "POST", "/codes")
    assert sent.status_code == 202, sent.text
    assert sent.json()["code_sent_to"].endswith("@firm.example") and email not in sent.text
    mails = mails_for(platform, email, 3)
    newest = [CODE.search(text_of(m)).group(1) for m in mails if CODE.search(text_of(m))]
    new_code = next(c for c in newest if c != code)
    assert not any(LINK.search(text_of(m)) for m in mails if new_code in text_of(m))
    assert shared(platform, token, session=open_session(platform, token, new_code)).json()["state"] == "open"


def test_revoked_and_expired_links_answer_410(platform: Platform, bundle: dict[str, Any]) -> None:
    revoked_email, expired_email = recipient(), recipient()
    revoked, expired = share(platform, bundle, revoked_email), share(platform, bundle, expired_email)
    token, code = secrets_of(platform, revoked_email)
    session = open_session(platform, token, code)
    gone = platform.call("rachel", "DELETE", "bundle", f"/v1/bundles/{bundle['id']}/shares/{revoked['id']}")
    assert gone.status_code == 200 and gone.json()["state"] == "revoked" and gone.json()["revoked_by"] == "rachel"
    for response in (
        shared(platform, token),
        shared(platform, token, session=session),
        shared(platform, token, path="/volumes/1", session=session),
        shared(platform, token, "POST", "/sessions", json={"code": code}),
    ):
        assert response.status_code == 410, response.text
        assert response.headers["Content-Type"].startswith(PROBLEM) and response.json()["state"] == "revoked"

    token, code = secrets_of(platform, expired_email)
    with platform.superuser_db() as conn:
        conn.execute(
            "UPDATE bundle.shares SET expires_at = now() - interval '1 minute' WHERE id = %s", (expired["id"],)
        )
    for response in (shared(platform, token), shared(platform, token, "POST", "/sessions", json={"code": code})):
        assert response.status_code == 410 and response.json()["state"] == "expired"
    listed = platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle['id']}/shares").json()["items"]
    states = {s["id"]: s["state"] for s in listed}
    assert states[revoked["id"]] == "revoked" and states[expired["id"]] == "expired"
    rows = audit_actions(platform, expired["id"], {"bundle.share.view", "bundle.share.code-refused"})
    assert {r[4]["outcome"] for r in rows} == {"expired"}
    assert shared(platform, "A" * 43).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"), [("ravi", 404), ("maria", 403), (None, 401)], ids=["other-branch-rep", "member", "anonymous"]
)
def test_only_staff_with_full_access_manage_shares(
    platform: Platform, bundle: dict[str, Any], who: str | None, status: int
) -> None:
    email = recipient()
    created = share(platform, bundle, email)
    base = f"/v1/bundles/{bundle['id']}/shares"
    body = {"recipient_name": "Eve", "recipient_email": "eve@evil.example"}
    for method, path, kwargs in (
        ("POST", base, {"json": body}),
        ("GET", base, {}),
        ("DELETE", f"{base}/{created['id']}", {}),
    ):
        response = platform.call(who, method, "bundle", path, **kwargs)
        assert response.status_code == status, (method, response.text)
        assert response.headers["Content-Type"].startswith(PROBLEM)
    assert not [m for m in platform.mail() if "eve@evil.example" in (m["To"] or "")]
    listed = platform.call("rachel", "GET", "bundle", base).json()["items"]
    assert next(s for s in listed if s["id"] == created["id"])["state"] == "active"


def test_service_accounts_do_not_share(platform: Platform, bundle: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {platform.service_token()}"}
    response = requests.get(f"{platform.url('bundle')}/v1/bundles/{bundle['id']}/shares", headers=headers, timeout=10)
    assert response.status_code in (403, 404), response.text


@pytest.mark.parametrize(
    "body",
    [
        {"recipient_name": "Sol", "recipient_email": "not-an-address"},
        {"recipient_name": "Sol\r\nBcc: eve@evil.example", "recipient_email": "sol@firm.example"},
        {"recipient_name": "Sol", "recipient_email": "sol@firm.example\r\nBcc: eve@evil.example"},
        {"recipient_name": "", "recipient_email": "sol@firm.example"},
        {"recipient_name": "S" * 201, "recipient_email": "sol@firm.example"},
        {"recipient_name": "Sol", "recipient_email": "sol@firm.example", "expires_in_days": 0},
        {"recipient_name": "Sol", "recipient_email": "sol@firm.example", "expires_in_days": 31},
        {"recipient_name": "Sol", "recipient_email": "sol@firm.example", "expires_in_days": "soon"},
        {"recipient_name": "Sol", "recipient_email": "sol@firm.example", "token": "mine"},
        {"recipient_email": "sol@firm.example"},
        ["sol@firm.example"],
    ],
)
def test_hostile_share_bodies_are_422(platform: Platform, bundle: dict[str, Any], body: Any) -> None:
    response = platform.call("rachel", "POST", "bundle", f"/v1/bundles/{bundle['id']}/shares", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM) and response.json()["errors"]


@pytest.mark.parametrize("body", [{"code": "12ab56"}, {"code": "123"}, {"code": "1" * 9}, {"code": 12345678}, {}])
def test_hostile_code_bodies_are_422_and_not_counted(platform: Platform, bundle: dict[str, Any], body: Any) -> None:
    email = recipient()
    created = share(platform, bundle, email)
    token, _ = secrets_of(platform, email)
    response = shared(platform, token, "POST", "/sessions", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)
    listed = platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle['id']}/shares").json()["items"]
    assert next(s for s in listed if s["id"] == created["id"])["wrong_codes"] == 0


def test_the_share_routes_are_described_and_the_recipient_s_need_no_token(platform: Platform) -> None:
    document = requests.get(f"{platform.url('bundle')}/openapi.json", timeout=10).json()
    validate_spec(document)
    paths = document["paths"]
    for path, method in (
        ("/v1/bundles/{bundle_id}/shares", "post"),
        ("/v1/bundles/{bundle_id}/shares", "get"),
        ("/v1/bundles/{bundle_id}/shares/{share_id}", "delete"),
    ):
        assert "security" not in paths[path][method], path  # the document's bearer scheme applies
    for path, method in (
        ("/v1/shared/{token}", "get"),
        ("/v1/shared/{token}/sessions", "post"),
        ("/v1/shared/{token}/codes", "post"),
        ("/v1/shared/{token}/volumes/{number}", "get"),
    ):
        assert paths[path][method]["security"] == [], path
