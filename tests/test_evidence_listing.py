"""The service accounts' listing of every evidence item filters by any status of the contract
(proto/casework/v1/events.proto EvidenceStatus, short names in casework_common.vocabulary), not
only the first five; a status the contract lacks is a 422 problem naming the field."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from casework_common.vocabulary import EVIDENCE_STATUSES
from harness import Platform, unique_number

pytestmark = pytest.mark.stack


def listing(platform: Platform, token: str, **params: Any) -> requests.Response:
    return requests.get(
        f"{platform.url('intake')}/v1/evidence",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_every_status_of_the_contract_filters_the_listing(platform: Platform) -> None:
    token = platform.service_token()
    for status in EVIDENCE_STATUSES:
        response = listing(platform, token, status=status, limit=1000)
        assert response.status_code == 200, (status, response.text)
        assert {item["status"] for item in response.json()["items"]} <= {status}


def test_an_item_is_found_by_a_status_the_listing_once_refused(platform: Platform) -> None:
    """``not_indexed`` is one of the five statuses the listing used to refuse."""
    case = platform.create_case("rachel", unique_number())
    upload = platform.upload("rachel", case["id"], [("junk.txt", b"\x00\x01\x02 binary junk" * 50, "text/plain")])
    assert upload.status_code == 201, upload.text
    item = platform.wait_for_status("rachel", upload.json()["items"][0]["id"])
    assert item["status"] == "not_indexed"
    token = platform.service_token()
    found: set[str] = set()
    cursor: str | None = None
    while item["id"] not in found:
        params: dict[str, Any] = {"status": "not_indexed", "limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = listing(platform, token, **params)
        assert page.status_code == 200, page.text
        found |= {i["id"] for i in page.json()["items"]}
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert item["id"] in found


def test_a_status_the_contract_lacks_is_a_problem_naming_the_field(platform: Platform) -> None:
    response = listing(platform, platform.service_token(), status="archived")
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "status" in response.text
