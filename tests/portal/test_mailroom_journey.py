"""The mailroom in a real browser (docs/design.md, 'The mailroom'): a rep gives a case its own email
address and copies it, prints a cover sheet (a PDF comes back), finds a stranger's message to that
address held on the case page and on the Mailroom page, downloads it to check it and accepts it: it
becomes the case's evidence. The member of the case sees the address but no held mail and no cover
sheet. Scanned pages that came with no cover sheet wait in the Mailroom until the regional caseworker
files them to a case by typing its reference as people do. Everything at phone width; every page passes
axe-core's WCAG A/AA rules."""

from __future__ import annotations

import json
import os
import re
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect

from browsing import PHONE, open_panel, shot, sign_in
from casework_common.vocabulary import HOLD_REASON_LABELS
from harness import Platform, unique_number
from testdocs import fresh_phrase, letter_lines, scanned_pdf, text_pdf

pytestmark = pytest.mark.stack

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
CASE_ADDRESS = re.compile(r"^case-[a-z2-7]{26}@\S+$")
MARIA = "M100001"  # the demo member: signs in as "maria"


def accessible(page: Page) -> None:
    """axe-core's WCAG A/AA rules pass, and the page fits the phone's width (no sideways scrolling)."""
    violations = Axe().run(page, options=WCAG_AA).response["violations"]
    found = [f"{v['id']} at {json.dumps([n['target'] for n in v['nodes']][:3])}" for v in violations]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        found.append(f"{overflow}px wider than the screen")
    assert not found, f"{page.url}: {found}"


def send_mail(platform: Platform, sender: str, to: str, subject: str, attachments: list[tuple[str, bytes]]) -> None:
    """A message as a mail client sends it, to the mailroom's SMTP listener."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{unique_number()}@example.net>"
    message.set_content("Please see the attached rota, as discussed.")
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    with smtplib.SMTP("127.0.0.1", platform.config.ports["mailroom"], timeout=60) as smtp:
        smtp.send_message(message)


def held_article(page: Page, subject: str) -> Locator:
    return page.get_by_role("article", name=f"Held message: {subject}")


def evidence(platform: Platform, username: str, case_id: str) -> list[dict[str, Any]]:
    response = platform.call(username, "GET", "intake", f"/v1/cases/{case_id}/evidence")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def eventually(found: Any, what: str, timeout_s: float = 120.0) -> Any:
    """Ask ``found()`` until it returns something; the mailroom's drop folder is polled."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {timeout_s:.0f}s")


