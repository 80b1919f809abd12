"""A session's contact form picks the person from the branch's target list, and a session is changed
and removed in the portal (issue 20; docs/design.md, 'Organising: recruitment weeks'), in a real
browser at phone width.

The campaign, the branch's plan, two sessions and a staff list are made through the API; then Rachel
(rep, north-london) picks Sam Patel from the list on the first session's form (the form ticks "Not a
member" as the list says) and logs the conversation; a second one, picked while the phone has no
connection, waits in the browser with its entry id and is sent when the network is back; without
JavaScript the picker is a plain select that posts the same field. Organising stores each contact
with that target_entry_id. The picker offers only the people of the session's workplace and
department. Cora (coordinator) changes the first session's place and target, is refused with
organising's reason when she removes it (conversations are logged), and removes the empty second
session. Olive (official) sees neither the picker nor the change and remove controls. Every page
passes axe-core's WCAG A/AA rules and fits 375 px; the contact form's controls stay 44 px targets."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from browsing import PHONE, sign_in
from casework_common.typed_dates import london_today
from casework_common.vocabulary import CONTACT_OUTCOME_LABELS
from harness import Platform
from organising_phone import QUEUE_KEY, accessible, organising, phone, small_targets

pytestmark = pytest.mark.stack

BRANCH = "north-london"
# Sam and Amina work in the session's department; Jo does not, so the picker leaves Jo out.
STAFF_LIST = (
    b"Name,Workplace,Department,Membership number\r\n"
    b"Amina Yusuf,Holloway depot,Drivers,M100200\r\n"
    b"Sam Patel,Holloway depot,Drivers,\r\n"
    b"Jo Byrne,Holloway depot,Engineering,\r\n"
)


def made(platform: Platform, user: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response = platform.call(user, method, "organising", path, **kwargs)
    assert response.status_code in (200, 201), response.text
    return response.json()


def session_body(place: str, day: dt.date) -> dict[str, Any]:
    return {
        "place": place,
        "workplace": "Metro Transit, Holloway depot",
        "department": "Drivers",
        "kind": "staff_room_tour",
        "starts_at": f"{day.isoformat()}T07:00",
        "ends_at": f"{day.isoformat()}T09:30",
        "target_contacts": 10,
        "approach": "survey",
        "team": ["rachel", "raj"],
    }


@pytest.fixture(scope="module")
def week(platform: Platform) -> dict[str, Any]:
    """A campaign of London with north-london's plan, two sessions and its staff list."""
    today = london_today()
    campaign = made(
        platform,
        "olive",
        "POST",
        "/v1/campaigns",
        json={
            "name": f"Picker week {uuid.uuid4().hex[:6]}",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=4)).isoformat(),
        },
    )
    plan = made(platform, "cora", "PUT", f"/v1/campaigns/{campaign['id']}/plans/{BRANCH}", json={})
    first = made(
        platform, "cora", "POST", f"/v1/plans/{plan['id']}/sessions", json=session_body("Depot canteen", today)
    )
    second = made(
        platform, "cora", "POST", f"/v1/plans/{plan['id']}/sessions", json=session_body("Drivers' gate", today)
    )
    imported = made(
        platform,
        "cora",
        "POST",
        f"/v1/campaigns/{campaign['id']}/target-lists",
        params={"filename": "holloway-staff.csv"},
        data=STAFF_LIST,
        headers={"Content-Type": "text/csv"},
    )
    entries = made(platform, "cora", "GET", f"/v1/target-lists/{imported['id']}/entries")["items"]
    return {
        "campaign": campaign,
        "first": first,
        "second": second,
        "entry": {e["name"]: e["id"] for e in entries},
    }


def picker(page: Page) -> Any:
    return page.get_by_role("form", name="Log a conversation").get_by_label(re.compile("^Who, from the target list"))


def stored_entries(platform: Platform, session_id: str) -> list[str | None]:
    """The target_entry_id of each conversation organising holds for the session."""
    return [
        c["target_entry_id"] for c in organising(platform, "rachel", f"/v1/sessions/{session_id}/contacts")["items"]
    ]


