"""Portal sessions in a real browser: an access token past its expiry is refreshed without the
user noticing; when the refresh fails too, the user is sent back to sign in and then returned
to the page they asked for."""

from __future__ import annotations

from typing import Any

import pytest
from cachelib import FileSystemCache
from playwright.sync_api import BrowserContext, expect

from browsing import sign_in
from harness import Platform

pytestmark = pytest.mark.stack


class StoredSession:
    """The portal's server-side session of one browser, read and changed where the portal keeps
    it (flask-session's file store, keyed by the session id in the browser's cookie)."""

    def __init__(self, platform: Platform, context: BrowserContext) -> None:
        self.context = context
        self.store = FileSystemCache(str(platform.config.path("portal", "sessions")), mode=0o600)

    def _key(self) -> str:
        (cookie,) = [c for c in self.context.cookies() if c["name"] == "casework_session"]
        return f"session:{cookie['value']}"

    def token(self) -> dict[str, Any]:
        return dict(self.store.get(self._key())["token"])

    def change_token(self, **changes: Any) -> None:
        data = self.store.get(self._key())
        data["token"] = {**data["token"], **changes}
        assert self.store.set(self._key(), data, timeout=3600)


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
