"""Document facts in the portal, in Chromium: the case page shows each item's date with where it
came from, its kind and title; a rep corrects them in place (refused input is shown beside the
field and nothing is saved); the search page filters by kind and by document date; the member
sees the facts but no form."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

import testdocs
from browsing import DESK, shot, sign_in
from harness import Platform

pytestmark = pytest.mark.stack


def letter(word: str) -> list[str]:
    return [
        "Metro Transit Ltd, Human Resources",
        "Depot Road, London N1 4AB",
        "3 March 2026",
        "Dear Ms Okafor,",
        "Re: Invitation to a disciplinary hearing",
        "You are required to attend a disciplinary hearing on 14 March 2026",
        f"to answer allegations of persistent lateness ({word}).",
        "Yours sincerely, J. Smith, HR Manager",
    ]


def facts(platform: Platform, evidence_id: str) -> dict[str, Any]:
    response = platform.call("rachel", "GET", "intake", f"/v1/evidence/{evidence_id}")
    assert response.status_code == 200, response.text
    return response.json()["facts"]


def test_a_rep_sees_and_corrects_the_facts_and_searches_by_them(platform: Platform, context: BrowserContext) -> None:
    word = testdocs.fresh_word()
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    response = platform.upload(
        "rachel", case["id"], [("invitation.pdf", testdocs.text_pdf(letter(word)), "application/pdf")]
    )
    assert response.status_code == 201, response.text
    evidence_id = response.json()["items"][0]["id"]
    assert platform.wait_for_status("rachel", evidence_id, timeout_s=240)["status"] == "indexed"
    read = facts(platform, evidence_id)
    assert (read["date"], read["kind"]) == ("2026-03-03", "invitation"), read

    page = context.new_page()
    page.set_viewport_size(DESK)
    sign_in(page, platform, "rachel", f"/cases/{case['id']}")
    row = page.locator(f"#evidence-{evidence_id}")
    expect(row.locator(".doc-facts")).to_contain_text("3 Mar 2026 · from the letter")
    expect(row.locator(".doc-facts .kind")).to_have_text("Invitation to a meeting")
    expect(row.locator(".doc-facts .title")).to_have_text("Invitation to a disciplinary hearing")

    # A date that is not a real day: refused beside the field, the typed text kept, nothing saved.
    row.locator("summary", has_text="Correct date, title or kind").click()
    form = row.get_by_role("form", name="Date, title and kind of invitation.pdf")
    form.get_by_label("Date").fill("31/02/2026")
    form.get_by_role("button", name="Save").click()
    row = page.locator(f"#evidence-{evidence_id}")
    form = row.get_by_role("form", name="Date, title and kind of invitation.pdf")
    expect(form.get_by_role("alert")).to_contain_text("Not saved")
    expect(form.locator(f"#date-{evidence_id}-error")).to_contain_text("Not a real date")
    expect(form.get_by_label("Date")).to_have_value("31/02/2026")
    expect(form.get_by_label("Date")).to_have_attribute("aria-invalid", "true")
    shot(page, "rep-case-facts-refused")
    assert facts(platform, evidence_id) == read

    # As people type it, with a new kind; the title is left as read (its source stays the reader's).
    form.get_by_label("Date").fill("10 April 2026")
    form.get_by_label("Kind of document").select_option(label="Outcome letter")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Document details saved")
    row = page.locator(f"#evidence-{evidence_id}")
    expect(row.locator(".doc-facts")).to_contain_text("10 Apr 2026 · set by a rep")
    expect(row.locator(".doc-facts .kind")).to_have_text("Outcome letter")
    shot(page, "rep-case-facts")
    saved = facts(platform, evidence_id)
    assert (saved["date"], saved["date_source"], saved["kind"], saved["kind_source"]) == (
        "2026-04-10",
        "rep",
        "outcome_letter",
        "rep",
    ), saved
    assert (saved["title"], saved["title_source"]) == (read["title"], read["title_source"]), saved

    # Search hears of the correction (through intake's outbox); then the page filters by it.
    deadline = time.monotonic() + 60
    while not platform.search("rachel", word, kind="outcome_letter").json()["total"]:
        assert time.monotonic() < deadline, "the correction did not reach the search index"
        time.sleep(0.25)
    page.goto(platform.url("portal") + f"/search?q={word}")
    filters = page.get_by_role("form", name="Filter results")
    kinds = filters.get_by_role("group", name="Kind of document")
    expect(kinds).to_contain_text("Outcome letter (1)")
    expect(page.locator("ol.results li").first).to_contain_text("dated 10 Apr 2026")
    filters.get_by_label("From", exact=True).fill("1 April 2026")
    filters.get_by_label("To", exact=True).fill("30/04/2026")
    kinds.get_by_role("checkbox", name=re.compile("Outcome letter")).check()
    filters.get_by_role("button", name="Apply filters").click()
    expect(page.locator("ol.results li")).to_have_count(1)
    shot(page, "rep-search-document-facts")
    filters = page.get_by_role("form", name="Filter results")
    filters.get_by_label("From", exact=True).fill("1 May 2026")
    filters.get_by_label("To", exact=True).fill("")
    filters.get_by_role("button", name="Apply filters").click()
    expect(page.locator("main")).to_contain_text("with these filters")
    # A date the search cannot read: a sentence, with the form still there to fix it.
    page.get_by_role("form", name="Filter results").get_by_label("From", exact=True).fill("3 March")
    page.get_by_role("form", name="Filter results").get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("alert")).to_contain_text("year")
    assert "{" not in page.get_by_role("alert").inner_text()


def test_the_member_sees_the_facts_but_no_form(platform: Platform, context: BrowserContext) -> None:
    word = testdocs.fresh_word()
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    response = platform.upload(
        "rachel", case["id"], [("invitation.pdf", testdocs.text_pdf(letter(word)), "application/pdf")]
    )
    assert response.status_code == 201, response.text
    evidence_id = response.json()["items"][0]["id"]
    assert platform.wait_for_status("rachel", evidence_id, timeout_s=240)["status"] == "indexed"
    page = context.new_page()
    sign_in(page, platform, "maria", f"/cases/{case['id']}")
    row = page.locator(f"#evidence-{evidence_id}")
    expect(row.locator(".doc-facts")).to_contain_text("3 Mar 2026 · from the letter")
    expect(row.locator("summary", has_text="Correct date")).to_have_count(0)
    expect(row.locator("form")).to_have_count(0)
