"""The README's journey through the portal, driven like a browser (cookies, forms, redirects):
a member signs in, uploads a scan, sees it become searchable and finds its text."""

from __future__ import annotations

import re
import time

import pytest
import requests

import testdocs
from harness import Platform

pytestmark = pytest.mark.stack


def sign_in(platform: Platform, username: str, next_path: str = "/") -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{platform.url('portal')}/login", params={"next": next_path}, timeout=10)
    assert form.url.startswith(platform.config.issuer), "the portal sends the browser to the identity provider"
    assert "code_challenge=" in form.url, "with PKCE"
    action = re.search(r'action="([^"]+)"', form.text).group(1).replace("&amp;", "&")
    landed = browser.post(
        platform.url("idp") + action,
        timeout=10,
        data={"username": username, "password": platform.config.secrets.demo_password},
    )
    assert landed.status_code == 200 and landed.url.startswith(platform.url("portal"))
    return browser


def csrf_token(page: str) -> str:
    return re.search(r'csrf_token=([^"&]+)', page).group(1)


def test_member_uploads_through_the_portal_and_finds_the_text(platform: Platform) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    browser = sign_in(platform, "maria", next_path=f"/cases/{case['id']}")
    page = browser.get(f"{platform.url('portal')}/cases/{case['id']}", timeout=10)
    assert page.status_code == 200 and case["reference"] in page.text
    cookie = next(c for c in browser.cookies if c.name == "casework_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and "access_token" not in page.text

    word = testdocs.fresh_word()
    upload = browser.post(
        f"{platform.url('portal')}/cases/{case['id']}/upload",
        params={"csrf_token": csrf_token(page.text)},
        files=[
            ("file", ("letter.jpg", testdocs.jpeg(testdocs.letter_lines("Reference", word)), "image/jpeg")),
            ("file", ("second.png", testdocs.png(["A second page"]), "image/png")),
        ],
        timeout=60,
    )
    assert upload.status_code == 200 and "2 file(s) received" in upload.text

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        statuses = browser.get(f"{platform.url('portal')}/cases/{case['id']}/evidence.json", timeout=10).json()
        if statuses["items"] and all(item["terminal"] for item in statuses["items"]):
            break
        time.sleep(0.5)
    assert [item["text"] for item in statuses["items"]] == ["Searchable", "Searchable"]

    results = browser.get(f"{platform.url('portal')}/search", params={"q": word}, timeout=10)
    assert "letter.jpg" in results.text and f"<mark>{word}</mark>" in results.text.lower()


def test_a_misspelt_search_shows_what_it_found_instead(platform: Platform) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    upload = platform.upload(
        "rachel",
        case["id"],
        [("minutes.pdf", testdocs.text_pdf(["Minutes of the grievance meeting"]), "application/pdf")],
    )
    assert upload.status_code == 201, upload.text
    assert platform.wait_for_status("rachel", upload.json()["items"][0]["id"])["status"] == "indexed"
    browser = sign_in(platform, "rachel", next_path="/search")
    typed = browser.get(
        f"{platform.url('portal')}/search", params={"q": "grievence", "case_id": case["id"]}, timeout=10
    )
    assert "minutes.pdf" in typed.text
    assert "Showing results for “grievance”" in typed.text
    exact = browser.get(
        f"{platform.url('portal')}/search", params={"q": "grievance", "case_id": case["id"]}, timeout=10
    )
    assert "minutes.pdf" in exact.text and "Showing results for" not in exact.text


def test_upload_without_the_csrf_token_is_refused(platform: Platform) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    browser = sign_in(platform, "maria")
    refused = browser.post(
        f"{platform.url('portal')}/cases/{case['id']}/upload",
        timeout=10,
        files=[("file", ("x.png", testdocs.png(["x"]), "image/png"))],
    )
    assert refused.status_code == 400
    listing = platform.api("maria").get(f"{platform.url('intake')}/v1/cases/{case['id']}/evidence").json()
    assert listing["items"] == []


def test_another_branchs_rep_cannot_open_the_case_page(platform: Platform) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    page = sign_in(platform, "ravi").get(f"{platform.url('portal')}/cases/{case['id']}", timeout=10)
    assert page.status_code == 404 and "Maria Okafor" not in page.text
    assert "No case with that id is visible to you." in page.text and '"status"' not in page.text  # not raw JSON


def test_signed_out_visitors_are_sent_to_sign_in(platform: Platform) -> None:
    page = requests.get(f"{platform.url('portal')}/search?q=x", allow_redirects=False, timeout=10)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
