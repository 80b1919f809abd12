"""Portal sessions in a real browser: an access token past its expiry is refreshed without the
user noticing; when the refresh fails too, the user is sent back to sign in and then returned
to the page they asked for; sessions live in Postgres, so a restarted portal keeps everyone signed in."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import create_engine, text

from browsing import sign_in
from casework_local.servers import Postgres
from casework_local.services import service_process
from harness import Platform

pytestmark = pytest.mark.stack


class StoredSession:
    """The portal's server-side session of one browser, read and changed where the portal keeps
    it (flask-session's table in the portal's Postgres schema, keyed by the session id in the
    browser's cookie, msgpack-encoded)."""

    def __init__(self, platform: Platform, context: BrowserContext) -> None:
        self.context = context
        postgres = next(s for s in platform.stack.servers if isinstance(s, Postgres))
        self.engine = create_engine(postgres.database_url("portal"))

    def _key(self) -> str:
        (cookie,) = [c for c in self.context.cookies() if c["name"] == "casework_session"]
        return f"session:{cookie['value']}"

    def _data(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(text("SELECT data FROM portal.sessions WHERE session_id = :id"), {"id": self._key()})
            return msgspec.msgpack.decode(row.scalar_one())

    def token(self) -> dict[str, Any]:
        return dict(self._data()["token"])

    def change_token(self, **changes: Any) -> None:
        data = self._data()
        data["token"] = {**data["token"], **changes}
        with self.engine.begin() as conn:
            changed = conn.execute(
                text("UPDATE portal.sessions SET data = :data WHERE session_id = :id"),
                {"data": msgspec.msgpack.encode(data), "id": self._key()},
            )
            assert changed.rowcount == 1


def test_an_expired_token_is_refreshed_and_a_dead_one_sends_the_user_to_sign_in(
    platform: Platform, context: BrowserContext
) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    path = f"/cases/{case['id']}"
    page = context.new_page()
    sign_in(page, platform, "maria", path)
    stored = StoredSession(platform, context)
    before = stored.token()

    authorize = platform.config.issuer + "/protocol/openid-connect/auth"
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if request.url.startswith(authorize) else None)

    stored.change_token(expires_at=0)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(case["reference"])
    after = stored.token()
    assert after["access_token"] != before["access_token"] and after["expires_at"] > before["expires_at"] - 1
    assert not asked, "the portal sent the browser to sign in instead of refreshing the token"

    # A refresh token the provider no longer honours: the portal forgets the session and sends the
    # browser to the provider to sign in, which (its own sign-in still live) returns it to the case.
    stored.change_token(expires_at=0, refresh_token=after["refresh_token"] + "x")
    page.reload()
    expect(page).to_have_url(platform.url("portal") + path)
    expect(page.get_by_role("heading", level=1)).to_have_text(case["reference"])
    assert asked, "the portal did not send the browser to the provider to sign in"
    assert stored.token()["access_token"] != after["access_token"]


def test_a_restarted_portal_keeps_everyone_signed_in(platform: Platform, context: BrowserContext) -> None:
    """A rollout replaces every portal process; the sessions are in Postgres, not in the process."""
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    path = f"/cases/{case['id']}"
    page = context.new_page()
    sign_in(page, platform, "maria", path)
    assert StoredSession(platform, context).token()["access_token"]

    spec, process = platform.stack.services["portal"]
    process.stop()
    replacement = service_process(spec, platform.config, platform.stack.servers)
    replacement.start()
    platform.stack.services["portal"] = (spec, replacement)
    replacement.wait_until(lambda: platform.stack.service_ready(spec), 120, "ready (/readyz)")

    authorize = platform.config.issuer + "/protocol/openid-connect/auth"
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if request.url.startswith(authorize) else None)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(case["reference"])
    assert not asked, "the restarted portal had lost the session and sent the browser to sign in"
