"""The portal in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser), against the real platform. Screenshots of the key pages go to
test-artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, expect

import testdocs
from browsing import DESK, PHONE, open_panel, shot, sign_in
from harness import Platform

pytestmark = pytest.mark.stack


def test_member_uploads_two_files_and_watches_them_become_searchable(
    platform: Platform, context: BrowserContext
) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    word = testdocs.fresh_word()
    page = context.new_page()
    sign_in(page, platform, "maria", f"/cases/{case['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(case["reference"])
    page.get_by_label("Choose files").set_input_files(
        [
            {"name": "letter.png", "mimeType": "image/png", "buffer": testdocs.png(testdocs.letter_lines(word))},
            {
                "name": "minutes.pdf",
                "mimeType": "application/pdf",
                "buffer": testdocs.text_pdf([f"Meeting minutes mentioning {word}"]),
            },
        ]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("2 file(s) received")
    rows = page.locator("table.evidence tbody tr")
    expect(rows).to_have_count(2)
    # The status column updates in place (no reload) until both are searchable.
    for filename in ("letter.png", "minutes.pdf"):
        row = rows.filter(has_text=filename)
        expect(row.locator("td.status")).to_have_text("Searchable", timeout=90_000)
    shot(page, "member-case")

    page.get_by_label("Search your documents").fill(word)
    page.get_by_role("button", name="Search").click()
    results = page.locator("ol.results li")
    expect(results).to_have_count(2)
    expect(results.locator("mark").first).to_have_text(re.compile(word, re.IGNORECASE))
    shot(page, "member-search")


def test_a_rep_of_another_branch_cannot_open_the_case_by_url(platform: Platform, context: BrowserContext) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    page = context.new_page()
    sign_in(page, platform, "ravi", f"/cases/{case['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry")
    expect(page.get_by_role("alert")).to_be_visible()
    assert "Maria Okafor" not in page.content() and case["reference"] not in page.content()
    shot(page, "other-branch-rep-blocked")


def test_signing_out_ends_the_session_at_the_provider(platform: Platform, context: BrowserContext) -> None:
    page = context.new_page()
    sign_in(page, platform, "maria", "/login")
    page.get_by_role("button", name="Sign out").click()
    # Back at the portal signed out; signing in again asks for the password again.
    page.goto(platform.url("portal") + "/login")
    expect(page).to_have_url(re.compile("^" + re.escape(platform.config.issuer)))
    expect(page.get_by_label("Password")).to_be_visible()
    page.goto(platform.url("portal") + "/search?q=anything")
    expect(page).to_have_url(re.compile("^" + re.escape(platform.config.issuer)))


def test_a_rep_narrows_search_results_with_facets(platform: Platform, context: BrowserContext) -> None:
    word = testdocs.fresh_word()
    for case_type in ("disciplinary", "grievance"):
        case = platform.create_case("rachel", "M100001", name="Maria Okafor", case_type=case_type)
        response = platform.upload(
            "rachel",
            case["id"],
            [(f"{case_type}.pdf", testdocs.text_pdf([f"{word} {case_type} letter"]), "application/pdf")],
        )
        assert response.status_code == 201, response.text
        assert platform.wait_for_status("rachel", response.json()["items"][0]["id"])["status"] == "indexed"
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, platform, "rachel", f"/search?q={word}")
    results = page.locator("ol.results li")
    expect(results).to_have_count(2)
    filters = page.get_by_role("form", name="Filter results")
    expect(filters.get_by_role("group", name="Case type")).to_contain_text("grievance (1)")
    shot(page, "rep-search-facets")
    filters.get_by_role("group", name="Case type").get_by_role("checkbox", name=re.compile("grievance")).check()
    filters.get_by_role("button", name="Apply filters").click()
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("grievance.pdf")

    page.get_by_label("Search your documents").fill(f'"{word} unclosed')
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be read at column")
    assert "{" not in page.get_by_role("alert").inner_text()  # a sentence, not JSON


def test_a_referral_goes_through_rep_and_official_unseen_by_the_member(platform: Platform, browser: Browser) -> None:
    # Sam and Ravi (south-london): the protocol tests use Maria's and Mark's referral history.
    case = platform.create_case("ravi", "M200001", name="Sam Taylor")
    path = f"/cases/{case['id']}"
    pages = {}
    for user in ("ravi", "olive", "sam"):
        pages[user] = browser.new_context(viewport=DESK).new_page()
        sign_in(pages[user], platform, user, path if user != "olive" else "/referrals")
    rep, official, member = pages["ravi"], pages["olive"], pages["sam"]

    def member_sees_no_referral() -> None:
        member.reload()
        text = member.locator("main").inner_text().lower()
        assert "referral" not in text and "regional" not in text, text

    open_panel(rep, "Request a referral discussion")
    rep.get_by_label("Why").fill("Dismissal likely; the branch needs the regional office.")
    rep.get_by_role("button", name="Request a referral discussion", exact=True).click()
    expect(rep.get_by_role("status")).to_contain_text("Referral discussion requested")
    # Only what the rules allow a rep now: no official's buttons.
    expect(rep.get_by_role("button", name="Agree the referral")).to_have_count(0)
    member_sees_no_referral()

    def queue_item() -> Locator:
        official.goto(platform.url("portal") + "/referrals")
        return official.get_by_role("region", name=f"Referral for {case['reference']}")

    item = queue_item()
    expect(item.get_by_role("button", name="Agree the referral")).to_have_count(1)
    item.get_by_label(re.compile("^Reasons \\(agree")).fill("Discussed with Ravi on the phone; agreed.")
    item.get_by_role("button", name="Agree the referral").click()
    expect(official.get_by_role("status")).to_contain_text("now agreed")
    member_sees_no_referral()

    rep.reload()
    rep.get_by_label("Pack summary").fill("Timeline, letters and the rep's notes.")
    rep.get_by_role("button", name="Send the pack").click()
    expect(rep.get_by_role("status")).to_contain_text("now pack submitted")

    queue_item().get_by_role("button", name="Confirm the pack").click()
    expect(official.get_by_role("status")).to_contain_text("now pack confirmed")
    shot(official, "official-referrals")
    member_sees_no_referral()

    rep.reload()
    rep.get_by_role("button", name="Advise the member").click()
    expect(rep.get_by_role("status")).to_contain_text("now member advised")
    shot(rep, "rep-case-referral")
    member.reload()
    expect(member.locator("ol.timeline")).to_contain_text("regional office")
    shot(member, "member-advised")
    for page in pages.values():
        page.context.close()


def test_an_official_reads_employer_trends_and_downloads_them(platform: Platform, context: BrowserContext) -> None:
    employer = f"Portalco {testdocs.fresh_word()}"
    for _ in range(5):
        case = platform.create_case(
            "rachel",
            "M100001",
            name="Maria Okafor",
            member={"name": "M", "membership_number": "M100001", "employer": employer},
        )
        changed = platform.call(
            "rachel", "PATCH", "workflow", f"/v1/cases/{case['id']}", json={"outcome": "written_warning"}
        )
        assert changed.status_code == 200, changed.text
    page = context.new_page()
    page.set_viewport_size({"width": 1024, "height": 900})
    sign_in(page, platform, "olive", "/trends")
    page.get_by_label("Employer").fill(employer)
    page.get_by_role("button", name="Show").click()
    row = page.locator("table.trends tbody tr").filter(has_text=employer)
    for _ in range(30):  # case facts reach the index through Kafka
        if row.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(row).to_contain_text("written warning")
    expect(row.locator("td").last).to_have_text(re.compile(r"^\s*5$"))
    shot(page, "official-trends")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    text = Path(download.value.path()).read_text()
    assert text.splitlines()[0] == "period,employer,case_type,outcome,count"
    assert f"{employer},disciplinary,written_warning,5" in text


def test_a_rep_opens_changes_and_works_a_case_and_the_member_sees_her_part(
    platform: Platform, browser: Browser, request: pytest.FixtureRequest
) -> None:
    # Maria chooses a daily email below; later tests expect her default back.
    request.addfinalizer(
        lambda: platform.call("maria", "PUT", "notify", "/v1/preferences", json={"case_update": "immediate"})
    )
    employer = f"Brightwell {testdocs.fresh_word()}"
    past = platform.create_case(
        "rachel",
        "M100002",
        name="Mark Stone",
        member={"name": "Mark Stone", "membership_number": "M100002", "employer": employer},
        allegations=["lateness"],
    )
    changed = platform.call(
        "rachel", "PATCH", "workflow", f"/v1/cases/{past['id']}", json={"outcome": "written_warning"}
    )
    assert changed.status_code == 200, changed.text
    rep = browser.new_context(viewport=DESK).new_page()
    sign_in(rep, platform, "rachel", "/login")
    rep.get_by_role("link", name="Open a new case").click()

    # A mistake is named next to its field, and nothing typed is lost.
    rep.get_by_label("Member's name").fill("Maria Okafor")
    rep.get_by_label("Membership number").fill("M1 00001")
    rep.get_by_label("Employer").fill(employer)
    rep.get_by_label("Case type").select_option("disciplinary")
    rep.get_by_role("checkbox", name="Lateness").check()
    rep.get_by_role("button", name="Open the case").click()
    expect(rep.get_by_role("alert")).to_contain_text("Membership number: is not in the expected format")
    expect(rep.get_by_label("Member's name")).to_have_value("Maria Okafor")
    expect(rep.get_by_role("checkbox", name="Lateness")).to_be_checked()
    rep.get_by_label("Membership number").fill("M100001")
    rep.get_by_role("button", name="Open the case").click()
    expect(rep.get_by_role("status")).to_contain_text("opened")
    reference = rep.get_by_role("heading", level=1).inner_text()
    case_url = rep.url

    rep.get_by_role("link", name="Change the case").click()
    rep.get_by_label("Hearing", exact=True).fill("2026-12-01")
    rep.get_by_role("button", name="Save changes").click()
    expect(rep.get_by_role("status")).to_contain_text("Case updated")
    expect(rep.locator("dl.key-dates")).to_contain_text("2026-12-01")

    def add_entry(kind: str, body: str, who: str) -> None:
        open_panel(rep, "Add to the timeline")
        rep.get_by_label("What", exact=True).select_option(label=kind)
        rep.get_by_label("What happened").fill(body)
        rep.get_by_label("Who sees it").select_option(label=who)
        rep.get_by_role("button", name="Add to the timeline").click()
        expect(rep.locator("ol.timeline")).to_contain_text(body)

    add_entry("Meeting", "Investigation meeting with HR booked for Monday.", "The member too")
    add_entry("Note", "Private view: the lateness records look incomplete.", "Reps only")

    # Entries are never edited: a correction is a new entry pointing at the one it corrects.
    meeting = rep.locator("ol.timeline > li").filter(has_text="Investigation meeting with HR")
    number = meeting.get_attribute("id").removeprefix("entry-")
    open_panel(rep, f"Correct entry {number}")
    rep.get_by_label(f"Correction to entry {number}").fill("The meeting moved to Tuesday.")
    rep.get_by_role("button", name="Add the correction").click()
    correction = rep.locator("ol.timeline > li").filter(has_text="The meeting moved to Tuesday.")
    expect(correction).to_contain_text(f"correction of entry {number}", ignore_case=True)
    expect(meeting).to_contain_text("Investigation meeting with HR booked for Monday.")
    expect(meeting).to_contain_text("corrected below")

    rep.get_by_label("Rep's username").fill("raj")
    rep.get_by_role("button", name="Share the case").click()
    expect(rep.get_by_role("status")).to_contain_text("Shared with raj")
    expect(rep.locator("#people")).to_contain_text("raj")
    # A refusal comes back to the case page as a sentence.
    rep.get_by_label("Rep's username").fill("ravi")
    rep.get_by_role("button", name="Share the case").click()
    expect(rep.get_by_role("alert")).to_have_text("Username: ravi is not a rep of branch north-london.")
    expect(rep.get_by_role("heading", level=1)).to_have_text(reference)

    # The past case at the same employer, same type and allegation is a comparator.
    comparator = rep.get_by_role("article", name=f"Comparator: {past['reference']}")
    for _ in range(20):  # case facts reach the index through Kafka
        if comparator.count():
            break
        rep.wait_for_timeout(500)
        rep.reload()
    expect(comparator).to_contain_text(f"employer: {employer}")
    shot(rep, "rep-case")
    comparator.get_by_role("button", name=re.compile("Save")).click()
    expect(rep.get_by_role("status")).to_contain_text("Comparator saved")
    expect(rep.locator("ol.timeline")).to_contain_text("comparator")

    open_panel(rep, "Ask for support")
    rep.get_by_label("Question").fill("Is an unrecorded lateness policy enough to challenge the warning?")
    rep.get_by_role("button", name="Ask for support").click()
    expect(rep.get_by_role("status")).to_contain_text("official")

    # The case list filters by type and employer.
    rep.get_by_role("link", name="Cases", exact=True).click()
    filters = rep.get_by_role("form", name="Filter cases")
    filters.get_by_label("Employer").fill(employer)
    filters.get_by_label("Type").select_option("grievance")
    filters.get_by_role("button", name="Filter").click()
    expect(rep.get_by_text("No cases to show.")).to_be_visible()
    filters.get_by_label("Type").select_option("disciplinary")
    filters.get_by_role("button", name="Filter").click()
    cards = rep.get_by_role("list", name="Cases").get_by_role("listitem")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text=reference)).to_have_count(1)

    # The official answers the support request from her queue.
    official = browser.new_context(viewport=DESK).new_page()
    sign_in(official, platform, "olive", "/support")
    request = official.get_by_role("region", name="Support request from rachel").filter(has_text="lateness policy")
    request.get_by_label("Your answer").fill("Yes: ask for the policy in writing first.")
    request.get_by_role("button", name="Send the answer").click()
    expect(official.get_by_role("status")).to_contain_text("Answer sent")
    rep.goto(platform.url("portal") + "/support")
    expect(rep.locator("main")).to_contain_text("Yes: ask for the policy in writing first.")

    # The member sees the key dates and the entry meant for her, not the reps' note; her
    # inbox tells her of it and takes her to the case.
    member = browser.new_context(viewport=PHONE).new_page()
    sign_in(member, platform, "maria", "/inbox")
    item = member.get_by_role("listitem").filter(has_text=f"Update on your case {reference}")
    for _ in range(20):  # notifications arrive through Kafka
        if item.count():
            break
        member.wait_for_timeout(500)
        member.reload()
    expect(item.first).to_be_visible()
    # How she hears of news: only kinds a member can get, saved for next time.
    updates = member.get_by_role("group", name="Updates on your case")
    updates.get_by_role("radio", name="In one daily email").check()
    member.get_by_role("button", name="Save email preferences").click()
    expect(member.get_by_role("status")).to_contain_text("preferences are saved")
    expect(updates.get_by_role("radio", name="In one daily email")).to_be_checked()
    expect(member.get_by_role("group", name="Referral discussions requested in your region")).to_have_count(0)
    shot(member, "member-inbox")
    item.first.get_by_role("button", name="Open").click()
    expect(member).to_have_url(case_url)
    expect(member.locator("dl.key-dates")).to_contain_text("2026-12-01")
    expect(member.locator("ol.timeline")).to_contain_text("Investigation meeting with HR booked")
    expect(member.locator("ol.timeline")).to_contain_text("The meeting moved to Tuesday.")
    text = member.locator("main").inner_text()
    assert "Private view" not in text and "comparator" not in text.lower() and "raj" not in text
    for page in (rep, official, member):
        page.context.close()


def test_a_member_drops_a_file_then_reads_its_text_and_downloads_it(
    platform: Platform, context: BrowserContext
) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    word = testdocs.fresh_word()
    pdf = testdocs.text_pdf([f"The investigation into the {word} complaint is closed."])
    page = context.new_page()
    sign_in(page, platform, "maria", f"/cases/{case['id']}")
    broken = pdf[:150]  # a PDF cut short: stored, but it cannot be read
    dropped = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, bytes] of files)
                transfer.items.add(new File([new Uint8Array(bytes)], name, { type: "application/pdf" }));
            return transfer;
        }""",
        [["complaint outcome.pdf", list(pdf)], ["cut short.pdf", list(broken)]],
    )
    page.dispatch_event("[data-drop]", "drop", {"dataTransfer": dropped})
    for name in ("complaint outcome.pdf", "cut short.pdf"):
        expect(page.get_by_role("progressbar", name=f"Uploading {name}")).to_have_attribute("value", "100")
    rows = page.locator("table.evidence tbody tr")
    expect(rows.filter(has_text="complaint outcome.pdf").locator("td.status")).to_have_text(
        "Searchable", timeout=90_000
    )
    # A file that fails says so, and why, in words.
    expect(rows.filter(has_text="cut short.pdf").locator("td.status")).to_have_text(
        re.compile("^Unreadable: .+"), timeout=90_000
    )

    page.get_by_role("link", name="My documents").click()
    page.get_by_role("link", name="complaint outcome.pdf").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("complaint outcome.pdf")
    expect(page.get_by_role("region", name="Page 1")).to_contain_text(f"{word} complaint")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the original").click()
    assert Path(download.value.path()).read_bytes() == pdf
    assert download.value.suggested_filename == "complaint outcome.pdf"

    # From a search hit to the page, with the words marked.
    page.get_by_label("Search your documents").fill(word)
    page.get_by_role("button", name="Search").click()
    page.locator("ol.results li").first.get_by_role("link", name="complaint outcome.pdf").click()
    expect(page.locator("#page-1 mark")).to_have_text(re.compile(word, re.IGNORECASE))
    shot(page, "member-document-viewer")


