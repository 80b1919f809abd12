"""The Flask base every casework HTTP service is built on.

:func:`create_app` gives an app that
- authenticates every request (bearer token) unless the view is marked :func:`public`;
- binds a trace id from ``traceparent`` (or makes one) and echoes it back;
- serves ``/healthz``, ``/readyz`` and ``/metrics``;
- counts every refused request (401, 403, the 404 of what the caller may not see) and hands it to
  the audit log, bounded per caller (see refusals.py);
- publishes its OpenAPI 3.1 description at ``/openapi.json`` (bearer-token APIs; see openapi.py);
- turns every error into RFC 9457 problem+json, never a stack trace;
- says in a ``Server-Timing`` header how long the parts of a request timed with :func:`timed` took.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

from flask import Flask, Response, current_app, g, has_request_context, jsonify, request, stream_with_context
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from casework_common import metrics, openapi, tracing
from casework_common.auth import AuthError, Principal, TokenValidator, bearer_token
from casework_common.openapi import Reply, api, is_public, public
from casework_common.problems import PROBLEM_CONTENT_TYPE, Problem, invalid, unauthorized
from casework_common.readiness import Readiness, ReadinessCheck
from casework_common.refusals import Refusal, RefusalAuditor
from casework_common.safe_input import control_character_errors

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
D = TypeVar("D")
MAX_JSON_BYTES = 1024 * 1024  # forms, notes and reasons: far below this; a larger body is an attack or a bug

__all__ = [
    "create_app",
    "dependency",
    "json_body",
    "note_refusal",
    "parse_json",
    "parse_query",
    "principal",
    "problem_response",
    "provide",
    "public",
    "request_body",
    "timed",
    "validate",
]


def provide(app: Flask, *objects: object) -> None:
    """Give the app's views these objects (the service's stores, clients, settings), one per type.

    Views live at module level, where readers and tools can find them, and ask for what they
    need with :func:`dependency` instead of closing over it in a blueprint factory.
    """
    given = app.extensions.setdefault("casework_dependencies", {})
    for obj in objects:
        if type(obj) in given:  # a view would silently get whichever came last
            raise ValueError(f"the app was already given a {type(obj).__name__}")
        given[type(obj)] = obj


def dependency(kind: type[D]) -> D:
    """The object of type ``kind`` (or a subclass) that :func:`provide` gave the running app."""
    given: dict[type, object] = current_app.extensions.get("casework_dependencies", {})
    found = given.get(kind)
    if found is None:
        found = next((obj for cls, obj in given.items() if issubclass(cls, kind)), None)
    if found is None:
        raise LookupError(f"the app was not given a {kind.__name__} (casework_common.web.provide)")
    return found  # type: ignore[return-value]


@contextlib.contextmanager
def timed(part: str) -> Iterator[None]:
    """Time a part of the current request (a call to another service or to the index).

    The answer says how long each part took in a ``Server-Timing`` header (``scope;dur=4.2,
    index;dur=38.0``, milliseconds), which browsers' developer tools show and which the search
    benchmark uses to tell the API's own cost from the query's within one request. Outside a
    request (a gRPC call) it times nothing.
    """
    started = time.perf_counter()
    try:
        yield
    finally:
        report_timing(part, (time.perf_counter() - started) * 1000)


def report_timing(part: str, ms: float) -> None:
    """Add a part timed by the caller to the current request's ``Server-Timing`` (see :func:`timed`)."""
    if has_request_context():
        g.setdefault("timings", []).append((part, ms))


def principal() -> Principal:
    """The authenticated caller of the current request."""
    return g.principal


def problem_response(problem: Problem) -> Response:
    response = jsonify(problem.to_dict(instance=request.path))
    response.status_code = problem.status
    response.content_type = PROBLEM_CONTENT_TYPE
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="casework"'
    if problem.status == 408:
        # The rest of the body may never come: the server closes instead of reading on (http_server).
        response.headers["Connection"] = "close"
    return response


class RequestBody:
    """The request body as a readable stream whose failures are the client's, not a 500: a body that
    stops arriving before its Content-Length (the server's read timeout) is a 408 problem, a broken
    connection a 400. A body that simply ends early reads as its end; parsers refuse it as truncated."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except TimeoutError as exc:
            raise Problem(
                408,
                "request-timeout",
                "Request timeout",
                "The request body stopped arriving before the length its Content-Length declared.",
            ) from exc
        except OSError as exc:
            raise Problem(400, "bad-request", "Bad request", "The connection broke while the body was sent.") from exc


def request_body() -> RequestBody:
    """The current request's body (see :class:`RequestBody`); read it through this, not ``request.stream``."""
    return RequestBody(request.stream)


