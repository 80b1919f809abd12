"""A recruitment week in a real browser at phone width (docs/design.md, 'Organising: recruitment
weeks'). Olive (official, london) opens the campaign; Cora (coordinator, north-london) adds the
branch's plan and two sessions, each worked in a pair; Rachel (rep) logs twelve conversations on the
contact form, two of them while the phone has no connection: they wait in the browser and are sent
when it is back, once each (organising holds exactly twelve, and an entry sent again is answered
"already saved"); her call-again follow-up reminds her once through notify, and a later join recorded
from the follow-ups page closes it; Olive's region view charts the branch's contacts against its
target (read from the Chart.js chart itself) and she highlights the plan, which the highlights page
then lists. Every new page passes axe-core's WCAG 2.0/2.1 A and AA rules and fits a 375 px screen;
every control of the contact form is a touch target at least 44 px high and wide. Without JavaScript
the form still posts, once per page.

On the test platform every follow-up is due at once (CASEWORK_ORGANISING_TODAY, tests/conftest.py:
the platform's "today" is far in the future), so the reminder comes within seconds."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from browsing import PHONE, shot, sign_in
from casework_common.typed_dates import london_today
from casework_common.vocabulary import CONTACT_OUTCOME_LABELS
from harness import Platform
from organising_phone import QUEUE_KEY, accessible, organising, phone, small_targets

pytestmark = pytest.mark.stack

BRANCH = "north-london"
STAFF_LIST = (
    b"Name;Site;Dept;Member no\r\n"
    b"Amina Yusuf;Holloway depot;Drivers;M100200\r\n"
    b"Sam Patel;Holloway depot;Drivers;\r\n"
    b"Jo Byrne;Holloway depot;Engineering;\r\n"
)


def typed(day: dt.date) -> str:
    """A day as people type it: "1 December 2026"."""
    return f"{day.day} {day:%B %Y}"


def log(page: Page, outcome: str, *, member: bool = False, **extra: str) -> None:
    """Fill the contact form for one conversation and save it (sent, or queued when offline)."""
    form = page.get_by_role("form", name="Log a conversation")
    form.get_by_role("radio", name="Member" if member else "Not a member", exact=True).check()
    form.get_by_role("radio", name=CONTACT_OUTCOME_LABELS[outcome], exact=True).check()
    if "call_again_on" in extra:
        form.get_by_label("Call again on").fill(extra["call_again_on"])
    if "category" in extra:
        form.get_by_label("What concerns them most at work").select_option(extra["category"])
    if "words" in extra:
        form.get_by_label("In their words").fill(extra["words"])
    if "petition" in extra:
        form.get_by_role("checkbox", name="Signed the petition").check()
    form.get_by_role("button", name="Save this conversation").click()


def wait_for_reminder(platform: Platform, follow_up_id: str) -> list[dict[str, Any]]:
    """Rachel's inbox items for this follow-up's reminder, once there is one (notify reads the event
    from the broker: it arrives in a few seconds)."""
    deadline = time.monotonic() + 60
    while True:
        items = [
            item
            for item in platform.inbox("rachel")
            if item.get("kind") == "organising_followup" and (item.get("link") or "").endswith(follow_up_id)
        ]
        if items:
            return items
        assert time.monotonic() < deadline, "no follow-up reminder reached Rachel's inbox"
        time.sleep(0.5)


def test_a_recruitment_week_on_a_phone(platform: Platform, browser: Browser) -> None:
    today = london_today()
    tomorrow = today + dt.timedelta(days=1)
    name = f"Recruitment week {uuid.uuid4().hex[:6]}"

    # Olive opens the campaign (the first day typed in words, the last one day first in figures).
    _, olive = phone(browser, platform, "olive", "/organising")
    expect(olive.get_by_role("navigation", name="Main").get_by_role("link", name="Recruitment")).to_be_visible()
    olive.locator("#open-campaign").evaluate("(panel) => { panel.open = true; }")
    opening = olive.get_by_role("form", name="Open a campaign")
    opening.get_by_label("Name", exact=True).fill(name)
    opening.get_by_label(re.compile("^First day")).fill(typed(today))
    opening.get_by_label(re.compile("^Last day")).fill((today + dt.timedelta(days=4)).strftime("%d/%m/%Y"))
    opening.get_by_label("Notes for the branches").fill("Tell us your plans by Friday.")
    accessible(olive)
    opening.get_by_role("button", name="Open the campaign").click()
    expect(olive.get_by_role("heading", level=1)).to_have_text(name)
    campaign_id = olive.url.rsplit("/", 1)[-1].split("#")[0]
    campaign = organising(platform, "olive", f"/v1/campaigns/{campaign_id}")
    assert (campaign["starts_on"], campaign["ends_on"]) == (
        today.isoformat(),
        (today + dt.timedelta(days=4)).isoformat(),
    )
    assert BRANCH in campaign["branches_without_plan"]

    # Cora adds the branch's plan and two sessions, each worked in a pair.
    _, cora = phone(browser, platform, "cora", "/organising")
    cora.get_by_role("link", name=re.compile(re.escape(name))).click()
    plan_form = cora.get_by_role("form", name="Branch plan")
    plan_form.get_by_label("Your link official's username").fill("olive")
    plan_form.get_by_label("Backup plan").fill("If the canteen is empty, go to the drivers' gate at shift change.")
    plan_form.get_by_role("button", name="Save the plan").click()
    expect(cora.get_by_role("status").first).to_contain_text("plan is saved")
    sessions = [
        (
            "Depot canteen",
            "Metro Transit, Holloway depot",
            "Staff-room tour",
            typed(today),
            "7am",
            "9.30am",
            "10",
            "rachel, raj",
        ),
        (
            "Garage mess room",
            "Metro Transit, Finchley garage",
            "Door knocking",
            tomorrow.strftime("%d/%m/%Y"),
            "14:00",
            "4pm",
            "8",
            "cora, rachel",
        ),
    ]
    for place, workplace, kind, day, starts, ends, target, team in sessions:
        cora.locator("#add-session").evaluate("(panel) => { panel.open = true; }")
        form = cora.get_by_role("form", name="Add a session")
        form.get_by_label("Where exactly").fill(place)
        form.get_by_label("Workplace").fill(workplace)
        form.get_by_label("Kind of session").select_option(label=kind)
        form.get_by_label("Day").fill(day)
        form.get_by_label("Starts at").fill(starts)
        form.get_by_label("Ends at").fill(ends)
        form.get_by_label("Target of contacts").fill(target)
        form.get_by_label("How you open the conversation").select_option("survey")
        form.get_by_label("The survey question").fill("What concerns you most at work?")
        form.get_by_label("Team:").fill(team)
        form.get_by_role("button", name="Add the session").click()
        expect(cora.get_by_role("status").first).to_contain_text(f"Session at {place} added")
    # The staff list (semicolons, "Site", "Dept", "Member no" as the branch's spreadsheet has them)
    # and the materials for the week.
    cora.get_by_label("CSV file").set_input_files(
        files=[{"name": "holloway-staff.csv", "mimeType": "text/csv", "buffer": STAFF_LIST}]
    )
    cora.get_by_role("button", name="Import the list").click()
    expect(cora.get_by_role("status").first).to_contain_text(
        "Imported holloway-staff.csv: 3 people, 1 is a member already, 2 to approach."
    )
    cora.get_by_role("link", name="holloway-staff.csv").click()
    expect(cora.get_by_role("heading", level=2)).to_have_text("2 people")  # not members yet, the default
    who = cora.get_by_role("form", name="Who to approach")
    who.get_by_label("Department").fill("drivers")
    who.get_by_role("button", name="Show").click()
    people = cora.get_by_role("table", name="People on the list")
    expect(people.get_by_role("row")).to_have_count(2)  # the heading and Sam Patel
    expect(people).to_contain_text("Sam Patel")
    accessible(cora)
    cora.go_back()
    cora.go_back()
    materials = cora.get_by_role("form", name="Order materials")
    materials.get_by_label("What you need").fill("200 calling cards, 50 survey forms")
    materials.get_by_label("Needed by").fill(typed(today))
    materials.get_by_role("button", name="Order the materials").click()
    expect(cora.get_by_role("status").first).to_contain_text("Materials ordered")
    accessible(cora)
    plan = organising(
        platform, "cora", f"/v1/plans/{organising(platform, 'cora', f'/v1/campaigns/{campaign_id}')['my_plan']}"
    )
    assert [(s["place"], s["team"], s["target_contacts"]) for s in plan["sessions"]] == [
        ("Depot canteen", ["rachel", "raj"], 10),
        ("Garage mess room", ["cora", "rachel"], 8),
    ]
    first = plan["sessions"][0]
    assert first["starts_at"].startswith(f"{today.isoformat()}T07:00:00")  # London time, as typed

    # Rachel logs twelve conversations in the first session on her phone.
    rachel_context, rachel = phone(browser, platform, "rachel", f"/organising/sessions/{first['id']}")
    expect(rachel.get_by_role("heading", level=1)).to_have_text("Depot canteen")
    rachel.locator("summary", has_text="Their name and how to reach them").click()
    assert small_targets(rachel) == []
    accessible(rachel)
    shot(rachel, "organising-contact-form")
    count = rachel.locator("[data-logged-count]")
    status = rachel.locator("[data-queue-status]")

    log(rachel, "joined", category="pay", petition="yes")
    log(rachel, "not_interested")
    log(rachel, "already_member", member=True, category="workload", words="Rotas change at a day's notice.")
    expect(count).to_have_text("3")
    # A call-again with the person's details but no lawful basis: organising refuses it, and the
    # entry comes back into the form with the reason beside the field.
    form = rachel.get_by_role("form", name="Log a conversation")
    rachel.locator("summary", has_text="Their name and how to reach them").click()  # folded after each entry
    form.get_by_label("Name", exact=True).fill("Sam Patel")
    form.get_by_label("Phone or e-mail").fill("07700 900123")
    log(rachel, "call_again", call_again_on=f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B}", category="hours_and_rotas")
    expect(rachel.locator("#c-lawful_basis-error")).to_contain_text("Say why the union may keep their details")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Sam Patel")
    expect(count).to_have_text("3")
    form.get_by_role("radio", name=re.compile("^Consent")).check()
    form.get_by_role("button", name="Save this conversation").click()
    expect(count).to_have_text("4")
    for outcome, extra in [
        ("not_there", {}),
        ("already_member", {"category": "pay"}),
        ("joined", {"category": "health_and_safety"}),
        ("not_eligible", {}),
        ("joined", {}),
        ("not_interested", {"category": "pay"}),
    ]:
        log(rachel, outcome, member=outcome == "already_member", **extra)
    expect(count).to_have_text("10")
    expect(status).to_have_text(re.compile("^Saved: "))

    # The connection goes: two more conversations wait on the phone.
    rachel_context.set_offline(True)
    log(rachel, "joined", category="workload")
    expect(status).to_contain_text("1 waiting to send")
    log(rachel, "already_member", member=True, category="hours_and_rotas")
    expect(status).to_contain_text("2 waiting to send")
    queued = rachel.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}'))")
    assert len(queued) == 2 and queued[0]["client_id"] != queued[1]["client_id"]
    assert len(organising(platform, "rachel", f"/v1/sessions/{first['id']}/contacts")["items"]) == 10
    rachel_context.set_offline(False)
    expect(count).to_have_text("12")
    expect(status).not_to_contain_text("waiting")
    assert rachel.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}'))") == []
    assert {q["user"] for q in queued} == {"rachel"}
    # The same entry sent again (a retry after a lost answer) is saved once.
    rachel.evaluate(f"(entry) => localStorage.setItem('{QUEUE_KEY}', JSON.stringify([entry]))", queued[0])
    rachel.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_have_text("Already saved.")
    logged = organising(platform, "rachel", f"/v1/sessions/{first['id']}/contacts")["items"]
    assert len(logged) == 12, logged
    assert len({c["client_id"] for c in logged}) == 12
    assert {q["client_id"] for q in queued} <= {c["client_id"] for c in logged}
    expect(count).to_have_text("12")
    # The manager asks them to leave the canteen: Rachel asks the link official for help.
    help_form = rachel.get_by_role("form", name="Need help?")
    help_form.get_by_label("What is happening").fill("The manager asked us to leave the canteen.")
    help_form.get_by_role("button", name="Ask for help").click()
    expect(rachel.get_by_role("status").first).to_contain_text("Help is on its way")
    expect(count).to_have_text("12")
    expect(rachel.locator("#help-requests")).to_contain_text("The manager asked us to leave the canteen.")
    # Olive follows the notification's link: she reads the message, and no conversation of the session.
    olive.goto(platform.url("portal") + f"/organising/sessions/{first['id']}#help-requests")
    expect(olive.locator("#help-requests")).to_contain_text("The manager asked us to leave the canteen.")
    expect(olive.locator("[data-logged]")).to_have_count(0)
    accessible(olive)

    # The call-again follow-up reminds Rachel once.
    call_again = next(c for c in logged if c["outcome"] == "call_again")
    assert call_again["call_again_on"] == tomorrow.isoformat() and call_again["lawful_basis"] == "consent"
    follow_up = next(
        f
        for f in organising(platform, "rachel", "/v1/follow-ups", state="open")["items"]
        if f["contact_id"] == call_again["id"]
    )
    assert sorted(follow_up["team"]) == ["rachel", "raj"]
    reminders = wait_for_reminder(platform, follow_up["id"])

    # A later join, recorded from the follow-ups page, closes it.
    rachel.goto(platform.url("portal") + "/organising/follow-ups")
    card = rachel.locator(f"#follow-up-{follow_up['id']}")
    expect(card).to_contain_text("Sam Patel")
    accessible(rachel)
    card.get_by_role("link", name=re.compile("^Record the conversation")).click()
    expect(rachel.locator("#log")).to_contain_text("Following up: Sam Patel")
    log(rachel, "joined")
    expect(count).to_have_text("13")
    open_now = organising(platform, "rachel", "/v1/follow-ups", state="open")["items"]
    assert follow_up["id"] not in {f["id"] for f in open_now}
    closed = next(
        f
        for f in organising(platform, "rachel", "/v1/follow-ups", state="closed")["items"]
        if f["id"] == follow_up["id"]
    )
    assert closed["closed_by_contact"] and closed["reminded_at"]
    assert len(reminders) == 1 and len(wait_for_reminder(platform, follow_up["id"])) == 1  # once, passes later

    # Olive's region view: the branch's contacts against its target, from the chart itself.
    olive.goto(platform.url("portal") + f"/organising/campaigns/{campaign_id}")
    olive.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('branch-chart'))")
    chart = olive.evaluate(
        """() => { const c = Chart.getChart(document.getElementById('branch-chart'));
                   return {labels: c.data.labels, sets: c.data.datasets.map((d) => [d.label, d.data])}; }"""
    )
    at = chart["labels"].index(BRANCH)
    assert {label: data[at] for label, data in chart["sets"]} == {"Contacts": 13, "Target": 18}
    table = olive.get_by_role("table", name="Contacts against target by branch")
    expect(table.get_by_role("row", name=re.compile(BRANCH))).to_contain_text("13")
    accessible(olive)
    plan_card = olive.locator("article.plan", has=olive.get_by_role("heading", name=BRANCH))
    plan_card.get_by_role("link", name=re.compile("^See the plan")).click()
    expect(olive.get_by_role("heading", level=1)).to_have_text(f"Plan of {BRANCH}")
    expect(olive.get_by_role("main")).to_contain_text("Garage mess room")
    accessible(olive)
    olive.go_back()
    plan_card.get_by_label("Why it stands out").fill("Two sessions in pairs, opening with a survey.")
    plan_card.get_by_role("button", name=re.compile("^Highlight this plan")).click()
    expect(olive.get_by_role("status").first).to_contain_text("highlighted")
    expect(plan_card.get_by_role("heading", name=BRANCH)).to_contain_text("Highlighted")
    shot(olive, "organising-region-view")
    order = olive.locator("#materials article", has_text="200 calling cards")
    order.get_by_role("button", name=re.compile("^Mark as fulfilled")).click()
    expect(olive.get_by_role("status").first).to_contain_text("fulfilled")
    expect(olive.locator("#materials article", has_text="200 calling cards")).to_contain_text("Fulfilled")
    with olive.expect_download() as downloading:
        olive.get_by_role("link", name="Branches", exact=True).click()
    exported = Path(downloading.value.path()).read_text(encoding="utf-8-sig")
    row = next(line for line in exported.splitlines() if line.startswith(BRANCH))
    assert {"13", "18"} <= set(row.split(",")), exported
    olive.get_by_role("link", name="Highlighted plans").click()
    highlight = olive.get_by_role("article").filter(has=olive.get_by_role("heading", name=BRANCH))
    expect(highlight).to_contain_text("Two sessions in pairs, opening with a survey.")
    expect(highlight).to_contain_text("Depot canteen")
    accessible(olive)

    # Without JavaScript the form posts as it is, with the id made when the page was shown: the same
    # form sent again (a double tap, a retry after a timeout) saves one conversation.
    second = plan["sessions"][1]
    plain = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(plain, platform, "rachel", f"/organising/sessions/{second['id']}")
    form = plain.get_by_role("form", name="Log a conversation")
    form.get_by_role("radio", name="Not a member", exact=True).check()
    form.get_by_role("radio", name="Not interested", exact=True).check()
    sent = dict(form.evaluate("(f) => Array.from(new FormData(f).entries())"))
    form.get_by_role("button", name="Save this conversation").click()
    expect(plain.get_by_role("status").first).to_contain_text("Saved: Not a member · Not interested")
    again = plain.request.post(platform.url("portal") + f"/organising/sessions/{second['id']}/contacts", form=sent)
    assert again.ok and "Already saved." in again.text()
    assert len(organising(platform, "rachel", f"/v1/sessions/{second['id']}/contacts")["items"]) == 1
