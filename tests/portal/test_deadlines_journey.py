"""Deadlines in a real browser (docs/design.md, 'Deadlines'): a rep records a dismissal and the ACAS early conciliation
dates, sees the tribunal clock with how it was computed, drafts a subject access request, records it
sent and sees its deadline; the regional official, brought in by a referral discussion, finds both on
the "deadlines in the next 14 days" page. A refused form keeps what was typed; a member's case page
shows only the deadlines meant for her; the calendar page shows a feed's address once and revokes it.
Every page on the way passes axe-core's WCAG 2.0/2.1 A and AA rules."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from dateutil.relativedelta import relativedelta
from playwright.sync_api import Browser, Locator, Page, expect

from browsing import DESK, PHONE, open_panel, shot, sign_in
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
LONDON = ZoneInfo("Europe/London")
DAYS_LEFT = re.compile(r"\d+ days? left|due today")


def accessible(page: Page) -> None:
    violations = Axe().run(page, options=WCAG_AA).response["violations"]
    found = [f"{v['id']} at {json.dumps([n['target'] for n in v['nodes']][:3])}" for v in violations]
    assert not found, f"{page.url}: {found}"


def today() -> dt.date:
    """Today where workflow counts days: Europe/London."""
    return dt.datetime.now(LONDON).date()


def long_date(day: dt.date | str) -> str:
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.day} {day:%B %Y}"


def deadlines(platform: Platform, user: str, case_id: str) -> list[dict]:
    response = platform.call(user, "GET", "workflow", f"/v1/cases/{case_id}/deadlines")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def period_months(platform: Platform, dismissed: dt.date) -> int:
    """The unfair dismissal limitation period (months) in England and Wales for a dismissal on that
    day, from the rule set in force (its rules carry the dates they apply from and to)."""
    response = platform.call("rachel", "GET", "workflow", "/v1/deadline-rules")
    assert response.status_code == 200, response.text
    day = dismissed.isoformat()
    for rule in response.json()["document"]["claim_types"]["unfair_dismissal"]["rules"]:
        starts, ends = rule.get("effective_from") or "", rule.get("effective_to") or "9999"
        if "england_wales" in rule["jurisdictions"] and starts <= day <= ends:
            return rule["period_months"]
    raise AssertionError(f"no unfair dismissal rule for {day}")


def deadline_card(page: Page, label: str | re.Pattern[str]) -> Locator:
    """One deadline on the case page, found by its heading."""
    return (
        page.get_by_role("region", name="Deadlines", exact=True)
        .get_by_role("article")
        .filter(has=page.get_by_role("heading", name=label))
    )


def test_a_rep_records_dismissal_and_acas_dates_drafts_a_sar_and_the_official_sees_both(
    platform: Platform, browser: Browser
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Dora Mensah", case_type="dismissal")
    # Dismissed a little over the limitation period ago (three months, or six under the rule in force
    # for a later dismissal); ten days of early conciliation (Day A to Day B) push the limit about a
    # week past it: due within the official's 14 days.
    candidates = {months: today() - relativedelta(months=months) - dt.timedelta(days=2) for months in (3, 6)}
    dismissed = next(day for months, day in candidates.items() if period_months(platform, day) == months)
    day_a, day_b = dismissed + dt.timedelta(days=10), dismissed + dt.timedelta(days=20)

    rep = browser.new_context(viewport=DESK, accept_downloads=True).new_page()
    sign_in(rep, platform, "rachel", f"/cases/{case['id']}")
    section = rep.get_by_role("region", name="Deadlines", exact=True)
    expect(section).to_contain_text("No open deadlines")
    form = rep.get_by_role("form", name="Deadline facts")
    expect(form).to_be_visible()  # open while the case has no facts
    form.get_by_label("Where the member works").select_option("england_wales")
    form.get_by_label("Effective date of termination", exact=True).fill(dismissed.isoformat())
    form.get_by_label("ACAS Day A").fill(day_a.isoformat())
    form.get_by_label("ACAS Day B").fill(day_b.isoformat())
    form.get_by_role("checkbox", name=re.compile("unfair dismissal", re.IGNORECASE)).check()
    accessible(rep)
    form.get_by_role("button", name="Save the facts and compute the deadlines").click()

    expect(rep.get_by_role("status").first).to_contain_text("Deadline facts saved")
    clocks = [d for d in deadlines(platform, "rachel", case["id"]) if d["state"] == "open"]
    tribunal = next(d for d in clocks if d["kind"] == "tribunal_claim" and "unfair" in d["label"].lower())
    assert 0 <= tribunal["days_left"] <= 14, tribunal  # the scenario's premise, from workflow's own arithmetic
    card = deadline_card(rep, tribunal["label"])
    expect(card).to_contain_text(f"due {long_date(tribunal['due_on'])}")
    expect(card).to_contain_text(DAYS_LEFT)
    expect(card).to_contain_text("Indicative only")
    expect(card.get_by_role("link")).to_have_attribute("href", re.compile("^https://"))  # the rule's source
    card.locator("summary", has_text="How this date was computed").click()
    expect(card.locator("ol.steps li").first).to_be_visible()
    expect(card.locator("ol.steps")).to_contain_text(long_date(day_b))  # the conciliation counted
    accessible(rep)
    shot(rep, "rep-deadlines")

    # A subject access request to the employer, drafted from the template and sent 20 days ago.
    rep.get_by_role("link", name="What each request can obtain").click()
    expect(rep.get_by_role("heading", level=1)).to_contain_text("Subject access")
    expect(rep.get_by_role("heading", level=2).first).to_be_visible()
    accessible(rep)
    rep.go_back()
    rep.get_by_role("link", name="Request information (subject access or FOI)").click()
    expect(rep.get_by_role("heading", level=1)).to_contain_text(case["reference"])
    accessible(rep)
    rep.get_by_role("radio", name=re.compile("^Subject access request")).check()
    expect(rep.get_by_label("To (the employer, or the public body)")).to_have_value("Metro Transit Ltd")
    rep.get_by_label("What you are asking for").fill(
        "All personal data about me, including e-mails, notes and messages that mention me, since 1 January 2026."
    )
    rep.get_by_role("button", name="Write the letter").click()
    expect(rep.get_by_role("heading", level=1)).to_contain_text("Subject access request to Metro Transit Ltd")
    letter = rep.get_by_role("textbox", name=re.compile("Subject access request"))
    expect(letter).to_contain_text("Dora Mensah")
    with rep.expect_download() as downloading:
        rep.get_by_role("link", name="Download as text").click()
    assert "Dora Mensah" in Path(downloading.value.path()).read_text()
    accessible(rep)
    sent = today() - dt.timedelta(days=20)
    rep.get_by_label("Sent on").fill(sent.isoformat())
    rep.get_by_role("button", name="Record as sent").click()
    expect(rep.get_by_role("status").first).to_contain_text("Recorded as sent")
    clock = rep.get_by_role("region", name="Deadline for the reply")
    expect(clock).to_contain_text("Reply due")
    expect(clock).to_contain_text(DAYS_LEFT)
    sar = next(d for d in deadlines(platform, "rachel", case["id"]) if d["kind"] == "subject_access")
    expect(clock).to_contain_text(long_date(sar["due_on"]))
    accessible(rep)
    shot(rep, "rep-subject-access-request")

    # Back on the case page both clocks show, and the rep asks the official to discuss a referral.
    rep.goto(platform.url("portal") + f"/cases/{case['id']}")
    expect(deadline_card(rep, sar["label"])).to_contain_text(f"due {long_date(sar['due_on'])}")
    # A request's deadline ends with the request's reply or withdrawal, not by a button of its own.
    mark_met = re.compile(r"^Mark .* as met$")
    expect(deadline_card(rep, tribunal["label"]).get_by_role("button", name=mark_met)).to_have_count(1)
    expect(deadline_card(rep, sar["label"]).get_by_role("button", name=mark_met)).to_have_count(0)
    expect(
        deadline_card(rep, sar["label"]).get_by_role("link", name="Record the reply or withdraw the request")
    ).to_be_visible()
    expect(rep.get_by_role("region", name="Requests for information")).to_contain_text("Metro Transit Ltd")
    open_panel(rep, "Request a referral discussion")
    rep.get_by_label("Why").fill("Dismissal; a tribunal claim is due soon.")
    rep.get_by_role("button", name="Request a referral discussion", exact=True).click()
    expect(rep.get_by_role("status").first).to_contain_text("Referral discussion requested")

    official = browser.new_context(viewport=PHONE).new_page()
    sign_in(official, platform, "olive", "/login")
    official.get_by_role("navigation", name="Main").get_by_role("link", name="Deadlines").click()
    expect(official.get_by_role("heading", level=1)).to_have_text("Deadlines in the next 14 days")
    soon = official.get_by_role("region", name="Deadlines due soon")
    for item in (tribunal, sar):
        row = soon.locator("tbody tr").filter(has_text=item["label"]).filter(has_text=case["reference"])
        expect(row).to_have_count(1)
        expect(row).to_contain_text(long_date(item["due_on"]))
        expect(row).to_contain_text(DAYS_LEFT)
    accessible(official)
    shot(official, "official-deadlines-soon")
    soon.get_by_role("link", name=case["reference"]).first.click()
    expect(official.get_by_role("heading", level=1)).to_have_text(case["reference"])
    expect(deadline_card(official, tribunal["label"])).to_be_visible()


def test_refused_deadline_facts_are_shown_beside_the_field_and_nothing_typed_is_lost(
    platform: Platform, browser: Browser
) -> None:
    case = platform.create_case("rachel", unique_number(), case_type="dismissal")
    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, platform, "rachel", f"/cases/{case['id']}")
    form = page.get_by_role("form", name="Deadline facts")
    dismissed = today() - dt.timedelta(days=30)
    form.get_by_label("Where the member works").select_option("scotland")
    form.get_by_label("Effective date of termination", exact=True).fill(dismissed.isoformat())
    form.get_by_label("ACAS Day A").fill((dismissed + dt.timedelta(days=9)).isoformat())
    form.get_by_label("ACAS Day B").fill((dismissed + dt.timedelta(days=2)).isoformat())  # before Day A
    form.get_by_role("checkbox", name=re.compile("unfair dismissal", re.IGNORECASE)).check()
    form.get_by_label("Appeal window (days", exact=False).fill("7")
    form.get_by_role("radio", name="working days").check()
    form.get_by_role("button", name="Save the facts and compute the deadlines").click()

    form = page.get_by_role("form", name="Deadline facts")
    expect(form.get_by_role("alert")).to_contain_text("Not saved")
    day_b = form.get_by_label("ACAS Day B")
    expect(day_b).to_have_attribute("aria-invalid", "true")
    expect(day_b).to_have_accessible_description(re.compile(r"\S"))
    expect(day_b).to_have_value((dismissed + dt.timedelta(days=2)).isoformat())
    expect(form.get_by_label("ACAS Day A")).to_have_value((dismissed + dt.timedelta(days=9)).isoformat())
    expect(form.get_by_label("Effective date of termination", exact=True)).to_have_value(dismissed.isoformat())
    expect(form.get_by_label("Where the member works")).to_have_value("scotland")
    expect(form.get_by_role("checkbox", name=re.compile("unfair dismissal", re.IGNORECASE))).to_be_checked()
    expect(form.get_by_label("Appeal window (days", exact=False)).to_have_value("7")
    expect(form.get_by_role("radio", name="working days")).to_be_checked()
    accessible(page)
    assert not [d for d in deadlines(platform, "rachel", case["id"]) if d["state"] == "open"]


def test_a_member_sees_only_the_deadlines_meant_for_her(platform: Platform, browser: Browser) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    due = today() + dt.timedelta(days=10)
    labels = {"member": f"Appeal letter to HR {unique_number()}", "reps": f"Brief the solicitor {unique_number()}"}
    for visibility, label in labels.items():
        body = {"kind": "other", "label": label, "due_on": due.isoformat(), "visibility": visibility}
        response = platform.call("rachel", "POST", "workflow", f"/v1/cases/{case['id']}/deadlines", json=body)
        assert response.status_code == 201, response.text

    member = browser.new_context(viewport=PHONE).new_page()
    sign_in(member, platform, "maria", f"/cases/{case['id']}")
    section = member.get_by_role("region", name="Deadlines", exact=True)
    expect(deadline_card(member, labels["member"])).to_contain_text(f"due {long_date(due)}")
    expect(deadline_card(member, labels["member"])).to_contain_text("10 days left")
    expect(section).not_to_contain_text(labels["reps"])
    expect(section.get_by_role("button")).to_have_count(0)  # no marking met, no facts form
    expect(member.get_by_role("form", name="Deadline facts")).to_have_count(0)
    expect(member.get_by_role("region", name="Requests for information")).to_have_count(0)
    expect(member.get_by_role("navigation", name="Main").get_by_role("link", name="Deadlines")).to_have_count(0)
    accessible(member)
    shot(member, "member-deadlines")

    # The rep sees both and marks the reps-only one met; it moves to the met or withdrawn list.
    rep = browser.new_context(viewport=PHONE).new_page()
    sign_in(rep, platform, "rachel", f"/cases/{case['id']}")
    expect(deadline_card(rep, labels["member"])).to_be_visible()
    card = deadline_card(rep, labels["reps"])
    expect(card).to_contain_text("reps only")
    card.get_by_role("button", name=f"Mark “{labels['reps']}” as met").click()
    expect(rep.get_by_role("status").first).to_contain_text("marked as met")
    expect(deadline_card(rep, labels["reps"])).to_have_count(0)
    expect(rep.locator("details", has_text="Met or withdrawn")).to_contain_text(labels["reps"])
    accessible(rep)


def feed_ids(platform: Platform) -> list[str]:
    """Rachel's live feeds."""
    response = platform.call("rachel", "GET", "workflow", "/v1/calendar-feeds")
    assert response.status_code == 200, response.text
    return [feed["id"] for feed in response.json()["items"] if feed["state"] == "active"]


