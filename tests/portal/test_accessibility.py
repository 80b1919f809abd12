"""WCAG 2.1 AA basics in a real browser: every key page, for each kind of user, passes axe-core's
WCAG 2.0/2.1 A and AA rules, fits a 375 px phone screen without sideways scrolling, and can be
worked with the keyboard alone (skip link first, a visible focus ring on every stop)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

import testdocs
from browsing import PHONE, shot, sign_in
from harness import Platform

pytestmark = pytest.mark.stack

# resultTypes: every node of every violation is reported; of the rules that pass or do not apply
# axe keeps one node each instead of all of them, which only made each answer large and slow to return.
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.fixture(scope="module")
def world(platform: Platform) -> dict[str, Any]:
    """A case of Maria's with a searchable document, a timeline entry she can see, a referral
    discussion waiting for the official and a support request: so each page has content."""
    case = platform.create_case("rachel", "M100001", name="Maria Okafor", allegations=["lateness"])
    word = testdocs.fresh_word()
    letter = testdocs.text_pdf([f"Invitation to a {word} hearing"])
    uploaded = platform.upload("rachel", case["id"], [("letter.pdf", letter, "application/pdf")])
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()["items"][0]  # read and indexed while the rest is written; waited for last
    writes = [
        ("timeline", {"kind": "meeting", "body": "Hearing booked.", "visibility": "member"}),
        ("referrals", {"target": "regional_office", "reason": "Dismissal likely."}),
        ("support-requests", {"to": "official", "question": "Advice on the hearing?"}),
    ]
    for path, body in writes:
        response = platform.call("rachel", "POST", "workflow", f"/v1/cases/{case['id']}/{path}", json=body)
        assert response.status_code in (200, 201), response.text
    # Enough alike cases for the trends page to show its table, not only "no group is large enough".
    for n in range(5):
        platform.create_case("rachel", f"M10010{n}", allegations=["lateness"])
    deadline = time.monotonic() + 60
    while not platform.call("rachel", "GET", "search", "/v1/trends").json()["buckets"]:
        assert time.monotonic() < deadline, "the trends never showed a group"
        time.sleep(0.5)
    assert platform.wait_for_status("rachel", evidence["id"])["status"] == "indexed"
    return {"case": case["id"], "evidence": evidence["id"], "word": word}


def pages_for(world: dict[str, Any]) -> dict[str, list[str]]:
    """The pages each user is shown, by username."""
    case, word = world["case"], world["word"]
    return {
        "maria": [
            "/",
            f"/cases/{case}",
            "/documents",
            f"/evidence/{world['evidence']}?q={word}",
            "/inbox",
            f"/search?q={word}",
        ],
        "rachel": [
            "/",
            "/cases/new",
            f"/cases/{case}",
            f"/cases/{case}/edit",
            f"/search?q={word}",
            "/trends",
            "/mailroom",
        ],
        "cora": ["/", f"/cases/{case}", "/support"],
        "olive": ["/referrals", "/support", f"/cases/{case}", "/trends"],
        "carl": ["/referrals", "/support", "/mailroom"],
        "ravi": [f"/cases/{case}"],  # the refusal page
        "": ["/"],  # signed out: the welcome page
    }


def problems(page: Page) -> list[str]:
    """What fails on the page as shown: axe's WCAG A/AA violations and sideways scrolling."""
    found = []
    for violation in Axe().run(page, options=WCAG_AA).response["violations"]:
        targets = [node["target"] for node in violation["nodes"]][:3]
        found.append(f"{page.url}: {violation['id']} ({violation['help']}) at {json.dumps(targets)}")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        found.append(f"{page.url}: {overflow}px wider than a {PHONE['width']}px screen")
    return found


def test_key_pages_meet_wcag_aa_basics_at_phone_width(platform: Platform, browser: Browser, world: dict) -> None:
    found: list[str] = []
    for user, paths in pages_for(world).items():
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        if user:
            sign_in(page, platform, user, "/login")
        for path in paths:
            page.goto(platform.url("portal") + path)
            found += problems(page)
        context.close()
    assert not found, "\n".join(found)


def test_a_form_with_mistakes_is_still_accessible(platform: Platform, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, platform, "rachel", "/cases/new")
    page.get_by_label("Member's name").fill("Maria Okafor")
    page.get_by_label("Membership number").fill("not valid!")
    page.get_by_role("button", name="Open the case").click()
    field = page.get_by_label("Membership number")
    expect(field).to_have_attribute("aria-invalid", "true")
    # The error is read out with the field, not only shown near it.
    expect(field).to_have_accessible_description("Membership number: is not in the expected format")
    assert not problems(page), problems(page)
    context.close()


def test_the_keyboard_alone_skips_to_content_and_opens_a_case(platform: Platform, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, platform, "rachel", "/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # hidden until focused, then shown
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Tab on from the content to "Open a new case"; every stop on the way shows where focus is.
    target = page.get_by_role("link", name="Open a new case")
    for _ in range(60):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
        )
        focused = page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        assert outline[0] != "none" and outline[1] >= 2, f"no visible focus on {focused}"
        if target.evaluate("element => element === document.activeElement"):
            break
    expect(target).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    shot(page, "rep-new-case-keyboard")
    context.close()
