"""OpenAPI 3.1 descriptions generated from the pydantic models that validate requests.

A view declares what it takes and answers with :func:`api`; :func:`document` walks the
app's URL map and turns those declarations into a document, taking every schema from
pydantic's own JSON schema so the description and the validation cannot disagree.
``parse_json``/``parse_query`` (casework_common.web) refuse to parse a model other than
the one the view declares, so a view cannot validate one thing and document another.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.routing import Rule

from casework_common.problems import PROBLEM_CONTENT_TYPE, TYPE_BASE

F = TypeVar("F", bound=Callable[..., Any])

OPENAPI_VERSION = "3.1.0"
REF_TEMPLATE = "#/components/schemas/{model}"
_DECLARATION_ATTR = "_casework_api"
_PUBLIC_ATTR = "_casework_public"
# Methods every Flask rule answers by itself; they are not part of the API.
_IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})
# Flask's static-file route exists on every app (it answers 404 where there is no static folder).
_NOT_API_ENDPOINTS = frozenset({"static"})
_SLUG = re.compile(r"[^a-z0-9]+")
_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")
BINARY = {"type": "string", "format": "binary"}
_PROBLEM_TITLES = {
    400: "The request is malformed.",
    401: "No valid bearer token.",
    403: "The caller's role or scope does not allow this.",
    404: "Nothing with that id is visible to the caller.",
    408: "The request body stopped arriving before its declared length; the connection is closed.",
    409: "The request conflicts with the resource's current state.",
    413: "The upload is too large.",
    415: "The body is not of a media type this operation takes.",
    422: "The request failed validation; ``errors`` names each bad field.",
    503: "A dependency is unavailable; try again later.",
}


class FieldError(BaseModel):
    """One invalid field of a 422 problem."""

    field: str = Field(description="Dotted path of the field ('' for the whole body).")
    message: str
    type: str | None = Field(default=None, description="pydantic's error type, when pydantic found it.")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem: the only error body casework's HTTP APIs return."""

    model_config = ConfigDict(extra="allow")  # extension members: ``rule``, ``stored``, ``limit_bytes``...

    type: str = Field(description=f"A URI: {TYPE_BASE}<kind>.", json_schema_extra={"format": "uri"})
    title: str
    status: int = Field(ge=100, le=599)
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldError] | None = Field(default=None, description="Validation problems only (422).")


@dataclass(frozen=True)
class Reply:
    """One documented response: a pydantic ``model`` (JSON), literal ``media`` schemas, or both.

    With neither, the body is a JSON object whose shape is described in words only.
    """

    description: str
    model: type[BaseModel] | None = None
    media: Mapping[str, Mapping[str, Any]] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Declaration:
    """What a view takes and answers, recorded on the view by :func:`api`."""

    summary: str
    responses: Mapping[int, Reply]
    body: type[BaseModel] | None = None
    body_schema: Mapping[str, Any] | None = None
    form: Mapping[str, Any] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    description: str | None = None
    headers: Mapping[str, str] | None = None


def api(
    summary: str,
    responses: Mapping[int, Reply | type[BaseModel]],
    *,
    body: type[BaseModel] | None = None,
    body_schema: Mapping[str, Any] | None = None,
    form: Mapping[str, Any] | None = None,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    headers: Mapping[str, str] | None = None,
) -> Callable[[F], F]:
    """Declare a view's request and responses for the OpenAPI document.

    ``body`` is the pydantic model ``parse_json`` validates; ``body_schema`` a JSON schema
    for a JSON body the view checks by hand; ``form`` the schema of a multipart/form-data
    body; ``query`` the model ``parse_query`` validates. ``errors`` lists the problem
    statuses the view answers with besides 401 (secured views) and 422 (views that validate).
    ``headers`` names the optional request headers the view reads, each with its description.
    The view's docstring becomes the operation's description.
    """
    replies = {
        status: reply if isinstance(reply, Reply) else Reply(_first_line(reply.__doc__) or "OK", reply)
        for status, reply in responses.items()
    }

    def mark(view: F) -> F:
        declaration = Declaration(
            summary, replies, body, body_schema, form, query, tuple(errors), _clean_doc(view.__doc__), headers
        )
        setattr(view, _DECLARATION_ATTR, declaration)
        return view

    return mark


