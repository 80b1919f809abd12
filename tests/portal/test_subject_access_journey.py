"""Subject access in a real browser at phone width (docs/design.md, 'Subject access'): the
data-protection officer types a membership number as people do, sees every item held, ticks one to
withhold (by keyboard), downloads the ZIP; a mistyped number is refused beside the field; a member
downloads their own record from the home page; a rep cannot open the page. Every page passes axe-core's
WCAG 2.0/2.1 A and AA rules."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Download, Page, expect

from browsing import PHONE, shot, sign_in
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def accessible(page: Page) -> None:
    violations = Axe().run(page, options=WCAG_AA).response["violations"]
    found = [f"{v['id']} at {json.dumps([n['target'] for n in v['nodes']][:3])}" for v in violations]
    assert not found, f"{page.url}: {found}"


def zip_of(download: Download) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_dpo_previews_withholds_an_item_by_keyboard_and_downloads_the_zip(
    platform: Platform, browser: Browser
) -> None:
    number = unique_number()
    case = platform.create_case("rachel", number, name="Pat Example")
    secret = f"Informant's name kept back {number}"
    response = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/timeline",
        json={"kind": "note", "body": secret, "visibility": "reps"},
    )
    assert response.status_code == 201, response.text

    page = browser.new_context(viewport=PHONE, accept_downloads=True).new_page()
    sign_in(page, platform, "dana", "/data-protection/subject-access")
    expect(page.get_by_role("heading", name="Subject access", level=1)).to_be_visible()
    accessible(page)

    page.get_by_label("Membership number").fill("ab/12")
    page.get_by_role("button", name="Show what is held").click()
    expect(page.locator("#sa-number-error")).to_be_visible()
    expect(page.get_by_label("Membership number")).to_have_attribute("aria-invalid", "true")
    accessible(page)

    page.get_by_label("Membership number").fill(" " + number.lower()[:4] + " " + number.lower()[4:] + " ")
    page.get_by_role("button", name="Show what is held").click()
    expect(page.get_by_role("heading", name=re.compile(f"Held about {number}"))).to_be_visible()
    expect(page.get_by_text(case["reference"]).first).to_be_visible()
    accessible(page)
    shot(page, "subject-access-preview-phone")

    withhold = page.get_by_label(re.compile(r"^Withhold: Note by rachel \(reps only\)"))
    withhold.focus()
    page.keyboard.press("Space")
    expect(withhold).to_be_checked()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the ZIP").click()
    files = zip_of(info.value)
    index = json.loads(files["index.json"])
    assert index["membership_number"] == number and index["withheld"] == 1
    assert any(i["kind"] == "case" for i in index["items"])
    assert all(secret.encode() not in data for data in files.values())


def test_a_member_downloads_their_own_record_from_the_home_page(platform: Platform, browser: Browser) -> None:
    platform.create_case("rachel", "M100001", name="Maria Okafor")
    page = browser.new_context(viewport=PHONE, accept_downloads=True).new_page()
    sign_in(page, platform, "maria", "/inbox")  # "/" welcomes strangers instead of sending them to sign in
    page.goto(platform.url("portal") + "/")
    link = page.get_by_role("link", name="Download my record")
    expect(link).to_be_visible()
    accessible(page)
    with page.expect_download() as info:
        link.click()
    index = json.loads(zip_of(info.value)["index.json"])
    assert index["view"] == "member" and index["membership_number"] == "M100001"
    assert not any(i["kind"] == "audit" for i in index["items"])


def test_a_rep_cannot_open_the_subject_access_page(platform: Platform, browser: Browser) -> None:
    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, platform, "rachel", "/inbox")
    expect(page.get_by_role("link", name="Subject access")).to_have_count(0)
    answer = page.goto(platform.url("portal") + "/data-protection/subject-access?membership_number=M100001")
    assert answer is not None and answer.status == 403
