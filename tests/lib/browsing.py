"""Helpers for the portal's browser tests: signing in at the identity provider, opening folded
forms, and saving screenshots as test artefacts."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from harness import Platform

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1024, "height": 900}


def sign_in(page: Page, platform: Platform, username: str, path: str) -> None:
    """Open ``path`` on the portal; sign in at the identity provider it sends us to."""
    page.goto(platform.url("portal") + path)
    expect(page).to_have_url(re.compile("^" + re.escape(platform.config.issuer)))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(platform.config.secrets.demo_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile("^" + re.escape(platform.url("portal"))))
    # The URL changes when the page commits; its deferred scripts (drop zones, live status)
    # have run only once the document has loaded.
    page.wait_for_load_state()


def open_panel(page: Page, summary: str) -> None:
    """Open a folded form (a <details> panel) by its summary."""
    page.locator("summary", has_text=summary).click()


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot to test-artifacts/screenshots/NAME.png."""
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
