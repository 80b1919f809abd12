"""Issues raised in recruitment conversations, beside the casework trends (issue 20, "a signal the
union uses beside the casework trends"), in a real browser.

Set up through organising's APIs: Olive (official, london) opens two campaigns; in the later one
Cora plans north-london's session, where Rachel logs six conversations with "pay" raised, and Ravi
plans south-london's, where he logs one with "job security". On the trends page:

- Olive chooses the campaign and sees her whole region: pay at the depot six times, and job security
  withheld ("fewer than 5"), in the table and in the Chart.js chart drawn from it (a null bar);
  the earlier campaign says that nothing was raised in it. axe-core's WCAG A/AA rules pass.
- Ravi (rep, south-london, same region) sees his branch only: his one job-security conversation, and
  nothing of north-london's depot.
- Owen (official of another region) sees neither campaign, nor any of their workplaces.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from browsing import PHONE, shot, sign_in
from casework_common.typed_dates import london_today
from harness import Platform
from organising_phone import accessible

pytestmark = pytest.mark.stack

SECTION = "Issues raised in recruitment conversations"
CHART = "issues-raised-chart"


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def open_campaign(platform: Platform, name: str, starts_on: dt.date) -> dict[str, Any]:
    body = {"name": name, "starts_on": starts_on.isoformat(), "ends_on": (starts_on + dt.timedelta(days=4)).isoformat()}
    return ok(platform.call("olive", "POST", "organising", "/v1/campaigns", json=body))


def session_of(platform: Platform, user: str, campaign_id: str, branch: str, workplace: str, day: dt.date) -> str:
    """The branch's plan (made by ``user``) with one session at ``workplace`` that ``user`` works."""
    plan = ok(
        platform.call(user, "PUT", "organising", f"/v1/campaigns/{campaign_id}/plans/{branch}", json={"notes": ""})
    )
    body = {
        "place": "Canteen",
        "workplace": workplace,
        "department": "",
        "kind": "staff_room_tour",
        "starts_at": f"{day.isoformat()}T11:30",
        "ends_at": f"{day.isoformat()}T13:30",
        "target_contacts": 10,
        "approach": "survey",
        "opening": "What concerns you most at work?",
        "backup_plan": "",
        "team": [user],
        "helpers": [],
    }
    return ok(platform.call(user, "POST", "organising", f"/v1/plans/{plan['id']}/sessions", json=body))["id"]


def log(platform: Platform, user: str, session_id: str, category: str, times: int) -> None:
    for _ in range(times):
        body = {"client_id": str(uuid.uuid4()), "is_member": False, "outcome": "not_interested"}
        ok(
            platform.call(
                user,
                "POST",
                "organising",
                f"/v1/sessions/{session_id}/contacts",
                json=body | {"issue_category": category},
            )
        )


def trends(browser: Browser, platform: Platform, username: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, platform, username, "/trends")
    return context, page


def choose(page: Page, campaign_id: str) -> None:
    """Pick a campaign in the section's chooser (it lists the viewer's region's campaigns)."""
    chooser = page.get_by_role("form", name="Recruitment campaign")
    chooser.get_by_label("Campaign").select_option(campaign_id)
    chooser.get_by_role("button", name="See campaign").click()


def section(page: Page) -> Any:
    return page.get_by_role("region", name=SECTION, exact=True)


def test_the_region_branch_and_another_region_each_see_their_own_issues_raised(
    platform: Platform, browser: Browser
) -> None:
    word = uuid.uuid4().hex[:6]
    day = london_today()
    earlier = open_campaign(platform, f"Spring drive {word}", day - dt.timedelta(days=60))
    week = open_campaign(platform, f"Recruitment week {word}", day - dt.timedelta(days=1))
    depot, garage = f"Holloway depot {word}", f"Brixton garage {word}"
    log(platform, "rachel", session_of(platform, "cora", week["id"], "north-london", depot, day), "pay", 6)
    log(platform, "ravi", session_of(platform, "ravi", week["id"], "south-london", garage, day), "job_security", 1)

    # Olive: the whole region, the small count withheld in the table and in the chart.
    context, page = trends(browser, platform, "olive")
    expect(page.get_by_role("heading", name=SECTION)).to_be_visible()
    choose(page, earlier["id"])
    expect(section(page)).to_contain_text(f"From the campaign “{earlier['name']}”")
    expect(section(page)).to_contain_text("No issue raised has been recorded in this campaign yet.")
    choose(page, week["id"])
    shown = section(page)
    expect(shown).to_contain_text(f"From the campaign “{week['name']}”")
    expect(shown).to_contain_text("every branch of your region")
    rows = shown.locator(f"table[data-chart='{CHART}'] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("th")).to_have_text(f"Pay · {depot}")
    expect(rows.nth(0).locator("td")).to_have_text("6")
    expect(rows.nth(1).locator("th")).to_have_text(f"Job security · {garage}")
    expect(rows.nth(1).locator("td")).to_have_text("fewer than 5 (not shown)")
    page.wait_for_function(f"() => window.Chart && window.Chart.getChart('{CHART}')")
    drawn = page.evaluate(
        f"() => {{ const c = window.Chart.getChart('{CHART}');"
        " return {labels: c.data.labels, data: c.data.datasets[0].data}; }"
    )
    assert drawn == {"labels": [f"Pay · {depot}", f"Job security · {garage}"], "data": [6, None]}
    # The casework trends are still there, above.
    expect(page.get_by_role("heading", name="Employer trends")).to_be_visible()
    accessible(page)
    shot(page, "trends-issues-raised-official")
    context.close()

    # Ravi: the same region, but his branch's counts only (exact: his branch logged them).
    context, page = trends(browser, platform, "ravi")
    choose(page, week["id"])
    shown = section(page)
    expect(shown).to_contain_text(f"From the campaign “{week['name']}”")
    expect(shown).to_contain_text("your branch, south-london")
    rows = shown.locator(f"table[data-chart='{CHART}'] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0).locator("th")).to_have_text(f"Job security · {garage}")
    expect(rows.nth(0).locator("td")).to_have_text("1")
    assert depot not in page.content()
    accessible(page)
    context.close()

    # Owen: another region's official sees neither campaign.
    theirs = ok(platform.call("owen", "GET", "organising", "/v1/campaigns"), 200)["items"]
    context, page = trends(browser, platform, "owen")
    expect(page.get_by_role("heading", name=SECTION)).to_be_visible()
    text = page.content()
    for secret in (week["name"], earlier["name"], depot, garage, week["id"], earlier["id"]):
        assert secret not in text, secret
    if not theirs:
        expect(section(page)).to_contain_text("Your region has no recruitment campaign yet")
    accessible(page)
    context.close()
