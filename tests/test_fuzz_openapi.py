"""Property-based fuzzing of every REST service against its own published /openapi.json (schemathesis).

Each operation gets generated requests, valid (positive) and invalid (negative), sent with real tokens
of several roles and, for path parameters, sometimes the ids of a case those roles can reach, so the
fuzzer gets past 404s into the views. Every answer must be no server error, a documented status, a
documented media type and a body that matches the documented schema.

Bounded for a 2-core machine: ``EXAMPLES`` generated requests per operation and caller (drawn from the
positive and negative strategies, about half with the real ids where the path takes them), Hypothesis
derandomized (the same requests on every run, so a failure reproduces), no shrinking. Each generated
request is sent as every caller in turn: derandomized, a run per caller drew the very same requests,
so they are drawn once per operation instead of once per caller (generating them costs about as much
as sending them). A caller's first failure ends its run, as its own Hypothesis run would have; the
other callers go on.
"""

from __future__ import annotations

import copy
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.transport.requests import ManagedCookiesSession

import organising_ids
import testdocs
from harness import Platform

pytestmark = [pytest.mark.stack, pytest.mark.timeout(600)]

SERVICES = ("workflow", "intake", "search", "notify", "bundle", "organising")
# A user of each role (member, rep, coordinator, official, caseworker, admin); None: no token.
ROLES = ("maria", "rachel", "cora", "olive", "carl", "ada")
CALLERS = (*ROLES, None)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 8  # 15 until the suite outgrew its 30-minute budget (a full run measured 250 s of fuzzing at 15)
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
# The callers' tokens are sent as they are: the fuzzer does not generate (or mangle) the bearer header,
# which would turn most requests into 401s; anonymous requests are a caller of their own.
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
# Operations whose effect reaches past the fuzz case into what later tests of the session rely on.
NOT_FUZZED_AS = {
    ("POST /v1/admin/reindex", "ada"): "rebuilds the shared search index under the later tests",
}


@dataclass
class Tally:
    """What one service's fuzzing sent and what came back wrong."""

    sent: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    answered_2xx_with_real_ids: int = 0
    failures: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def real_ids(platform: Platform) -> Iterator[dict[str, str]]:
    """Ids the roles can reach: maria's case (rachel's) referred to olive's region, with evidence and
    a support request. Each user's notification preferences are put back afterwards, since the
    fuzzer changes them and later tests expect their mail."""
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    case_id = case["id"]
    referral = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case_id}/referrals",
        json={"target": "regional_office", "reason": "Fuzzing needs an official on this case."},
    )
    assert referral.status_code == 201, referral.text
    support = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case_id}/support-requests",
        json={"to": "official", "question": "Fuzzing asks."},
    )
    assert support.status_code == 201, support.text
    upload = platform.upload("rachel", case_id, [("letter.png", testdocs.png(["Fuzz letter"]), "image/png")])
    assert upload.status_code == 201, upload.text
    evidence_id = upload.json()["items"][0]["id"]
    ids = {
        "case_id": case_id,
        "referral_id": referral.json()["id"],
        "request_id": support.json()["id"],
        "evidence_id": evidence_id,
        "parent_id": evidence_id,
        "username": "raj",
        **organising_ids.reachable_ids(platform),
    }
    # Search answers for a case once its facts reach the cases index (through Kafka): without this
    # wait, a fuzzer fast enough to get there first meets only 404s with the real case id.
    deadline = time.monotonic() + 60
    while platform.call("rachel", "GET", "search", f"/v1/cases/{case_id}/comparators").status_code != 200:
        assert time.monotonic() < deadline, "the case never reached search"
        time.sleep(0.2)
    saved = {user: _preferences(platform, user) for user in ROLES}
    yield ids
    for user, modes in saved.items():
        restored = platform.call(user, "PUT", "notify", "/v1/preferences", json=modes)
        assert restored.status_code == 200, restored.text


def _preferences(platform: Platform, user: str) -> dict[str, str]:
    response = platform.call(user, "GET", "notify", "/v1/preferences")
    assert response.status_code == 200, response.text
    return {kind: about["email"] for kind, about in response.json()["kinds"].items()}