def test_the_calendar_page_shows_a_feed_once_and_revokes_it(platform: Platform, browser: Browser) -> None:
    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, platform, "rachel", "/login")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("calendar")
    accessible(page)
    before = set(feed_ids(platform))
    page.get_by_label("Name it").fill("Work phone")
    page.get_by_role("button", name="Create a calendar address").click()
    address = page.get_by_role("textbox", name="Calendar address")
    expect(address).to_have_value(re.compile("^" + re.escape(platform.url("portal")) + r"/calendar/\S+\.ics$"))
    expect(page.get_by_role("button", name="Copy the address")).to_be_visible()  # copy.js, not an inline script
    expect(page.get_by_role("heading", name="Google Calendar")).to_be_visible()
    accessible(page)
    shot(page, "calendar-feed-created")
    url = address.input_value()
    feed = requests.get(url, timeout=15)
    assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR"), feed.text[:200]

    page.goto(platform.url("portal") + "/calendar")
    expect(page.get_by_role("textbox", name="Calendar address")).to_have_count(0)  # shown once only
    assert url not in page.content()
    (created,) = set(feed_ids(platform)) - before
    row = page.get_by_role("region", name="Your calendar addresses").locator(f"#feed-{created}")
    expect(row).to_contain_text("Work phone")
    row.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(page.get_by_role("status").first).to_contain_text("no longer works")
    expect(page.locator(f"#feed-{created}")).to_contain_text("Revoked")
    expect(page.locator(f"#feed-{created}").get_by_role("button")).to_have_count(0)
    accessible(page)
    assert requests.get(url, timeout=15).status_code == 404


