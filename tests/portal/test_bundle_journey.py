"""Bundles in a real browser (docs/design.md, 'Bundles shared with solicitors'): a rep builds a
bundle from the case page, watches it become ready, reads its index, downloads it and shares it with
a solicitor; the solicitor opens the link from one e-mail, enters the code from the other and
downloads the same PDF. The pages on the way pass axe-core's WCAG 2.0/2.1 A and AA rules."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

import testdocs
from browsing import DESK, PHONE, shot, sign_in
from harness import Platform

pytestmark = pytest.mark.stack

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
LINK = re.compile(r"https?://\S+/shared/[A-Za-z0-9_-]+")
CODE = re.compile(r"^\s+([0-9]{6,8})\s*$", re.MULTILINE)


def accessible(page: Page) -> None:
    violations = Axe().run(page, options=WCAG_AA).response["violations"]
    found = [f"{v['id']} at {json.dumps([n['target'] for n in v['nodes']][:3])}" for v in violations]
    assert not found, f"{page.url}: {found}"


def body_of(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def test_a_rep_builds_and_shares_a_bundle_and_the_solicitor_downloads_it(platform: Platform, browser: Browser) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    word = testdocs.fresh_word()
    files = [
        ("invitation.pdf", testdocs.text_pdf(testdocs.letter_lines(word)), "application/pdf"),
        (
            "notes.pdf",
            testdocs.text_pdf([f"Meeting notes about {word}", "Present: the member and her rep."]),
            "application/pdf",
        ),
    ]
    uploaded = platform.upload("rachel", case["id"], files)
    assert uploaded.status_code == 201, uploaded.text
    for item in uploaded.json()["items"]:
        assert platform.wait_for_status("rachel", item["id"], timeout_s=180)["status"] == "indexed"

    rep = browser.new_context(viewport=DESK, accept_downloads=True).new_page()
    sign_in(rep, platform, "rachel", f"/cases/{case['id']}")
    bundles = rep.get_by_role("region", name="Bundles")
    expect(bundles).to_contain_text("No bundles yet")
    bundles.get_by_role("link", name="Build a bundle").click()
    accessible(rep)
    title = f"Disciplinary hearing {uuid.uuid4().hex[:6]}"
    rep.get_by_label("Title (required)").fill(title)
    expect(rep.get_by_role("checkbox", name="invitation.pdf")).to_be_checked()
    expect(rep.get_by_role("checkbox", name="notes.pdf")).to_be_checked()
    rep.get_by_label("Lines for the title page").fill("Hearing: 14 March 2026")
    rep.get_by_role("button", name="Build the bundle").click()

    # The page follows the build by itself until the index and the download appear.
    expect(rep.get_by_role("heading", level=1)).to_contain_text(title)
    expect(rep.get_by_role("link", name=re.compile("^Download the bundle"))).to_be_visible(timeout=240_000)
    index = rep.get_by_role("region", name="Index of the bundle")
    expect(index.locator("tbody tr").filter(has_text=re.compile(r"^\s*\d"))).to_have_count(2)
    accessible(rep)
    shot(rep, "rep-bundle-ready")
    with rep.expect_download() as downloading:
        rep.get_by_role("link", name=re.compile("^Download the bundle")).click()
    rep_pdf = Path(downloading.value.path()).read_bytes()
    assert rep_pdf.startswith(b"%PDF")

    solicitor_email = f"sol-{uuid.uuid4().hex[:8]}@firm.example"
    shares = rep.get_by_role("region", name="Share with a solicitor")
    shares.get_by_label("Recipient's name (required)").fill("Sol Icitor")
    shares.get_by_label("Recipient's e-mail address (required)").fill(solicitor_email)
    shares.get_by_role("button", name="Share the bundle").click()
    expect(rep.get_by_role("status").first).to_contain_text("two separate e-mails")
    expect(rep.get_by_role("region", name="Shares of this bundle")).to_contain_text(solicitor_email)
    accessible(rep)

    platform.wait_for_mail(lambda m: solicitor_email in (m["To"] or "") and bool(CODE.search(body_of(m))))
    mails = [m for m in platform.mail() if solicitor_email in (m["To"] or "")]
    link = next(LINK.search(body_of(m)).group(0) for m in mails if LINK.search(body_of(m)))
    code = next(CODE.search(body_of(m)).group(1) for m in mails if CODE.search(body_of(m)))
    # The e-mails name the portal's own address; the test's browser opens the same path there.
    path = link[link.index("/shared/") :]

    solicitor = browser.new_context(viewport=PHONE, accept_downloads=True).new_page()
    solicitor.goto(platform.url("portal") + path)
    expect(solicitor.get_by_role("heading", level=1)).to_have_text("Shared case bundle")
    accessible(solicitor)
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    solicitor.get_by_label("One-time code").fill(wrong)
    solicitor.get_by_role("button", name="Open the bundle").click()
    expect(solicitor.get_by_role("alert")).to_contain_text("4 attempt(s) left")
    accessible(solicitor)
    solicitor.get_by_label("One-time code").fill(code)
    solicitor.get_by_role("button", name="Open the bundle").click()
    expect(solicitor.get_by_role("heading", level=1)).to_contain_text(title)
    shared_index = solicitor.get_by_role("region", name="Index of the bundle")
    expect(shared_index.locator("tbody tr")).to_have_count(2)
    accessible(solicitor)
    shot(solicitor, "solicitor-shared-bundle")
    with solicitor.expect_download() as downloading:
        solicitor.get_by_role("link", name=re.compile("^Download the bundle")).click()
    assert Path(downloading.value.path()).read_bytes() == rep_pdf

    # The rep sees the visits, revokes the link, and the solicitor's page says it no longer works.
    rep.reload()
    row = rep.get_by_role("region", name="Shares of this bundle").locator("tbody tr", has_text=solicitor_email)
    expect(row).to_contain_text("Active")
    row.get_by_role("button", name="Revoke the link for Sol Icitor").click()
    expect(
        rep.get_by_role("region", name="Shares of this bundle").locator("tbody tr", has_text=solicitor_email)
    ).to_contain_text("Revoked")
    solicitor.reload()
    expect(solicitor.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    accessible(solicitor)

    # The case page lists the bundle with its status.
    rep.goto(platform.url("portal") + f"/cases/{case['id']}")
    expect(rep.get_by_role("region", name="Bundles of this case")).to_contain_text(title)
    expect(rep.get_by_role("region", name="Bundles of this case")).to_contain_text("Ready")


def test_the_member_sees_only_bundles_shown_to_her_and_cannot_share_them(platform: Platform, browser: Browser) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    letter = testdocs.text_pdf(testdocs.letter_lines(testdocs.fresh_word()))
    uploaded = platform.upload("rachel", case["id"], [("letter.pdf", letter, "application/pdf")], visibility="member")
    assert uploaded.status_code == 201, uploaded.text
    assert platform.wait_for_status("rachel", uploaded.json()["items"][0]["id"], timeout_s=180)["status"] == "indexed"
    titles = {True: f"For Maria {uuid.uuid4().hex[:6]}", False: f"Reps only {uuid.uuid4().hex[:6]}"}
    for visible, title in titles.items():
        body = {"title": title, "member_visible": visible}
        response = platform.call("rachel", "POST", "bundle", f"/v1/cases/{case['id']}/bundles", json=body)
        assert response.status_code == 202, response.text

    member = browser.new_context(viewport=PHONE).new_page()
    sign_in(member, platform, "maria", f"/cases/{case['id']}")
    listed = member.get_by_role("region", name="Bundles of this case")
    expect(listed).to_contain_text(titles[True])
    expect(listed).not_to_contain_text(titles[False])
    expect(member.get_by_role("link", name="Build a bundle")).to_have_count(0)
    accessible(member)
    listed.get_by_role("link", name=titles[True]).click()
    expect(member.get_by_role("link", name=re.compile("^Download the bundle"))).to_be_visible(timeout=240_000)
    expect(member.get_by_role("region", name="Share with a solicitor")).to_have_count(0)
    accessible(member)
