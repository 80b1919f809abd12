"""What the organising pages' browser tests share (tests/portal/test_organising_journey.py and
test_organising_sessions.py): a signed-in phone, organising's answers read through the API, the
axe-core and 375 px checks, and the contact form's 44 px touch targets."""

from __future__ import annotations

import json
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page

from browsing import PHONE, sign_in
from harness import Platform

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
QUEUE_KEY = "casework.organising.queue.v1"  # static/organising.js
MIN_TARGET_PX = 44


def accessible(page: Page) -> None:
    """axe-core's WCAG A/AA rules pass and the page fits the phone's width."""
    violations = Axe().run(page, options=WCAG_AA).response["violations"]
    found = [f"{v['id']} at {json.dumps([n['target'] for n in v['nodes']][:3])}" for v in violations]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        found.append(f"{overflow}px wider than a {PHONE['width']}px screen")
    assert not found, f"{page.url}: {found}"


def phone(browser: Browser, platform: Platform, username: str, path: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    sign_in(page, platform, username, path)
    return context, page


def organising(platform: Platform, user: str, path: str, **params: Any) -> Any:
    response = platform.call(user, "GET", "organising", path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def small_targets(page: Page) -> list[str]:
    """Controls of the contact form smaller than 44 × 44 px (a radio's or checkbox's target is its label)."""
    return page.evaluate(
        """(least) => Array.from(document.querySelectorAll(
             'form[data-contact-log] :is(input:not([type=hidden]), select, textarea, button, summary)'))
           .map((el) => {
             const target = el.type === 'radio' || el.type === 'checkbox' ? el.closest('label') : el;
             const box = target.getBoundingClientRect();
             return {name: (el.name || '') + ' ' + (target.textContent || '').trim(), w: box.width, h: box.height};
           })
           .filter((b) => b.w < least || b.h < least)
           .map((b) => `${b.name}: ${Math.round(b.w)}x${Math.round(b.h)}`)""",
        MIN_TARGET_PX,
    )
