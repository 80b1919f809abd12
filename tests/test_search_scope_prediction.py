"""A search answered with the caller's predicted scope (search's service.py) is answered only when
workflow, asked for every search, gives that same scope: a rep taken off a case finds nothing of
it in their very next search, and one put on a case finds it at once."""

from __future__ import annotations

from typing import Any

import pytest

import testdocs
from harness import Platform, unique_number

pytestmark = pytest.mark.stack


def found(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["evidence_id"] for item in response.json()["items"]}


def predictions(platform: Platform) -> dict[str, float]:
    return {
        outcome: platform.metric("search", "scope_predictions_total", outcome=outcome)
        for outcome in ("none", "right", "wrong")
    }


def timing_parts(response: Any) -> list[str]:
    return [part.split(";")[0].strip() for part in response.headers["Server-Timing"].split(",")]


@pytest.fixture()
def shared_case(platform: Platform) -> dict[str, Any]:
    """A case of rachel's with one indexed letter carrying a word of its own (raj is not on it)."""
    marker = testdocs.fresh_word()
    case = platform.create_case("rachel", unique_number())
    letter = testdocs.text_pdf([f"{marker} letter from the employer about the hearing"])
    response = platform.upload("rachel", case["id"], [("letter.pdf", letter, "application/pdf")])
    assert response.status_code == 201, response.text
    evidence_id = response.json()["items"][0]["id"]
    assert platform.wait_for_status("rachel", evidence_id)["status"] == "indexed"
    return {"case": case, "marker": marker, "evidence_id": evidence_id}


def put_on(platform: Platform, case_id: str, rep: str) -> None:
    response = platform.call("rachel", "POST", "workflow", f"/v1/cases/{case_id}/reps", json={"username": rep})
    assert response.status_code == 200, response.text


def take_off(platform: Platform, case_id: str, rep: str) -> None:
    response = platform.call("rachel", "DELETE", "workflow", f"/v1/cases/{case_id}/reps/{rep}")
    assert response.status_code == 200, response.text


def test_a_rep_taken_off_a_case_finds_nothing_of_it_at_once(platform: Platform, shared_case: dict[str, Any]) -> None:
    case_id, marker, evidence_id = shared_case["case"]["id"], shared_case["marker"], shared_case["evidence_id"]
    put_on(platform, case_id, "raj")
    assert found(platform.search("raj", marker)) == {evidence_id}
    assert found(platform.search("raj", marker)) == {evidence_id}  # the scope raj had is now his prediction

    take_off(platform, case_id, "raj")
    before = predictions(platform)
    response = platform.search("raj", f"{marker} letter from the employer")
    assert found(response) == set(), "a result of the predicted (old) scope was answered"
    after = predictions(platform)
    assert after["wrong"] == before["wrong"] + 1
    assert "discarded" in timing_parts(response)
    assert found(platform.search("raj", marker)) == set()
    assert predictions(platform)["right"] == after["right"] + 1
    # rachel, still on it, finds it as before
    assert found(platform.search("rachel", marker)) == {evidence_id}


def test_a_rep_put_on_a_case_finds_it_at_once(platform: Platform, shared_case: dict[str, Any]) -> None:
    case_id, marker, evidence_id = shared_case["case"]["id"], shared_case["marker"], shared_case["evidence_id"]
    assert found(platform.search("raj", marker)) == set()
    before = predictions(platform)
    put_on(platform, case_id, "raj")
    response = platform.search("raj", marker)
    assert found(response) == {evidence_id}
    assert predictions(platform)["wrong"] == before["wrong"] + 1
    assert sorted(timing_parts(response)) == ["discarded", "index", "scope"]


def test_every_search_is_still_asked_of_workflow_and_audited(platform: Platform, shared_case: dict[str, Any]) -> None:
    marker = shared_case["marker"]
    platform.search("rachel", marker)  # a prediction for rachel, whatever ran before
    with platform.superuser_db() as db:
        count = "SELECT count(*) FROM workflow.audit_log WHERE actor = 'rachel' AND action = 'search'"
        (before,) = db.execute(count).fetchone()
        for _ in range(3):
            assert found(platform.search("rachel", marker)) == {shared_case["evidence_id"]}
        (after,) = db.execute(count).fetchone()
    assert after == before + 3