def test_a_rep_gives_out_the_address_prints_a_sheet_and_accepts_a_strangers_mail(
    platform: Platform, browser: Browser
) -> None:
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    case_path = f"/cases/{case['id']}"
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=platform.url("portal"))
    rep = context.new_page()
    sign_in(rep, platform, "rachel", case_path)

    panel = rep.get_by_role("region", name="Send evidence by email")
    expect(panel).to_contain_text("no email address of its own")
    expect(panel).to_contain_text(f"put {case['reference']} in the subject")
    panel.get_by_role("button", name="Create an address for this case").click()
    expect(rep.get_by_role("status").first).to_contain_text("The case's address is")
    panel = rep.get_by_role("region", name="Send evidence by email")
    box = panel.get_by_role("textbox", name="This case's address")
    expect(box).to_have_value(CASE_ADDRESS)
    address = box.input_value()
    answer = platform.call("rachel", "GET", "intake", f"/v1/cases/{case['id']}/intake-address")
    assert answer.status_code == 200 and answer.json()["address"] == address, answer.text
    panel.get_by_role("button", name="Copy the address").click()
    expect(panel.get_by_role("status")).to_have_text("Copied.")
    assert rep.evaluate("navigator.clipboard.readText()") == address
    accessible(rep)
    shot(rep, "rep-case-email-address")

    # The cover sheet comes back as a PDF, named after the case.
    panel.get_by_label("Who sees the papers scanned behind it").select_option("reps")
    with rep.expect_download() as downloading:
        panel.get_by_role("button", name="Print cover sheet").click()
    sheet = downloading.value
    assert sheet.suggested_filename == f"cover-sheet-{case['reference']}.pdf"
    assert Path(sheet.path()).read_bytes().startswith(b"%PDF-")
    sheets = platform.call("rachel", "GET", "intake", f"/v1/cases/{case['id']}/cover-sheets")
    assert sheets.status_code == 200 and len(sheets.json()["items"]) == 1, sheets.text

    # A second sheet, printed by mistake, is withdrawn from the list of the case's sheets.
    with rep.expect_download():
        panel.get_by_role("button", name="Print cover sheet").click()
    rep.reload()
    open_panel(rep, "Cover sheets printed for this case (2)")
    printed = rep.locator("#cover-sheets")
    expect(printed.get_by_role("button", name=re.compile("^Withdraw the sheet printed"))).to_have_count(2)
    printed.get_by_role("button", name=re.compile("^Withdraw the sheet printed")).first.click()
    expect(rep.get_by_role("status").first).to_contain_text("Cover sheet withdrawn")
    sheets = platform.call("rachel", "GET", "intake", f"/v1/cases/{case['id']}/cover-sheets").json()["items"]
    assert sorted(bool(sheet["revoked_at"]) for sheet in sheets) == [False, True], sheets
    panel = rep.get_by_role("region", name="Send evidence by email")

    # A stranger writes to the case's address: the message is held, not added.
    subject = f"Rota for the hearing {unique_number()}"
    rota = text_pdf(letter_lines(fresh_phrase()))
    send_mail(platform, "stranger@example.net", address, subject, [("rota.pdf", rota)])
    rep.goto(platform.url("portal") + case_path)
    held = held_article(rep, subject)
    expect(held).to_contain_text("stranger@example.net")
    expect(held).to_contain_text(re.compile(r"rota\.pdf \(\d+ (bytes|KB)\)"))
    expect(held).to_contain_text(HOLD_REASON_LABELS["unknown_sender"])
    assert not [item for item in evidence(platform, "rachel", case["id"]) if item.get("channel") == "email"]
    with rep.expect_download() as downloading:
        held.get_by_role("link", name=re.compile("^Download the message to check it")).click()
    assert subject.encode() in Path(downloading.value.path()).read_bytes()
    accessible(rep)
    shot(rep, "rep-held-message")

    # The Mailroom page lists it with its case.
    rep.get_by_role("navigation", name="Main").get_by_role("link", name="Mailroom").click()
    expect(rep.get_by_role("heading", level=1)).to_have_text("Mailroom")
    listed = rep.get_by_role("region", name="Held messages").get_by_role("article", name=f"Held message: {subject}")
    expect(listed).to_contain_text("stranger@example.net")
    accessible(rep)
    shot(rep, "rep-mailroom")
    # Left open in another tab while the rep decides on the case page: it goes stale.
    stale = context.new_page()
    stale.goto(rep.url)
    listed.get_by_role("link", name=case["reference"]).click()

    # Accepted, for the reps only: it is the case's evidence, and no longer held.
    held = held_article(rep, subject)
    held.get_by_label("Who sees it on the case").select_option("reps")
    held.get_by_role("button", name="Accept: add to the case").click()
    expect(rep.get_by_role("status").first).to_contain_text(
        f"Accepted: the message is now evidence on {case['reference']}"
    )
    expect(held_article(rep, subject)).to_have_count(0)
    expect(rep.get_by_role("region", name="Held messages")).to_contain_text("No messages are waiting")
    emailed = [item for item in evidence(platform, "rachel", case["id"]) if item.get("channel") == "email"]
    message = next(item for item in emailed if not item.get("parent_id"))
    assert message["visibility"] == "reps", message
    rep.reload()
    expect(
        rep.get_by_role("region", name="Documents").get_by_role("link", name=message["filename"], exact=True)
    ).to_be_visible()

    # The stale tab's Reject is refused, in words, and changes nothing.
    stale_item = stale.get_by_role("article", name=f"Held message: {subject}")
    stale_item.get_by_role("button", name="Reject and delete").click()
    expect(stale.get_by_role("alert").first).to_contain_text("accepted by rachel already")
    assert message["id"] in {item["id"] for item in evidence(platform, "rachel", case["id"])}

    # The member sees the address, but not a message held for the team, no cover sheet, no Mailroom.
    second = f"Another rota {unique_number()}"
    send_mail(platform, "stranger@example.net", address, second, [("rota-2.pdf", rota)])
    waiting = platform.call("rachel", "GET", "intake", f"/v1/cases/{case['id']}/held-mail", params={"state": "waiting"})
    assert [item["subject"] for item in waiting.json()["items"]] == [second], waiting.text
    member = browser.new_context(viewport=PHONE).new_page()
    sign_in(member, platform, "maria", case_path)
    panel = member.get_by_role("region", name="Send evidence by email")
    expect(panel.get_by_role("textbox", name="This case's address")).to_have_value(address)
    expect(member.get_by_role("button", name="Print cover sheet")).to_have_count(0)
    expect(member.get_by_role("button", name="Create an address for this case")).to_have_count(0)
    expect(member.locator("summary", has_text="Replace or withdraw the address")).to_have_count(0)
    expect(member.get_by_role("region", name="Held messages")).to_have_count(0)
    expect(member.get_by_role("main")).not_to_contain_text(second)
    expect(member.get_by_role("navigation", name="Main").get_by_role("link", name="Mailroom")).to_have_count(0)
    expect(member.get_by_role("link", name=message["filename"])).to_have_count(0)  # reps only
    accessible(member)
    shot(member, "member-case-email-address")
    member.goto(platform.url("portal") + "/mailroom")
    expect(member.get_by_role("main")).to_contain_text("for the staff who work on cases")

    # The rep rejects the second message: deleted, not on the case.
    rep.goto(platform.url("portal") + case_path)
    held_article(rep, second).get_by_role("button", name="Reject and delete").click()
    expect(rep.get_by_role("status").first).to_contain_text("Rejected")
    expect(held_article(rep, second)).to_have_count(0)
    names = [item["filename"] for item in evidence(platform, "rachel", case["id"])]
    assert not [name for name in names if second.split()[-1] in name or name == "rota-2.pdf"], names

    # Every form carries its CSRF token: the same request without it is refused and changes nothing.
    forged = rep.request.post(platform.url("portal") + f"{case_path}/intake-address", max_redirects=0)
    assert forged.status == 400, forged.status
    assert (
        platform.call("rachel", "GET", "intake", f"/v1/cases/{case['id']}/intake-address").json()["address"] == address
    )

    # Replaced, the old address no longer takes mail; withdrawn, neither does the new one.
    open_panel(rep, "Replace or withdraw the address")
    rep.get_by_role("button", name="Replace the address").click()
    expect(rep.get_by_role("status").first).to_contain_text("The old one no longer takes mail")
    replaced = rep.get_by_role("textbox", name="This case's address").input_value()
    assert CASE_ADDRESS.match(replaced) and replaced != address
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_mail(platform, "stranger@example.net", address, f"Too late {unique_number()}", [])
    open_panel(rep, "Replace or withdraw the address")
    rep.get_by_role("button", name="Withdraw the address").click()
    expect(rep.get_by_role("status").first).to_contain_text("withdrawn")
    expect(rep.get_by_role("region", name="Send evidence by email")).to_contain_text("no email address of its own")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_mail(platform, "stranger@example.net", replaced, f"Too late {unique_number()}", [])


