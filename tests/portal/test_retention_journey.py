"""Retention in a real browser at phone width (docs/design.md, 'Retention, legal holds and erasure'):
the region's official puts a case under a legal hold from its page and releases it; the data-protection
officer sees what a retention run would remove, is told why an erasure request for an open case is
refused, sets a hold by case id, and starts an erasure of a closed case; a rep has no Retention page.
Every page passes axe-core's WCAG 2.0/2.1 A and AA rules and fits 375 px."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from browsing import PHONE, shot, sign_in
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def accessible(page: Page) -> None:
    violations = Axe().run(page, options=WCAG_AA).response["violations"]
    found = [f"{v['id']} at {json.dumps([n['target'] for n in v['nodes']][:3])}" for v in violations]
    assert not found, f"{page.url}: {found}"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url}: {overflow}px wider than {PHONE['width']}px"


def held(platform: Platform, case_id: str) -> bool:
    return platform.call("dana", "GET", "workflow", f"/v1/cases/{case_id}/legal-hold").json()["held"]


def test_the_official_holds_and_releases_a_case_from_its_page(platform: Platform, browser: Browser) -> None:
    case = platform.create_case("rachel", unique_number(), name="Holly Hold")
    referral = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/referrals",
        json={"target": "regional_office", "reason": "Tribunal likely."},
    )
    assert referral.status_code == 201, referral.text
    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, platform, "olive", f"/cases/{case['id']}")
    expect(page.get_by_role("heading", name="Legal hold")).to_be_visible()
    page.get_by_text("Put the case under a legal hold").click()
    page.get_by_label("Reason (for example, a tribunal claim is live)").fill("ET1 lodged on 2 March")
    accessible(page)
    page.get_by_role("button", name="Set the hold").click()
    expect(page.get_by_text(re.compile("Held since .* by olive: ET1 lodged on 2 March"))).to_be_visible()
    accessible(page)
    shot(page, "legal-hold-phone")
    assert held(platform, case["id"])
    page.get_by_role("button", name="Release the hold").click()
    expect(page.get_by_text("Legal hold released.")).to_be_visible()
    assert not held(platform, case["id"])


def test_the_dpo_sees_what_would_go_refusals_holds_and_erasure(platform: Platform, browser: Browser) -> None:
    old = platform.create_case("rachel", unique_number(), name="Olwen Old")
    closed = platform.call("rachel", "PATCH", "workflow", f"/v1/cases/{old['id']}", json={"status": "closed"})
    assert closed.status_code == 200, closed.text
    with platform.superuser_db() as conn:
        conn.execute(
            "UPDATE workflow.cases SET closed_at = now() - interval '7 years' WHERE id = %s", (uuid.UUID(old["id"]),)
        )
    still_open = platform.create_case("rachel", unique_number(), name="Oona Open")

    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, platform, "dana", "/data-protection/retention")
    expect(page.get_by_role("heading", name="Retention", level=1)).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(old["reference"]))).to_be_visible()
    accessible(page)
    shot(page, "retention-phone")

    # A hold by case id: the case leaves the list.
    holds = page.get_by_role("form", name="Set or release a legal hold")
    holds.get_by_label("Case id").fill(old["id"])
    holds.get_by_label("Reason (to set a hold)").fill("Subject access dispute")
    holds.get_by_role("button", name="Set the hold").click()
    expect(page.get_by_text(re.compile("Legal hold set"))).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(old["reference"]))).to_have_count(0)
    assert held(platform, old["id"])

    # An erasure request for an open case is refused, and the page says why.
    form = page.get_by_role("form", name="Record an erasure request")
    form.get_by_label("Case id").fill(still_open["id"])
    form.get_by_label("The member's request").fill("Please delete my data")
    form.get_by_role("button", name="Erase the case's data").click()
    expect(page.get_by_text(re.compile("Not erased: The case is still open"))).to_be_visible()
    accessible(page)

    # Released, the closed case is erased: the request shows in the list with its progress.
    release = page.get_by_role("form", name="Set or release a legal hold")
    release.get_by_label("Case id").fill(old["id"])
    release.get_by_role("button", name="Release the hold").click()
    form = page.get_by_role("form", name="Record an erasure request")
    form.get_by_label("Case id").fill(old["id"])
    form.get_by_label("The member's request").fill("Letter of 3 May")
    form.get_by_role("button", name="Erase the case's data").click()
    expect(page.get_by_text(re.compile(f"Erasure of {old['reference']} started"))).to_be_visible()
    expect(page.get_by_role("cell", name=old["reference"]).first).to_be_visible()
    accessible(page)


def test_a_rep_has_no_retention_page(platform: Platform, browser: Browser) -> None:
    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, platform, "rachel", "/login")
    expect(page.get_by_role("link", name="Retention")).to_have_count(0)
    response = page.goto(platform.url("portal") + "/data-protection/retention")
    assert response is not None and response.status == 403
