"""The trends page's issues raised in recruitment: which campaign is shown, the rows as labelled (a
withheld count stays withheld), and what is shown when there is no campaign or organising does not
answer. Organising itself is stood in for by a dict of answers (its API is tested on the stack)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from casework_portal import issues_raised
from casework_portal.backend import ApiError

TODAY = dt.date(2027, 6, 1)


def campaign(cid: str, starts_on: str) -> dict[str, Any]:
    return {"id": cid, "name": f"Week {cid}", "starts_on": starts_on, "ends_on": starts_on}


def test_the_default_is_the_campaign_that_started_last_not_the_last_opened() -> None:
    # Organising lists the newest opened first: "future" was opened last but has not started.
    listed = [campaign("future", "2027-09-01"), campaign("may", "2027-05-10"), campaign("march", "2027-03-01")]
    assert issues_raised.default_campaign(listed, TODAY)["id"] == "may"
    # Started today counts as started.
    assert issues_raised.default_campaign(listed, dt.date(2027, 9, 1))["id"] == "future"


def test_with_none_started_the_next_to_start_and_with_none_nothing() -> None:
    listed = [campaign("later", "2027-12-01"), campaign("sooner", "2027-07-01")]
    assert issues_raised.default_campaign(listed, TODAY)["id"] == "sooner"
    assert issues_raised.default_campaign([], TODAY) is None


def test_a_tie_goes_to_the_newest_opened_organising_lists_first() -> None:
    listed = [campaign("newer", "2027-05-10"), campaign("older", "2027-05-10")]
    assert issues_raised.default_campaign(listed, TODAY)["id"] == "newer"


def test_a_chosen_campaign_counts_only_if_it_is_one_of_the_viewers() -> None:
    listed = [campaign("may", "2027-05-10"), campaign("march", "2027-03-01")]
    assert issues_raised.chosen_campaign(listed, "march", TODAY)["id"] == "march"
    assert issues_raised.chosen_campaign(listed, "another-regions", TODAY)["id"] == "may"
    assert issues_raised.chosen_campaign(listed, None, TODAY)["id"] == "may"


def test_rows_are_labelled_in_organisings_order_and_a_withheld_count_stays_withheld() -> None:
    issues = [
        {"category": "pay", "workplace": "Holloway depot", "count": 6, "suppressed": False},
        {"category": "hours_and_rotas", "workplace": "Archway office", "count": None, "suppressed": True},
        {"category": "something_new", "workplace": "", "count": 5, "suppressed": False},
    ]
    assert issues_raised.issue_rows(issues) == [
        {"label": "Pay · Holloway depot", "category": "Pay", "workplace": "Holloway depot", "count": 6},
        {
            "label": "Hours and rotas · Archway office",
            "category": "Hours and rotas",
            "workplace": "Archway office",
            "count": None,
        },
        # A category the portal does not know yet is shown as written, not dropped.
        {"label": "Something new", "category": "Something new", "workplace": "", "count": 5},
    ]
    # Marked suppressed but with a number anyway: the number is still not shown.
    marked = [{"category": "pay", "workplace": "Depot", "count": 2, "suppressed": True}]
    assert issues_raised.issue_rows(marked)[0]["count"] is None


class Organising:
    """Organising's answers by path; an ApiError where the test says it fails."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def get(self, path: str) -> Any:
        self.asked.append(path)
        answer = self.answers[path]
        if isinstance(answer, ApiError):
            raise answer
        return answer


RESULTS = {
    "scope": "region",
    "branch": None,
    "small_cell": 5,
    "issues": [{"category": "pay", "workplace": "Holloway depot", "count": 6, "suppressed": False}],
}


def test_the_chosen_campaigns_results_are_shown_with_their_scope() -> None:
    listed = [campaign("may", "2027-05-10"), campaign("march", "2027-03-01")]
    organising = Organising({"/v1/campaigns": {"items": listed}, "/v1/campaigns/march/results": RESULTS})
    shown = issues_raised.gather(organising.get, "march", TODAY)
    assert organising.asked == ["/v1/campaigns", "/v1/campaigns/march/results"]
    assert shown.state == "shown" and shown.campaign["id"] == "march" and shown.campaigns == listed
    assert (shown.scope, shown.branch, shown.small_cell) == ("region", None, 5)
    assert [row["count"] for row in shown.rows] == [6]
    assert shown.dates == "1 March 2027 to 1 March 2027"


def test_no_campaign_is_a_state_of_its_own_and_asks_for_no_results() -> None:
    organising = Organising({"/v1/campaigns": {"items": []}})
    assert issues_raised.gather(organising.get, None, TODAY).state == "no_campaign"
    assert organising.asked == ["/v1/campaigns"]
    refused = Organising({"/v1/campaigns": ApiError(403, "no")})
    assert issues_raised.gather(refused.get, None, TODAY).state == "no_campaign"


def test_results_refused_for_a_listed_campaign_is_a_notice_not_no_campaign() -> None:
    answers: dict[str, Any] = {"/v1/campaigns": {"items": [campaign("may", "2027-05-10")]}}
    answers["/v1/campaigns/may/results"] = ApiError(403, "no")
    assert issues_raised.gather(Organising(answers).get, None, TODAY).state == "unavailable"


@pytest.mark.parametrize("failing", ["/v1/campaigns", "/v1/campaigns/may/results"])
@pytest.mark.parametrize("status", [404, 500, 503])
def test_organising_not_answering_leaves_a_notice_not_an_error(failing: str, status: int) -> None:
    answers: dict[str, Any] = {"/v1/campaigns": {"items": [campaign("may", "2027-05-10")]}}
    answers["/v1/campaigns/may/results"] = RESULTS
    answers[failing] = ApiError(status, "down")
    shown = issues_raised.gather(Organising(answers).get, None, TODAY)
    assert shown.state == "unavailable" and shown.rows == []


def test_an_expired_session_is_raised_as_on_every_page() -> None:
    with pytest.raises(ApiError):
        issues_raised.gather(Organising({"/v1/campaigns": ApiError(401, "expired")}).get, None, TODAY)


def test_only_organisings_users_get_the_section() -> None:
    def roles_of(*held: str) -> Any:
        return lambda *wanted: bool(set(held) & set(wanted))

    for role in ("rep", "coordinator", "official"):
        assert issues_raised.shown_to(roles_of(role)), role
    for role in ("caseworker", "admin", "member", "dpo"):
        assert not issues_raised.shown_to(roles_of(role)), role