def _declared(model: type[BaseModel], part: str) -> None:
    """Refuse to validate a request part against a model the view does not declare (see openapi.api),
    so the published description is always the validation actually applied."""
    declared = openapi.declaration(current_app.view_functions.get(request.endpoint or ""))
    if declared is None or getattr(declared, part) is not model:
        raise RuntimeError(f"view {request.endpoint} parses its {part} as {model.__name__} but does not declare it")


def parse_json(model: type[M]) -> M:
    """Validate the JSON body against ``model`` (the view's declared ``body``); a 422 problem names each bad field."""
    _declared(model, "body")
    return validate(model, json_body())


def json_body() -> Any:
    """The parsed JSON body, refused with a 422 problem when it is missing, malformed, nested too
    deeply or holds control characters (see safe_input); for views that validate it themselves."""
    if not request.is_json:
        raise invalid([{"field": "", "message": "A JSON object body is required."}], "The body is not JSON.")
    try:
        body = current_app.json.loads(
            bounded_body(
                MAX_JSON_BYTES,
                Problem(413, "too-large", "Body too large", f"A JSON body may be at most {MAX_JSON_BYTES:,} bytes."),
            )
        )
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[..." deeper than the parser's stack
        raise invalid([{"field": "", "message": "The body is not valid JSON."}], "The body is not JSON.") from exc
    _refuse_unsafe(body)
    return body


def bounded_body(limit: int, too_large: Problem) -> bytes:
    """The raw body, refused with ``too_large`` (a 413) past ``limit`` bytes; read with a bound,
    since a chunked body announces no length. For bodies held in memory (JSON, a small CSV); large
    uploads stream through intake's own limit instead."""
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    data = bytearray()
    body = request_body()
    while chunk := body.read(min(64 * 1024, limit + 1 - len(data))):
        data.extend(chunk)
        if len(data) > limit:
            raise too_large
    return bytes(data)


def _refuse_unsafe(data: Any) -> None:
    errors = control_character_errors(data)
    if errors:
        raise invalid(errors)


def parse_query(model: type[M]) -> M:
    """Validate the query string against ``model`` (the view's declared ``query``; repeated keys become lists)."""
    _declared(model, "query")
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    _refuse_unsafe(data)
    return validate(model, data)


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(
            [
                {"field": ".".join(str(p) for p in err["loc"]), "message": _sentence(err), "type": err["type"]}
                for err in exc.errors()
            ]
        ) from exc


def _sentence(err: Any) -> str:
    """A validation error as a person reads it: our validators' own sentences without pydantic's
    "Value error, " prefix, and an empty value (blank ones are trimmed first) said as such."""
    if err["type"] == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "string_too_short" and err.get("ctx", {}).get("min_length") == 1:
        return "This cannot be empty."
    return str(err["msg"])


def _refusal_reason(problem: Problem) -> str | None:
    """The reason code of a refusal (None: not one). A 404 problem is what an outsider gets for a
    case, evidence or referral they may not see, indistinguishable from one that does not exist."""
    if problem.status == 401:
        return g.get("auth_failure", "token-rejected")  # not set: workflow refused the token we forwarded
    if problem.status == 403:
        return problem.kind  # "forbidden", or a protocol rule's own kind
    if problem.status == 404 and problem.kind == "not-found":
        return "not-visible"
    return None


def refusal(status: int, reason: str) -> Refusal:
    """The current request as a :class:`Refusal` (who, what), refused with ``status`` for ``reason``."""
    return Refusal(
        status=status,
        reason=reason,
        method=request.method,
        route=request.url_rule.rule if request.url_rule else "unmatched",
        path=request.path,
        remote_address=request.remote_addr or "",
        principal=g.get("principal"),
        view_args={k: str(v) for k, v in (request.view_args or {}).items()},
        trace_id=tracing.current_trace_id() or "",
    )


def note_refusal(status: int, reason: str) -> None:
    """Count and audit the current request as refused, for apps that answer refusals with their own
    pages instead of a problem (the portal); problems are noted by create_app's handler."""
    current_app.extensions["casework_refusals"].note(refusal(status, reason))


def create_app(
    service: str,
    validator: TokenValidator | None,
    readiness: dict[str, ReadinessCheck] | None = None,
    import_name: str | None = None,
    ready_timeout_s: float = 2.0,
    refusals: RefusalAuditor | None = None,
    notes: Callable[[], dict[str, str]] | None = None,
) -> Flask:
    """A Flask app with casework's authentication, tracing, metrics and error handling.

    With a ``validator``, every view not marked :func:`public` requires a valid bearer
    token. Without one, the app takes no bearer tokens and must authenticate users by
    its own means (the portal's sign-in sessions) or serve only public views (ocr).
    ``import_name`` (the service's package) locates templates and static files.
    Apps that take bearer tokens are JSON APIs and publish ``/openapi.json``; the others
    (ocr: health and metrics only; the portal: HTML pages) do not.
    ``/readyz`` runs the ``readiness`` checks concurrently and counts one that has not answered
    within ``ready_timeout_s`` as failed.
    ``refusals`` audits refused requests (the service runs its :meth:`RefusalAuditor.run` loop);
    without one they are only counted.
    ``notes`` adds ``notes`` to the ``/readyz`` answer: things an operator should know that do not
    make the service unready (workflow: whether audit anchoring is on).
    """
    app = Flask(import_name or service)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    ready = Readiness(readiness or {}, ready_timeout_s)
    factory = metrics.Metrics(service)
    requests_total = factory.counter("http_requests_total", "HTTP requests handled.", ("method", "route", "status"))
    duration = factory.histogram("http_request_duration_seconds", "HTTP request latency.", ("method", "route"))
    auth_failures = factory.counter("auth_failures_total", "Requests refused for a bad or missing token.", ("reason",))
    auditor = refusals or RefusalAuditor(service)
    app.extensions["casework_refusals"] = auditor

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        g.trace_token = tracing.attach(tracing.parse_traceparent(request.headers.get(tracing.HEADER)))
        view = app.view_functions.get(request.endpoint or "")
        if view is None or is_public(view):
            return
        if validator is None:
            return
        try:
            g.principal = validator.validate(bearer_token(request.headers.get("Authorization")))
        except AuthError as exc:
            auth_failures.labels(reason=type(exc.__cause__).__name__ if exc.__cause__ else "missing").inc()
            g.auth_failure = exc.code
            raise unauthorized(str(exc)) from exc

    @app.after_request
    def _finish(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        requests_total.labels(request.method, route, str(response.status_code)).inc()
        if "started" in g:
            duration.labels(request.method, route).observe(time.perf_counter() - g.started)
        trace_id = tracing.current_trace_id()
        if trace_id:
            response.headers["X-Trace-Id"] = trace_id
        if "timings" in g:
            response.headers["Server-Timing"] = ", ".join(f"{part};dur={ms:.1f}" for part, ms in g.timings)
        return response

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        token = g.pop("trace_token", None)
        if token is not None:
            tracing.detach(token)

    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Response:
        reason = _refusal_reason(problem)
        if reason:
            auditor.note(refusal(problem.status, reason))
        return problem_response(problem)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        kind = (exc.name or "error").lower().replace(" ", "-")
        return problem_response(Problem(exc.code or 500, kind, exc.name or "Error", exc.description))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem_response(
            Problem(500, "internal", "Internal error", f"Something went wrong (trace {tracing.current_trace_id()}).")
        )

    @app.get("/healthz")
    @public
    @api("Liveness: the process answers", {200: Reply('Always {"status": "ok"}.')})
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.get("/readyz")
    @public
    @api(
        "Readiness: every dependency answers",
        {200: Reply("Ready; ``checks`` maps each dependency to true."), 503: Reply("Not ready; a check is false.")},
    )
    def readyz() -> tuple[Response, int]:
        results = ready()
        ok = all(results.values())
        body: dict[str, Any] = {"status": "ready" if ok else "not ready", "checks": results}
        if notes is not None:
            body["notes"] = notes()
        return jsonify(body), 200 if ok else 503

    @app.get("/metrics")
    @public
    @api("Prometheus metrics", {200: Reply("The text exposition format.", media={"text/plain": {"type": "string"}})})
    def metrics_view() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)

    if validator is not None:
        security = openapi.Security(validator.issuer)

        # Built on first request: blueprints are registered after create_app returns.
        @functools.cache
        def described() -> dict[str, Any]:
            return openapi.document(app, service, security)

        @app.get("/openapi.json")
        @public
        @api("This API's OpenAPI 3.1 description", {200: Reply("The document.")})
        def openapi_document() -> Response:
            return jsonify(described())

    return app


def attachment(filename: str) -> str:
    """A Content-Disposition for a download named ``filename``: an ASCII fallback for old clients and
    the exact name in RFC 8187 ``filename*``."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def stored_file(
    s3: Any,
    bucket: str,
    key: str,
    version_id: str | None,
    *,
    size_bytes: int,
    content_type: str,
    filename: str,
    etag: str | None = None,
) -> Response:
    """A download streamed from object storage, never held in memory, its connection released when
    the client has it all or goes away. The content is never sniffed by the browser."""
    obj = s3.get_object(bucket, key, version_id=version_id)

    def body():
        try:
            yield from obj.stream(64 * 1024)
        finally:
            obj.close()
            obj.release_conn()

    response = Response(stream_with_context(body()), content_type=content_type)
    response.headers["Content-Length"] = str(size_bytes)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = attachment(filename)
    if etag:
        response.headers["ETag"] = f'"{etag}"'
    return response