def _strategies(operation: Any, known: dict[str, str]) -> list[Any]:
    """Positive and negative requests; with the real ids in the path as well where it has such ids."""
    strategies = [operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    if known:
        strategies += [
            operation.as_strategy(mode, path_parameters=known)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
    return strategies


def _fuzz(
    operation: Any,
    base_url: str,
    callers: dict[str, Callable[[], dict[str, str]]],
    known: dict[str, str],
    tally: Tally,
) -> dict[str, str]:
    """Run the bounded property test of one operation, each generated request sent as every caller
    (name: headers); the failure each caller met, by name (none: it passed).

    The requests go over one kept-open connection (a session of schemathesis' own kind, which drops
    any cookie after each request, so each request still stands alone) instead of a new session and
    connection per request."""
    failures: dict[str, str] = {}
    session = ManagedCookiesSession()

    def send(case: Case) -> None:
        for caller, headers in callers.items():
            if caller in failures:  # its run ended at its first failure
                continue
            try:
                response = case.call_and_validate(
                    base_url=base_url, session=session, headers=headers(), checks=CHECKS, timeout=30
                )
            # A check's failure (a FailureGroup of them) or a broken connection.
            except (AssertionError, BaseExceptionGroup, requests.RequestException) as exc:
                curl = case.as_curl_command(headers(), base_url=base_url)
                failures[caller] = f"{exc}\nReproduce with: {curl}"
                continue
            tally.sent[operation.label] += 1
            tally.statuses[response.status_code] += 1
            reached = case.path_parameters == {**case.path_parameters, **known}
            if 200 <= response.status_code < 300 and known and reached:
                tally.answered_2xx_with_real_ids += 1

    @FUZZ_SETTINGS
    @given(case=st.one_of(_strategies(operation, known)))
    def property_holds(case: Case) -> None:
        send(case)

    try:
        property_holds()
        # Eight generated requests may all carry a parameter the view refuses; the plain request
        # with the real ids always goes too, so reaching the view does not depend on the draw.
        if known and operation.method.upper() == "GET":
            send(operation.Case(path_parameters=known))
    # Hypothesis itself gave up on the operation (the checks' failures are kept per caller above).
    except (AssertionError, BaseExceptionGroup, requests.RequestException) as exc:
        failures.update({caller: str(exc) for caller in callers if caller not in failures})
    finally:
        session.close()
    return {caller: failures[caller] for caller in callers if caller in failures}


@pytest.mark.parametrize("service", SERVICES)
def test_fuzzed_requests_get_documented_answers(platform: Platform, real_ids: dict[str, str], service: str) -> None:
    base_url = platform.url(service)
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=CONFIG, timeout=10)
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        public = operation.definition.raw.get("security") == []
        known = {p.name: real_ids[p.name] for p in operation.path_parameters if p.name in real_ids}
        callers = {
            user or "anonymous": _headers(platform, user)
            for user in ((None,) if public else CALLERS)
            if (operation.label, user) not in NOT_FUZZED_AS
        }
        if not callers:
            continue
        for caller, failure in _fuzz(operation, base_url, callers, known, tally).items():
            tally.failures.append(f"{operation.label} as {caller}:\n{failure}")
    print(
        f"\n{service}: {sum(tally.sent.values())} requests over {len(tally.sent)} operations, "
        f"statuses {dict(sorted(tally.statuses.items()))}, {tally.answered_2xx_with_real_ids} 2xx with real ids, "
        f"{len(tally.failures)} failing"
    )
    assert tally.failures == [], "\n\n".join(tally.failures)
    # The fuzzer got past the token and the ids into the views, rather than collecting 401s and 404s.
    assert len(tally.sent) >= 5 and any(200 <= status < 300 for status in tally.statuses), tally
    reaches_real_ids = any(p.name in real_ids for r in schema.get_all_operations() for p in r.ok().path_parameters)
    assert tally.answered_2xx_with_real_ids > 0 or not reaches_real_ids, tally


def test_the_fuzzing_reports_answers_the_document_does_not_allow(platform: Platform) -> None:
    """The checks can fail: against a copy of workflow's document that misdescribes /healthz (a list
    body; then no 200 at all), fuzzing the live endpoint reports each disagreement."""
    base_url = platform.url("workflow")
    original = requests.get(f"{base_url}/openapi.json", timeout=10).json()
    wrong_body = copy.deepcopy(original)
    reply = wrong_body["paths"]["/healthz"]["get"]["responses"]["200"]
    reply["content"]["application/json"]["schema"] = {"type": "array"}
    wrong_status = copy.deepcopy(original)
    wrong_status["paths"]["/healthz"]["get"]["responses"].pop("200")
    for doc, expected in ((wrong_body, "Response violates schema"), (wrong_status, "Undocumented status code")):
        operation = schemathesis.openapi.from_dict(doc)["/healthz"]["GET"]
        failure = _fuzz(operation, base_url, {"anonymous": dict}, {}, Tally()).get("anonymous")
        assert failure is not None and expected in failure, failure


def _headers(platform: Platform, user: str | None) -> Callable[[], dict[str, str]]:
    """The caller's Authorization header, fetched per request so a long run never sends an expired token."""
    if user is None:
        return dict
    return lambda: {"Authorization": f"Bearer {platform.token(user)}"}


# -- what the fuzzer found, kept fixed --------------------------------------------------------------

# Fields a case always has: a change may leave them out, never set them to null.
NOT_NULL_CASE_FIELDS = ("member", "case_type", "allegations", "allegation_details", "key_dates", "status", "summary")


@pytest.mark.parametrize(
    ("body", "field_name"),
    [({name: None}, name) for name in NOT_NULL_CASE_FIELDS] + [({"member": {"name": None}}, "member.name")],
)
def test_a_case_change_to_null_where_a_case_needs_a_value_is_a_422(
    platform: Platform, body: dict[str, Any], field_name: str
) -> None:
    """PATCH with null for a field every case has answered 500 (AttributeError, or a NOT NULL violation)."""
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    response = platform.call("rachel", "PATCH", "workflow", f"/v1/cases/{case['id']}", json=body)
    assert response.status_code == 422, response.text
    assert field_name in {e["field"] for e in response.json()["errors"]}, response.text
    after = platform.call("rachel", "GET", "workflow", f"/v1/cases/{case['id']}").json()
    assert after["member"] == case["member"] and after["summary"] == case["summary"]


def test_clearable_case_fields_still_take_null(platform: Platform) -> None:
    """Outcome, sanction, a member's contact details and key dates can be emptied with null."""
    case = platform.create_case(
        "rachel", "M100001", name="Maria Okafor", key_dates={"hearing": "2026-01-05"}, allegations=["lateness"]
    )
    path = f"/v1/cases/{case['id']}"
    filled = platform.call("rachel", "PATCH", "workflow", path, json={"outcome": "settled", "sanction": "None."})
    assert filled.status_code == 200, filled.text
    cleared = platform.call(
        "rachel",
        "PATCH",
        "workflow",
        path,
        json={"outcome": None, "sanction": None, "member": {"employer": None}, "key_dates": {"hearing": None}},
    )
    assert cleared.status_code == 200, cleared.text
    body = cleared.json()
    assert body["outcome"] is None and body["sanction"] is None
    assert body["member"]["employer"] is None and body["key_dates"]["hearing"] is None