def test_a_conversation_is_linked_to_a_person_picked_from_the_list(
    platform: Platform, browser: Browser, week: dict[str, Any]
) -> None:
    session_id, entry = week["first"]["id"], week["entry"]
    context, rachel = phone(browser, platform, "rachel", f"/organising/sessions/{session_id}")
    form = rachel.get_by_role("form", name="Log a conversation")
    offered = picker(rachel).locator("option").all_inner_texts()
    assert offered == [
        "Not on the list, or not chosen",
        "Amina Yusuf · Drivers · member",
        "Sam Patel · Drivers · not a member",
    ]  # Jo Byrne (Engineering) is not in the session's department
    assert small_targets(rachel) == []
    accessible(rachel)

    # Amina is a member on the list: picking her ticks "Member"; Sam is not: "Not a member".
    picker(rachel).select_option(label="Amina Yusuf · Drivers · member")
    expect(form.get_by_role("radio", name="Member", exact=True)).to_be_checked()
    picker(rachel).select_option(label="Sam Patel · Drivers · not a member")
    expect(form.get_by_role("radio", name="Not a member", exact=True)).to_be_checked()
    form.get_by_role("radio", name=CONTACT_OUTCOME_LABELS["call_again"], exact=True).check()
    form.get_by_label("Call again on").fill((london_today() + dt.timedelta(days=1)).strftime("%d/%m/%Y"))
    form.get_by_role("button", name="Save this conversation").click()
    count = rachel.locator("[data-logged-count]")
    expect(count).to_have_text("1")
    expect(picker(rachel)).to_have_value("")  # ready for the next person
    assert stored_entries(platform, session_id) == [entry["Sam Patel"]]

    # Offline, the picked entry's id waits in the queue with the rest of the entry.
    context.set_offline(True)
    picker(rachel).select_option(label="Amina Yusuf · Drivers · member")
    form.get_by_role("radio", name=CONTACT_OUTCOME_LABELS["already_member"], exact=True).check()
    form.get_by_role("button", name="Save this conversation").click()
    expect(rachel.locator("[data-queue-status]")).to_contain_text("1 waiting to send")
    queued = rachel.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}'))")
    assert [q["fields"]["target_entry_id"] for q in queued] == [entry["Amina Yusuf"]]
    context.set_offline(False)
    expect(count).to_have_text("2")
    assert sorted(stored_entries(platform, session_id)) == sorted([entry["Sam Patel"], entry["Amina Yusuf"]])

    # Without JavaScript the picker is a plain select posted with the form.
    plain = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(plain, platform, "rachel", f"/organising/sessions/{session_id}")
    picker(plain).select_option(label="Sam Patel · Drivers · not a member")
    plain_form = plain.get_by_role("form", name="Log a conversation")
    plain_form.get_by_role("radio", name=CONTACT_OUTCOME_LABELS["joined"], exact=True).check()
    plain_form.get_by_role("button", name="Save this conversation").click()
    expect(plain.get_by_role("status").first).to_contain_text("Saved: Not a member · Joined")
    assert stored_entries(platform, session_id).count(entry["Sam Patel"]) == 2

    # The region's official reads the session but not the branch's list, and cannot change it.
    _, olive = phone(browser, platform, "olive", f"/organising/sessions/{session_id}")
    expect(olive.get_by_role("heading", level=1)).to_have_text("Depot canteen")
    expect(olive.locator("select[data-target-picker]")).to_have_count(0)
    expect(olive.get_by_role("form", name="Change this session")).to_have_count(0)
    expect(olive.get_by_role("link", name="Remove this session")).to_have_count(0)


def test_a_session_is_changed_and_removed_only_while_nothing_is_logged(
    platform: Platform, browser: Browser, week: dict[str, Any]
) -> None:
    first, second = week["first"]["id"], week["second"]["id"]
    made(
        platform,
        "rachel",
        "POST",
        f"/v1/sessions/{first}/contacts",
        json={
            "client_id": str(uuid.uuid4()),
            "is_member": False,
            "outcome": "not_interested",
        },
    )
    _, cora = phone(browser, platform, "cora", f"/organising/sessions/{first}")
    cora.locator("summary", has_text="Change this session").click()
    change = cora.get_by_role("form", name="Change this session")
    expect(change.get_by_label("Where exactly")).to_have_value("Depot canteen")
    expect(change.get_by_label("Starts at")).to_have_value("07:00")
    accessible(cora)
    change.get_by_label("Where exactly").fill("Drivers' rest room")
    change.get_by_label("Target of contacts").fill("14")
    change.get_by_role("button", name="Save the changes").click()
    expect(cora.get_by_role("status").first).to_contain_text("Session at Drivers' rest room changed")
    expect(cora.get_by_role("heading", level=1)).to_have_text("Drivers' rest room")
    stored = organising(platform, "cora", f"/v1/sessions/{first}")
    assert (stored["place"], stored["target_contacts"]) == ("Drivers' rest room", 14)
    assert (stored["starts_at"], stored["team"]) == (week["first"]["starts_at"], ["rachel", "raj"])  # kept as they were

    # A change organising refuses comes back with its reason beside the field, and changes nothing.
    cora.locator("summary", has_text="Change this session").click()
    change.get_by_label("Ends at").fill("6am")
    change.get_by_role("button", name="Save the changes").click()
    expect(cora.locator("#se-ends-error")).to_contain_text("end after it starts")
    expect(change.get_by_label("Ends at")).to_have_value("6am")
    accessible(cora)
    assert organising(platform, "cora", f"/v1/sessions/{first}")["ends_at"] == week["first"]["ends_at"]

    # Conversations are logged: the session stays, with organising's reason.
    cora.goto(platform.url("portal") + f"/organising/sessions/{first}")
    cora.get_by_role("link", name="Remove this session").click()
    expect(cora.get_by_role("heading", level=1)).to_have_text("Remove the session at Drivers' rest room?")
    accessible(cora)
    cora.get_by_role("button", name="Yes, remove the session").click()
    expect(cora.get_by_role("alert").first).to_contain_text("Conversations or help requests are recorded")
    expect(cora.get_by_role("heading", level=1)).to_have_text("Drivers' rest room")
    assert platform.call("cora", "GET", "organising", f"/v1/sessions/{first}").status_code == 200

    # The empty session goes, after "No, keep it" first leaves it be.
    cora.goto(platform.url("portal") + f"/organising/sessions/{second}")
    cora.get_by_role("link", name="Remove this session").click()
    cora.get_by_role("link", name="No, keep it").click()
    expect(cora.get_by_role("heading", level=1)).to_have_text("Drivers' gate")
    cora.get_by_role("link", name="Remove this session").click()
    cora.get_by_role("button", name="Yes, remove the session").click()
    expect(cora.get_by_role("status").first).to_contain_text("Session at Drivers' gate removed")
    expect(cora.get_by_role("heading", level=1)).to_have_text(week["campaign"]["name"])
    expect(cora.locator("#sessions")).not_to_contain_text("Drivers' gate")
    accessible(cora)
    assert platform.call("cora", "GET", "organising", f"/v1/sessions/{second}").status_code == 404
