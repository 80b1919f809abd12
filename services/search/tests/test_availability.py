"""Which search-server failures become a 503 problem with Retry-After (pure logic, no server)."""

from __future__ import annotations

import pytest
from opensearchpy import ConnectionError as NoConnection
from opensearchpy import ConnectionTimeout, NotFoundError, RequestError, TransportError

from casework_search.availability import IndexUnavailable, index_answers

TRANSIENT = [
    NoConnection("N/A", "connection refused", None),
    ConnectionTimeout("TIMEOUT", "read timed out", None),
    NotFoundError(404, "index_not_found_exception", {}),
    TransportError(503, "unavailable", {}),
    TransportError(429, "too_many_requests", {}),
]
NOT_TRANSIENT = [
    RequestError(400, "parsing_exception", {}),
    NotFoundError(404, "resource_not_found_exception", {}),
    TransportError(500, "internal", {}),
]


@pytest.mark.parametrize("error", TRANSIENT, ids=lambda e: type(e).__name__ + str(e.status_code))
def test_the_search_server_not_answering_now_is_a_503_with_retry_after(error: TransportError) -> None:
    with pytest.raises(IndexUnavailable) as raised, index_answers():
        raise error
    assert raised.value.status == 503 and raised.value.retry_after_s > 0
    assert raised.value.__cause__ is error


@pytest.mark.parametrize("error", NOT_TRANSIENT, ids=lambda e: type(e).__name__ + str(e.status_code))
def test_other_failures_pass_through(error: TransportError) -> None:
    with pytest.raises(type(error)), index_answers():
        raise error
