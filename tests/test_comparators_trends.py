"""Comparators, disparators and employer trends on the real servers: who sees
what, what anonymised results hold, saving a comparator, suppression and CSV export."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from typing import Any

import pytest
import requests

import testdocs
from harness import Platform, unique_number

MARIA = "M100001"

pytestmark = pytest.mark.stack


def open_case(
    platform: Platform, who: str | requests.Session, employer: str, outcome: str | None = None, **facts: Any
) -> dict[str, Any]:
    """A case with the given facts, opened by ``who`` (a demo user, or a session with another token)."""
    sanction = facts.pop("sanction", None)
    member = {
        "name": facts.pop("name", "Test Member"),
        "membership_number": facts.pop("membership_number", unique_number()),
        "employer": employer,
        **({"sector": facts.pop("sector")} if "sector" in facts else {}),
        **({"email": facts.pop("email")} if "email" in facts else {}),
    }
    body = {"member": member, "case_type": facts.pop("case_type", "disciplinary"), **facts}
    session = who if isinstance(who, requests.Session) else platform.api(who)
    response = session.post(f"{platform.url('workflow')}/v1/cases", json=body, timeout=10)
    assert response.status_code == 201, response.text
    case = response.json()
    if outcome:
        change = {"outcome": outcome, "key_dates": {"outcome": "2026-06-01"}}
        if sanction:
            change["sanction"] = sanction
        response = session.patch(f"{platform.url('workflow')}/v1/cases/{case['id']}", json=change, timeout=10)
        assert response.status_code == 200, response.text
    return case


def wait_for(check: Any, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


# -- comparators ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparator_world(platform: Platform) -> dict[str, Any]:
    employer = f"Compco {uuid.uuid4().hex[:6]} Ltd"
    other_employer = f"Otherco {uuid.uuid4().hex[:6]}"
    text_employer = f"Textco {uuid.uuid4().hex[:6]}"
    lateness = {"allegations": ["lateness"], "sector": "health"}
    world = {
        "employer": employer,
        "other_employer": other_employer,
        "text_employer": text_employer,
        "subject": open_case(platform, "rachel", employer, "written_warning", membership_number=MARIA, **lateness),
        # Rachel's own: same employer and allegation, same outcome -> a comparator.
        "alike": open_case(platform, "rachel", employer, "written_warning", **lateness),
        # Another branch's, same employer and allegation, dismissed -> an anonymised disparator.
        "other_branch": open_case(
            platform,
            "ravi",
            employer,
            "dismissal",
            name="Sam Secretname",
            email="sam.secret@example.org",
            sanction="Dismissed with notice; Sam told on the phone",
            **lateness,
        ),
        # The coordinator's, not Rachel's: same sector, allegation and type at another employer.
        "same_sector": open_case(platform, "cora", other_employer, "final_written_warning", **lateness),
        # Only the sector matches: not similar enough.
        "sector_only": open_case(
            platform,
            "rachel",
            f"Farco {uuid.uuid4().hex[:6]}",
            "dismissal",
            sector="health",
            allegations=["fraud_dishonesty"],
            case_type="grievance",
        ),
        # Same facts but no outcome yet: says nothing about treatment.
        "undecided": open_case(platform, "rachel", employer, None, **lateness),
        # Nothing in common but the case type and the evidence's wording.
        "text_twin": open_case(platform, "rachel", text_employer, "dismissal", allegations=["conduct"]),
    }
    letter = [
        "The timekeeping records show repeated timekeeping failures at the depot gate.",
        "Depot gate timekeeping failures were logged by the night supervisor.",
        "Timekeeping failures continued after the depot gate supervisor warned.",
    ]
    for name in ("subject", "text_twin"):
        response = platform.upload(
            "rachel", world[name]["id"], [("letter.pdf", testdocs.text_pdf(letter), "application/pdf")]
        )
        assert response.status_code == 201, response.text
        assert platform.wait_for_status("rachel", response.json()["items"][0]["id"])["status"] == "indexed"
    return world


def comparators(platform: Platform, user: str, case_id: str) -> Any:
    return platform.call(user, "GET", "search", f"/v1/cases/{case_id}/comparators", params={"size": 50})


def ours(items: list[dict[str, Any]], world: dict[str, Any]) -> list[dict[str, Any]]:
    employers = {world["employer"], world["other_employer"], world["text_employer"]}
    return [i for i in items if i["case"].get("employer") in employers]


def test_comparators_and_disparators_are_explained(platform: Platform, comparator_world: dict[str, Any]) -> None:
    w = comparator_world
    expected_ids = {w["alike"]["id"], w["text_twin"]["id"]}
    body = wait_for(
        lambda: (
            (b := comparators(platform, "rachel", w["subject"]["id"]).json()).get("comparators") is not None
            and len(ours(b["comparators"] + b["disparators"], w)) == 4
            and b
        )
    )
    assert body, "comparators never settled"
    assert (body["reference_outcome"], body["reference_source"]) == ("written_warning", "this case")
    alike = ours(body["comparators"], w)
    unlike = ours(body["disparators"], w)
    assert {c["case"]["case_id"] for c in alike} == {w["alike"]["id"]}
    assert all(c["in_scope"] for c in alike)
    (alike_one,) = alike
    assert f"employer: {w['employer']}" in alike_one["matched"] and "allegations: lateness" in alike_one["matched"]
    assert alike_one["differed"] == []

    in_scope = [d for d in unlike if d["in_scope"]]
    assert {d["case"]["case_id"] for d in in_scope} == {w["text_twin"]["id"]} <= expected_ids
    assert any(m.startswith("evidence text: similar") for m in in_scope[0]["matched"])
    anonymous = {d["case"]["employer"]: d for d in unlike if not d["in_scope"]}
    assert set(anonymous) == {w["employer"], w["other_employer"]}
    assert anonymous[w["employer"]]["differed"][0] == "outcome: dismissal (this case: written_warning)"
    assert "sector: health" in anonymous[w["other_employer"]]["matched"]
    for item in anonymous.values():
        assert "case_id" not in item["case"] and "reference" not in item["case"] and "sanction" not in item["case"]
        assert item["case"]["outcome_date"] == "2026-06"  # dates to the month only
        text = json.dumps(item)
        for secret in ("Secretname", "sam.secret", "phone", w["other_branch"]["id"], w["other_branch"]["reference"]):
            assert secret not in text
    excluded = {w["sector_only"]["id"], w["undecided"]["id"], w["subject"]["id"]}
    assert not excluded & {c["case"].get("case_id") for c in body["comparators"] + body["disparators"]}


def test_comparators_are_for_the_cases_staff(platform: Platform, comparator_world: dict[str, Any]) -> None:
    subject = comparator_world["subject"]["id"]
    assert comparators(platform, "ravi", subject).status_code == 404  # another branch: not even its existence
    assert comparators(platform, "maria", subject).status_code == 403  # the member: her case, not this tool
    assert comparators(platform, None, subject).status_code == 401
    assert comparators(platform, "rachel", str(uuid.uuid4())).status_code == 404
    bad = platform.call("rachel", "GET", "search", f"/v1/cases/{subject}/comparators", params={"size": 500})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "size"


def test_a_rep_saves_a_comparator_to_the_timeline(platform: Platform, comparator_world: dict[str, Any]) -> None:
    w = comparator_world
    subject = w["subject"]["id"]
    body = comparators(platform, "rachel", subject).json()
    target = next(d for d in body["disparators"] if not d["in_scope"] and d["case"]["employer"] == w["employer"])
    path = f"/v1/cases/{subject}/comparators"
    assert platform.call("ravi", "POST", "search", path, json={"key": target["key"]}).status_code == 404
    assert platform.call("rachel", "POST", "search", path, json={"key": "0" * 32}).status_code == 404
    assert platform.call("rachel", "POST", "search", path, json={"key": "x"}).status_code == 422
    saved = platform.call("rachel", "POST", "search", path, json={"key": target["key"]})
    assert saved.status_code == 201, saved.text
    timeline = platform.call("rachel", "GET", "workflow", f"/v1/cases/{subject}/timeline").json()["items"]
    entry = next(e for e in timeline if e["kind"] == "comparator")
    assert entry["visibility"] == "reps" and entry["author"] == "rachel"
    assert entry["body"].startswith("Disparator saved from search") and "dismissal" in entry["body"]
    assert "Secretname" not in json.dumps(entry)
    # The member does not see reps' comparator work on her case.
    member_view = platform.call("maria", "GET", "workflow", f"/v1/cases/{subject}/timeline").json()["items"]
    assert not [e for e in member_view if e["kind"] == "comparator"]
    # Nobody can write a comparator entry with made-up facts as a member-visible note.
    forged = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{subject}/timeline",
        json={"kind": "comparator", "body": "x", "visibility": "member", "comparator": target | {"disparator": True}},
    )
    assert forged.status_code == 422


# -- trends --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trend_world(platform: Platform) -> dict[str, Any]:
    employer = f"Trendco {uuid.uuid4().hex[:6]}"
    # A rep in another region: the demo realm has none, so her token is minted with the realm key.
    nina = requests.Session()
    nina.headers["Authorization"] = "Bearer " + platform.forge(
        "ravi", preferred_username="nina.nw", branch="manchester", region="north-west"
    )
    for _ in range(5):
        open_case(platform, "rachel", employer, "written_warning")
    for _ in range(2):
        open_case(platform, "rachel", employer, "dismissal")
    open_case(platform, "ravi", employer, "written_warning")
    open_case(platform, nina, employer, "written_warning")
    return {"employer": employer}


def trends(platform: Platform, user: str | None, employer: str, **params: Any) -> Any:
    return platform.call(user, "GET", "search", "/v1/trends", params={"employer": employer, **params})


def counts(body: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(b["case_type"], b["outcome"]): b["count"] for b in body["buckets"]}


def test_trends_count_by_level_and_suppress_small_buckets(platform: Platform, trend_world: dict[str, Any]) -> None:
    e = trend_world["employer"]
    national = wait_for(
        lambda: (
            (b := trends(platform, "ada", e).json()) and counts(b).get(("disciplinary", "written_warning")) == 7 and b
        )
    )
    assert national and national["level"] == "national" and national["threshold"] == 5
    assert counts(national) == {("disciplinary", "written_warning"): 7}  # 2 dismissals: suppressed
    assert national["suppressed_buckets"] == 1
    quarter = national["buckets"][0]["period"]
    assert quarter.startswith(time.strftime("%Y", time.gmtime())) and "-Q" in quarter

    branch = trends(platform, "rachel", e).json()
    assert (branch["level"], branch["scope"]) == ("branch", "north-london")
    assert counts(branch) == {("disciplinary", "written_warning"): 5} and branch["suppressed_buckets"] == 1
    region = trends(platform, "rachel", e, level="region").json()
    assert counts(region) == {("disciplinary", "written_warning"): 6}
    olive = trends(platform, "olive", e).json()
    assert (olive["level"], olive["scope"], counts(olive)) == (
        "region",
        "london",
        {("disciplinary", "written_warning"): 6},
    )
    ravi = trends(platform, "ravi", e).json()
    assert ravi["buckets"] == [] and ravi["suppressed_buckets"] == 1  # one case: never shown
    by_year = trends(platform, "ada", e, period="year").json()
    assert [b["period"] for b in by_year["buckets"]] == [time.strftime("%Y", time.gmtime())]


def test_trends_are_refused_beyond_the_callers_level(platform: Platform, trend_world: dict[str, Any]) -> None:
    e = trend_world["employer"]
    assert trends(platform, "maria", e).status_code == 403
    assert trends(platform, "rachel", e, level="national").status_code == 403
    assert trends(platform, "olive", e, level="branch").status_code == 403
    assert trends(platform, None, e).status_code == 401
    bad = trends(platform, "rachel", e, period="fortnight")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"


def test_trends_export_as_csv(platform: Platform, trend_world: dict[str, Any]) -> None:
    e = trend_world["employer"]
    response = trends(platform, "olive", e, format="csv", period="month")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["X-Suppressed-Buckets"] == "1"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows == [
        {
            "period": time.strftime("%Y-%m", time.gmtime()),
            "employer": e,
            "case_type": "disciplinary",
            "outcome": "written_warning",
            "count": "6",
        }
    ]