def test_scanned_pages_with_no_cover_sheet_are_filed_by_typing_the_reference(
    platform: Platform, browser: Browser
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Ada Byrne")
    # The coordinator asks the region's caseworker for support: the caseworker now works on the case.
    asked = platform.call(
        "cora",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/support-requests",
        json={"to": "caseworker", "question": "Help?"},
    )
    assert asked.status_code == 201 and asked.json()["to"] == "caseworker", asked.text

    # Two scanned pages and no cover sheet, dropped as a copier does: written under a temporary name,
    # then renamed, so the mailroom never reads half a file.
    name = f"copier-{unique_number()}.pdf"
    drop = Path(platform.config.path("scan-drop"))
    drop.mkdir(parents=True, exist_ok=True)
    words = fresh_phrase()
    partial = drop / f".{name}.tmp"
    partial.write_bytes(scanned_pdf([letter_lines(words), letter_lines("Page two of the letter")]))
    os.replace(partial, drop / name)

    def waiting() -> list[dict[str, Any]]:
        response = platform.call("carl", "GET", "intake", "/v1/unfiled")
        assert response.status_code == 200, response.text
        return [p for p in response.json()["items"] if name in (p.get("source_name") or "")]

    (part,) = eventually(waiting, f"{name} reaching the unfiled queue")
    assert part["reason"] == "before_first_sheet" and part["pages"] == 2, part

    caseworker = browser.new_context(viewport=PHONE).new_page()
    sign_in(caseworker, platform, "carl", "/login")
    caseworker.get_by_role("navigation", name="Main").get_by_role("link", name="Mailroom").click()
    unfiled = caseworker.get_by_role("region", name="Unfiled scans")
    article = unfiled.get_by_role("article", name=re.compile(re.escape(name)))
    expect(article).to_contain_text("pages 1 to 2 (2 pages)")
    expect(article).to_contain_text(HOLD_REASON_LABELS["before_first_sheet"])
    preview = article.get_by_role("link", name=re.compile("^View the pages"))
    shown = caseworker.request.get(platform.url("portal") + preview.get_attribute("href"))
    assert shown.ok and shown.headers["content-type"] == "application/pdf" and shown.body().startswith(b"%PDF-")
    accessible(caseworker)
    shot(caseworker, "caseworker-unfiled")

    # A reference no case has: refused beside the part, with what was typed.
    article.get_by_label(re.compile("^Case reference")).fill("CW-1999-999999")
    article.get_by_role("button", name="File to case").click()
    article = caseworker.get_by_role("region", name="Unfiled scans").get_by_role(
        "article", name=re.compile(re.escape(name))
    )
    expect(article.get_by_role("alert")).to_contain_text("Not filed")
    field = article.get_by_label(re.compile("^Case reference"))
    expect(field).to_have_value("CW-1999-999999")
    expect(field).to_have_attribute("aria-invalid", "true")
    accessible(caseworker)

    # Typed as people type it: lower case, spaces, no leading zeros.
    _, year, number = case["reference"].split("-")
    field.fill(f"cw {year} {int(number)}")
    article.get_by_role("button", name="File to case").click()
    expect(caseworker.get_by_role("status").first).to_contain_text(f"Filed to {case['reference']}")
    expect(caseworker.get_by_role("article", name=re.compile(re.escape(name)))).to_have_count(0)
    scanned = [item for item in evidence(platform, "carl", case["id"]) if item.get("channel") == "scanner"]
    assert len(scanned) == 1, scanned
    caseworker.goto(platform.url("portal") + f"/cases/{case['id']}")
    expect(
        caseworker.get_by_role("region", name="Documents").get_by_role("link", name=scanned[0]["filename"], exact=True)
    ).to_be_visible()
