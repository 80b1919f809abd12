"""Debian's Chromium, driven by Playwright (which never downloads a browser here)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from browsing import CHROMIUM, PHONE, SCREENSHOTS


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One Chromium (and Playwright driver) for the session: starting them costs seconds per module."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed; `./casework test` installs it (apt-get install chromium)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Iterator[Browser]:
    """The browser for one module's tests. Every profile (context) the module opened is closed after
    it, as closing a browser of its own did: no page of one module keeps running into the next."""
    yield chromium
    for context in list(chromium.contexts):
        context.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) at phone width."""
    context = browser.new_context(viewport=PHONE)
    yield context
    context.close()