def test_a_reply_is_recorded_with_its_documents_and_an_overdue_request_offers_the_complaint(
    platform: Platform, browser: Browser
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Ada Byrne")
    made = {}
    for name, sent in (("answered", today() - dt.timedelta(days=5)), ("overdue", today() - dt.timedelta(days=60))):
        body = {
            "kind": "subject_access",
            "recipient": "Metro Transit Ltd",
            "requested": f"All my personal data ({name}).",
        }
        response = platform.call(
            "rachel", "POST", "workflow", f"/v1/cases/{case['id']}/information-requests", json=body
        )
        assert response.status_code == 201, response.text
        made[name] = response.json()["id"]
        path = f"/v1/cases/{case['id']}/information-requests/{made[name]}/sent"
        response = platform.call("rachel", "POST", "workflow", path, json={"sent_on": sent.isoformat()})
        assert response.status_code == 200, response.text

    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, platform, "rachel", f"/cases/{case['id']}/information-requests/{made['answered']}")
    open_panel(page, "Record the reply")
    page.get_by_label("Reply received on").fill(today().isoformat())
    page.get_by_label("The reply's documents").set_input_files(
        [{"name": "sar-reply.txt", "mimeType": "text/plain", "buffer": b"Your personal data, as held by Metro.\n"}]
    )
    page.get_by_role("button", name="Record the reply").click()
    expect(page.get_by_role("status").first).to_contain_text("Reply recorded with 1 document(s)")
    reply = page.get_by_role("region", name="The reply")
    expect(reply.get_by_role("link", name="sar-reply.txt")).to_be_visible()
    expect(page.get_by_role("region", name="Deadline for the reply")).to_contain_text("met")
    accessible(page)
    evidence = platform.call("rachel", "GET", "intake", f"/v1/cases/{case['id']}/evidence").json()["items"]
    assert [item["filename"] for item in evidence] == ["sar-reply.txt"]

    page.goto(platform.url("portal") + f"/cases/{case['id']}/information-requests/{made['overdue']}")
    expect(page.get_by_role("region", name="Deadline for the reply")).to_contain_text("days overdue")
    page.get_by_role("link", name=re.compile("^Write a complaint")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("has not replied")
    expect(page.get_by_role("link", name="Information Commissioner's Office")).to_be_visible()
    expect(page.get_by_role("textbox").first).to_contain_text("Ada Byrne")
    accessible(page)
    shot(page, "rep-sar-complaint")