def test_an_official_searches_the_cases_of_her_regions_branches(platform: Platform, browser: Browser) -> None:
    # Two London branches each bring a case to Olive (a referral discussion); Owen, the
    # North West's official, has none of them.
    word = testdocs.fresh_word()
    for rep, number in (("rachel", "M100001"), ("ravi", "M200001")):
        case = platform.create_case(rep, number)
        letter = testdocs.text_pdf([f"Final written warning about {word}"])
        uploaded = platform.upload(rep, case["id"], [(f"{rep}-letter.pdf", letter, "application/pdf")])
        assert platform.wait_for_status(rep, uploaded.json()["items"][0]["id"])["status"] == "indexed"
        discussion = {"target": "regional_office", "reason": "Warning looks unfair."}
        response = platform.call(rep, "POST", "workflow", f"/v1/cases/{case['id']}/referrals", json=discussion)
        assert response.status_code == 201, response.text

    official = browser.new_context(viewport=DESK).new_page()
    sign_in(official, platform, "olive", f"/search?q={word}")
    expect(official.locator("ol.results li")).to_have_count(2)
    branches = official.get_by_role("form", name="Filter results").get_by_role("group", name="Branch")
    expect(branches).to_contain_text("north-london (1)")
    expect(branches).to_contain_text("south-london (1)")
    shot(official, "official-regional-search")

    elsewhere = browser.new_context(viewport=DESK).new_page()
    sign_in(elsewhere, platform, "owen", f"/search?q={word}")
    expect(elsewhere.get_by_role("main")).to_contain_text("No documents you can see contain")
    for page in (official, elsewhere):
        page.context.close()
