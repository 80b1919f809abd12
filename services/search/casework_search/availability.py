"""When the search server cannot answer, callers get a 503 problem with Retry-After (REST) or
UNAVAILABLE (gRPC), never a 500: the request was fine and is worth repeating shortly.

What counts as "cannot answer": no connection or no answer in time, the server saying it is
overloaded or unavailable, and an index alias that does not resolve (it is being created, or the
search server lost its data and a rebuild is under way)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from flask import Blueprint, Response
from opensearchpy import ConnectionError as NoConnection
from opensearchpy import NotFoundError, TransportError

from casework_common.problems import Problem
from casework_common.web import problem_response

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5
# Status codes of the search server that mean "not now" rather than "not like that".
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})


class IndexUnavailable(Problem):
    """The search index cannot answer right now; ``retry_after_s`` says when to try again."""

    def __init__(self, detail: str, retry_after_s: int = RETRY_AFTER_S) -> None:
        super().__init__(503, "unavailable", "Service unavailable", detail)
        self.retry_after_s = retry_after_s


def _transient(exc: TransportError) -> bool:
    if isinstance(exc, NoConnection):
        return True
    if isinstance(exc, NotFoundError):
        return exc.error == "index_not_found_exception"
    return exc.status_code in TRANSIENT_STATUSES


@contextlib.contextmanager
def index_answers() -> Iterator[None]:
    """Run index queries; a transient failure of the search server becomes :class:`IndexUnavailable`."""
    try:
        yield
    except TransportError as exc:
        if not _transient(exc):
            raise
        log.warning("search server cannot answer: %s", exc)
        raise IndexUnavailable("Search is not available right now; try again shortly.") from exc


def register(bp: Blueprint) -> None:
    """Answer :class:`IndexUnavailable` anywhere in the app with its problem and a Retry-After header."""

    @bp.app_errorhandler(IndexUnavailable)
    def _unavailable(problem: IndexUnavailable) -> Response:
        response = problem_response(problem)
        response.headers["Retry-After"] = str(problem.retry_after_s)
        return response