def public(view: F) -> F:
    """Mark a view as reachable without a token (health, metrics, login pages, this document)."""
    setattr(view, _PUBLIC_ATTR, True)
    return view


def is_public(view: Callable[..., Any] | None) -> bool:
    """True for a view marked :func:`public`."""
    return bool(getattr(view, _PUBLIC_ATTR, False))


def declaration(view: Callable[..., Any] | None) -> Declaration | None:
    """The declaration :func:`api` recorded on ``view``, if any."""
    return getattr(view, _DECLARATION_ATTR, None)


@dataclass(frozen=True)
class Security:
    """The bearer scheme every non-public operation requires."""

    issuer: str

    def scheme(self) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": (
                f"An RS256 access token from the OpenID Connect issuer {self.issuer} "
                f"(discovery: {self.issuer}/.well-known/openid-configuration). Roles are realm roles."
            ),
        }


def document(app: Flask, title: str, security: Security | None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route in ``app.url_map``.

    A route whose view has no declaration is still listed (so nothing is hidden), marked
    ``x-undeclared`` with a generic response, which the tests refuse.
    """
    operations = list(_operations(app))
    schemas = _Schemas(op.declaration for op in operations)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = op.render(schemas, secured=security is not None)
    components: dict[str, Any] = {"schemas": schemas.components}
    doc: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": _version(title),
            "description": f"The {title} HTTP API. Errors are RFC 9457 problem+json ({PROBLEM_CONTENT_TYPE}).",
        },
        "paths": paths,
        "components": components,
    }
    if security is not None:
        components["securitySchemes"] = {"bearer": security.scheme()}
        doc["security"] = [{"bearer": []}]
    return doc


@dataclass(frozen=True)
class _Operation:
    rule: Rule
    method: str
    view: Callable[..., Any]
    operation_id: str

    @property
    def declaration(self) -> Declaration | None:
        return declaration(self.view)

    @property
    def path(self) -> str:
        return _openapi_path(self.rule)

    @property
    def public(self) -> bool:
        return is_public(self.view)

    def render(self, schemas: _Schemas, secured: bool) -> dict[str, Any]:
        declared = self.declaration
        blueprint, _, _ = self.rule.endpoint.rpartition(".")
        op: dict[str, Any] = {"operationId": self.operation_id, "tags": [blueprint or "operations"]}
        parameters = [_path_parameter(name) for name in sorted(self.rule.arguments)]
        if declared is None:
            op.update(summary=f"Undeclared view {self.rule.endpoint}", responses={"200": {"description": "?"}})
            op.update({"parameters": parameters} if parameters else {}, **{"x-undeclared": True})
            return op
        op["summary"] = declared.summary
        if declared.description:
            op["description"] = declared.description
        if declared.query is not None:
            parameters += schemas.query_parameters(declared.query)
        parameters += [
            {"name": name, "in": "header", "required": False, "description": about, "schema": {"type": "string"}}
            for name, about in (declared.headers or {}).items()
        ]
        if parameters:
            op["parameters"] = parameters
        body = _request_body(declared, schemas)
        if body is not None:
            op["requestBody"] = body
        needs_token = secured and not self.public
        op["responses"] = _responses(declared, schemas, needs_token)
        if secured and self.public:
            op["security"] = []
        return op


def _operations(app: Flask) -> Iterator[_Operation]:
    pairs = [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        if rule.endpoint not in _NOT_API_ENDPOINTS
        for method in sorted((rule.methods or set()) - _IMPLICIT_METHODS)
    ]
    per_endpoint = Counter(rule.endpoint for rule, _ in pairs)
    for rule, method in pairs:
        operation_id = rule.endpoint
        if per_endpoint[rule.endpoint] > 1:  # one view serving several rules or methods
            operation_id += "_" + _SLUG.sub("_", f"{method} {rule.rule}".lower()).strip("_")
        yield _Operation(rule, method, app.view_functions[rule.endpoint], operation_id)


class _Schemas:
    """Every model the declarations name, rendered once by pydantic with shared components."""

    def __init__(self, declarations: Iterable[Declaration | None]) -> None:
        wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(ProblemDetails, "serialization"): None}
        for declared in declarations:
            if declared is None:
                continue
            for model in (declared.body, declared.query):
                if model is not None:
                    wanted[(model, "validation")] = None
            for reply in declared.responses.values():
                if reply.model is not None:
                    wanted[(reply.model, "serialization")] = None
        refs, top = models_json_schema(list(wanted), ref_template=REF_TEMPLATE)
        self._refs = refs
        self.components: dict[str, Any] = top.get("$defs", {})

    def ref(self, model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return self._refs[(model, mode)]

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        return self.components[ref.rsplit("/", 1)[1]] if ref else schema

    def query_parameters(self, model: type[BaseModel]) -> list[dict[str, Any]]:
        schema = self.resolve(self.ref(model, "validation"))
        required = set(schema.get("required", ()))
        return [_query_parameter(name, prop, name in required) for name, prop in schema.get("properties", {}).items()]

    @property
    def problem(self) -> dict[str, Any]:
        return self.ref(ProblemDetails, "serialization")


def _query_parameter(name: str, prop: Mapping[str, Any], required: bool) -> dict[str, Any]:
    """A query parameter; an absent parameter is how a query says "none", so null is not a value."""
    schema = dict(prop)
    choices = schema.pop("anyOf", None)
    if choices is not None:
        kept = [c for c in choices if c != {"type": "null"}]
        if len(kept) == 1:
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept
    if schema.get("default", ...) is None:
        del schema["default"]
    schema.pop("title", None)
    parameter: dict[str, Any] = {"name": name, "in": "query", "required": required, "schema": schema}
    if "description" in schema:
        parameter["description"] = schema["description"]
    if schema.get("type") == "array":
        parameter.update(style="form", explode=True)  # repeated keys: ?case_type=a&case_type=b
    return parameter


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[^/]+$"}}


def _request_body(declared: Declaration, schemas: _Schemas) -> dict[str, Any] | None:
    if declared.body is not None:
        schema: Mapping[str, Any] = schemas.ref(declared.body, "validation")
        return {"required": True, "content": {"application/json": {"schema": schema}}}
    if declared.body_schema is not None:
        return {"required": True, "content": {"application/json": {"schema": dict(declared.body_schema)}}}
    if declared.form is not None:
        return {"required": True, "content": {"multipart/form-data": {"schema": dict(declared.form)}}}
    return None


def _responses(declared: Declaration, schemas: _Schemas, needs_token: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, reply in sorted(declared.responses.items()):
        out[str(status)] = _reply(reply, schemas)
    problems = set(declared.errors)
    if needs_token:
        problems.add(401)
    if declared.body or declared.body_schema or declared.form or declared.query:
        problems.add(422)
    problem = {"content": {PROBLEM_CONTENT_TYPE: {"schema": schemas.problem}}}
    for status in sorted(problems):
        out[str(status)] = {"description": _PROBLEM_TITLES.get(status, "A problem."), **problem}
    # Any other client or server error is a problem too (unknown routes, methods, outages).
    out["4XX"] = {"description": "Another client error.", **problem}
    out["5XX"] = {"description": "A server error or an unavailable dependency.", **problem}
    return out


def _reply(reply: Reply, schemas: _Schemas) -> dict[str, Any]:
    rendered: dict[str, Any] = {"description": reply.description}
    content: dict[str, Any] = {}
    if reply.model is not None:
        content["application/json"] = {"schema": schemas.ref(reply.model, "serialization")}
    if reply.media is not None:
        content.update({media: {"schema": dict(schema)} for media, schema in reply.media.items()})
    if not content:
        content["application/json"] = {"schema": {"type": "object"}}
    rendered["content"] = content
    if reply.headers:
        rendered["headers"] = {
            name: {"description": about, "schema": {"type": "string"}} for name, about in reply.headers.items()
        }
    return rendered


def _openapi_path(rule: Rule) -> str:
    """Flask's ``/v1/cases/<case_id>`` (converters included) as OpenAPI's ``/v1/cases/{case_id}``."""
    return _VARIABLE.sub(r"{\1}", rule.rule)


def _version(title: str) -> str:
    try:
        return importlib.metadata.version(f"casework-{title}")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n", 1)[0]


def _clean_doc(doc: str | None) -> str | None:
    return inspect.cleandoc(doc) if doc else None
