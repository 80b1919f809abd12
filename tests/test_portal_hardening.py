"""What a hostile tester broke in the portal, over plain HTTP like a browser would be driven:
a session id planted before sign-in must not become the victim's signed-in session, and no
``next``/``back`` value may send the browser to another site (or make the portal fail)."""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from harness import Platform

pytestmark = pytest.mark.stack

COOKIE = "casework_session"


def start_sign_in(platform: Platform, browser: requests.Session, next_path: str) -> requests.Response:
    """Ask the portal to sign in and fill the identity provider's form; the provider's answer
    (a redirect back to the portal's callback) is returned unfollowed."""
    form = browser.get(f"{platform.url('portal')}/login", params={"next": next_path}, timeout=10)
    assert form.url.startswith(platform.config.issuer), form.url
    action = re.search(r'action="([^"]+)"', form.text).group(1).replace("&amp;", "&")
    answer = browser.post(
        platform.url("idp") + action,
        data={"username": "maria", "password": platform.config.secrets.demo_password},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code in (302, 303) and "/auth/callback" in answer.headers["Location"], answer.text
    return answer


def finish_sign_in(platform: Platform, browser: requests.Session, next_path: str) -> requests.Response:
    """The portal's callback response (its redirect after sign-in), unfollowed."""
    answer = start_sign_in(platform, browser, next_path)
    return browser.get(urljoin(platform.url("portal"), answer.headers["Location"]), allow_redirects=False, timeout=10)


def with_cookie(value: str) -> requests.Session:
    """A browser holding only the given session cookie (e.g. one an attacker planted or kept)."""
    browser = requests.Session()
    browser.cookies.set(COOKIE, value)
    return browser


def serves_case(platform: Platform, browser: requests.Session, case: dict[str, str]) -> bool:
    page = browser.get(f"{platform.url('portal')}/cases/{case['id']}", allow_redirects=False, timeout=10)
    return page.status_code == 200 and case["reference"] in page.text


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


# -- session fixation ------------------------------------------------------------------------------


def test_a_session_id_from_before_sign_in_is_worthless_after_it(platform: Platform) -> None:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    victim = requests.Session()
    answer = start_sign_in(platform, victim, f"/cases/{case['id']}")
    planted = victim.cookies.get(COOKIE)
    assert planted, "the portal keeps the sign-in state in a session before sign-in"

    signed_in = victim.get(urljoin(platform.url("portal"), answer.headers["Location"]), timeout=10)
    assert signed_in.status_code == 200 and case["reference"] in signed_in.text
    fresh = victim.cookies.get(COOKIE)
    assert fresh and fresh != planted, "sign-in issues a new session id"

    assert not serves_case(platform, with_cookie(planted), case), "the pre-sign-in id serves the victim's pages"
    assert serves_case(platform, with_cookie(fresh), case)

    home = victim.get(f"{platform.url('portal')}/", timeout=10)
    out = victim.post(
        f"{platform.url('portal')}/logout",
        data={"csrf_token": csrf_token(home.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert out.status_code == 302 and out.headers["Location"].startswith(platform.config.issuer)
    assert not serves_case(platform, with_cookie(fresh), case), "a signed-out session id still serves pages"


# -- open redirects --------------------------------------------------------------------------------

HOSTILE = [
    "/\t/evil.example",
    "/\n/evil",
    "/\r\n/evil",
    "/\\evil.example",
    "/\\/evil.example",
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "https:evil.example",
    "/%2F%2Fevil",
    "javascript:alert(1)",
    " //evil.example",
    "/\x00/evil.example",
    "\t//evil.example",
]


def same_origin(platform: Platform, request_url: str, location: str) -> bool:
    """Where a browser would go for this Location: it drops tab/CR/LF and reads backslashes as
    slashes before resolving the reference against the page's URL."""
    browser_view = re.sub(r"[\t\r\n]", "", location).replace("\\", "/").strip()
    resolved = urlsplit(urljoin(request_url, browser_view))
    portal = urlsplit(platform.url("portal"))
    return (resolved.scheme, resolved.netloc) == (portal.scheme, portal.netloc)


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_sign_in_never_redirects_off_site(platform: Platform, target: str) -> None:
    browser = requests.Session()
    landed = finish_sign_in(platform, browser, target)
    assert landed.status_code == 302, landed.text
    assert same_origin(platform, landed.url, landed.headers["Location"]), landed.headers["Location"]


@pytest.mark.parametrize("target", ["/cases/abc?tab=evidence", "/search?q=a%2Fb"])
def test_sign_in_still_returns_to_the_page_asked_for(platform: Platform, target: str) -> None:
    landed = finish_sign_in(platform, requests.Session(), target)
    assert landed.status_code == 302 and landed.headers["Location"] == target


@pytest.fixture(scope="module")
def signed_in(platform: Platform) -> requests.Session:
    browser = requests.Session()
    finish = finish_sign_in(platform, browser, "/")
    assert finish.status_code == 302
    return browser


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_form_back_values_never_redirect_off_site(platform: Platform, signed_in: requests.Session, target: str) -> None:
    """``back`` on a refused form (here: a referral that is not there) comes back to this site."""
    home = signed_in.get(f"{platform.url('portal')}/", timeout=10)
    url = f"{platform.url('portal')}/referrals/00000000-0000-4000-8000-000000000000/act"
    refused = signed_in.post(
        url,
        data={"csrf_token": csrf_token(home.text), "action": "agree", "back": target},
        allow_redirects=False,
        timeout=10,
    )
    assert refused.status_code == 302, refused.text
    assert same_origin(platform, url, refused.headers["Location"]), refused.headers["Location"]


@pytest.fixture(scope="module")
def inbox_item(platform: Platform) -> str:
    """An item in Maria's inbox: the notice that her case was opened."""
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        items = [i for i in platform.inbox("maria") if i["case_id"] == case["id"]]
        if items:
            return items[0]["id"]
        time.sleep(0.3)
    raise AssertionError("Maria was not told her case was opened")


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_inbox_next_values_never_redirect_off_site(
    platform: Platform, signed_in: requests.Session, inbox_item: str, target: str
) -> None:
    """``next`` after marking an inbox item read comes back to this site."""
    inbox = signed_in.get(f"{platform.url('portal')}/inbox", timeout=10)
    url = f"{platform.url('portal')}/inbox/{inbox_item}/read"
    marked = signed_in.post(
        url, data={"csrf_token": csrf_token(inbox.text), "next": target}, allow_redirects=False, timeout=10
    )
    assert marked.status_code == 302, marked.text
    assert same_origin(platform, url, marked.headers["Location"]), marked.headers["Location"]
