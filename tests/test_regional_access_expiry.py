"""Regional staff see a case because it was brought to them (a referral, a support request, a
member's enquiry). That access lasts while the matter is open and for a while after it ends
(workflow's ``regional_access_after_end_days``, 30 by default), then ends: past it they get 404
like any outsider, everywhere: the case, its timeline, its referrals, and search (whose scope
comes from workflow).

"Past the window" is reached without waiting: the test moves the matter's end back in time in
workflow's own tables, exactly as if it had ended 31 days ago."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg
import pytest

import testdocs
from harness import Platform

pytestmark = pytest.mark.stack

MARIA = "M100001"


def call_ok(platform: Platform, user: str, method: str, path: str, **body: object) -> dict:
    response = platform.call(user, method, "workflow", path, json=body or None)
    assert response.status_code in (200, 201), response.text
    return response.json()


def step(platform: Platform, user: str, referral: dict, action: str, **body: object) -> dict:
    return call_ok(platform, user, "POST", f"/v1/referrals/{referral['id']}/transitions", action=action, **body)


def refer(platform: Platform, case: dict, target: str = "regional_office") -> dict:
    return call_ok(platform, "rachel", "POST", f"/v1/cases/{case['id']}/referrals", target=target, reason="Help.")


def to_member_advised(platform: Platform, referral: dict) -> None:
    step(platform, "olive", referral, "agree", reasons="Agreed.")
    step(platform, "olive", referral, "request_pack")
    step(platform, "rachel", referral, "submit_pack", pack={"summary": "All of it."})
    step(platform, "olive", referral, "confirm_pack")
    step(platform, "rachel", referral, "advise_member")


@dataclass
class Ending:
    """How a case was brought to regional staff and then ended; who had access through it."""

    bring_and_end: Callable[[Platform, dict], None]
    people: tuple[str, ...]


def declined(platform: Platform, case: dict) -> None:
    step(platform, "olive", refer(platform, case), "decline", reasons="The branch can handle it.")


def withdrawn(platform: Platform, case: dict) -> None:
    step(platform, "rachel", refer(platform, case), "withdraw")


def closed_after_an_enquiry(platform: Platform, case: dict) -> None:
    referral = refer(platform, case)
    to_member_advised(platform, referral)
    step(platform, "olive", referral, "take_on")
    enquiry = call_ok(platform, "maria", "POST", "/v1/enquiries", message="I am calling the office.")
    timeline = call_ok(platform, "rachel", "GET", f"/v1/cases/{case['id']}/timeline")["items"]
    assert any(e["kind"] == "enquiry" and e["data"]["enquiry_id"] == enquiry["id"] for e in timeline)
    step(platform, "olive", referral, "close")


def returned_by_the_caseworker(platform: Platform, case: dict) -> None:
    referral = refer(platform, case, "regional_caseworker")
    to_member_advised(platform, referral)
    step(platform, "carl", referral, "take_on")
    step(platform, "carl", referral, "return_to_branch", reasons="Resolved; branch to follow up.")


def support_answered_by_the_official(platform: Platform, case: dict) -> None:
    asked = call_ok(platform, "rachel", "POST", f"/v1/cases/{case['id']}/support-requests", to="official", question="?")
    call_ok(platform, "olive", "POST", f"/v1/support-requests/{asked['id']}/answer", answer="Call me.")


def support_answered_by_the_caseworker(platform: Platform, case: dict) -> None:
    asked = call_ok(platform, "cora", "POST", f"/v1/cases/{case['id']}/support-requests", to="caseworker", question="?")
    call_ok(platform, "carl", "POST", f"/v1/support-requests/{asked['id']}/answer", answer="Call me.")


ENDINGS = {
    "referral declined": Ending(declined, ("olive",)),
    "referral withdrawn": Ending(withdrawn, ("olive",)),
    "referral closed regionally (and the member's enquiry)": Ending(closed_after_an_enquiry, ("olive",)),
    "caseworker referral returned to the branch": Ending(returned_by_the_caseworker, ("olive", "carl")),
    "support answered by the official": Ending(support_answered_by_the_official, ("olive",)),
    "support answered by the caseworker": Ending(support_answered_by_the_caseworker, ("carl",)),
}


def ended_days_ago(platform: Platform, case_id: str, days: int) -> None:
    """Move every end of the case's regional matters ``days`` back, in workflow's tables."""
    ports, secrets = platform.config.ports, platform.config.secrets
    with psycopg.connect(
        host="127.0.0.1", port=ports["postgres"], dbname="casework", user="postgres", password=secrets.postgres_password
    ) as conn:
        ago = f"{days} days"
        conn.execute(
            "UPDATE workflow.referrals SET updated_at = now() - %s::interval WHERE case_id = %s", (ago, case_id)
        )
        conn.execute(
            "UPDATE workflow.support_requests SET answered_at = now() - %s::interval WHERE case_id = %s",
            (ago, case_id),
        )
        conn.execute(
            "UPDATE workflow.enquiries SET created_at = now() - %s::interval WHERE case_id = %s", (ago, case_id)
        )


def reads(platform: Platform, user: str, case_id: str, word: str, evidence_id: str) -> dict[str, int | bool]:
    """What ``user`` gets for the case: the case, its timeline and referrals, and search."""
    got: dict[str, int | bool] = {
        path: platform.call(user, "GET", "workflow", f"/v1/cases/{case_id}{path}").status_code
        for path in ("", "/timeline", "/referrals")
    }
    found = platform.search(user, word)
    assert found.status_code == 200, found.text
    got["search"] = evidence_id in {item["evidence_id"] for item in found.json()["items"]}
    return got


SEES = {"": 200, "/timeline": 200, "/referrals": 200, "search": True}
OUTSIDER = {"": 404, "/timeline": 404, "/referrals": 404, "search": False}


@pytest.mark.parametrize("ending", ENDINGS, ids=list(ENDINGS))
def test_regional_access_ends_a_while_after_the_matter_does(platform: Platform, ending: str) -> None:
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    word = testdocs.fresh_word()
    upload = platform.upload(
        "rachel", case["id"], [("e.pdf", testdocs.text_pdf([f"Expiry {word}"]), "application/pdf")]
    )
    evidence_id = upload.json()["items"][0]["id"]
    assert platform.wait_for_status("rachel", evidence_id)["status"] == "indexed"

    ENDINGS[ending].bring_and_end(platform, case)
    for person in ENDINGS[ending].people:
        assert reads(platform, person, case["id"], word, evidence_id) == SEES, f"{person}, just after the end"

    ended_days_ago(platform, case["id"], 29)
    for person in ENDINGS[ending].people:
        assert reads(platform, person, case["id"], word, evidence_id) == SEES, f"{person}, 29 days after"

    ended_days_ago(platform, case["id"], 31)
    for person in ENDINGS[ending].people:
        assert reads(platform, person, case["id"], word, evidence_id) == OUTSIDER, f"{person}, 31 days after"
    # The branch is not affected.
    assert reads(platform, "rachel", case["id"], word, evidence_id) == SEES


def test_an_open_referral_keeps_access_however_old(platform: Platform) -> None:
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    referral = refer(platform, case)
    step(platform, "olive", referral, "agree", reasons="Agreed.")
    ended_days_ago(platform, case["id"], 400)
    assert platform.call("olive", "GET", "workflow", f"/v1/cases/{case['id']}").status_code == 200
    assert platform.call("olive", "GET", "workflow", f"/v1/referrals/{referral['id']}").status_code == 200
