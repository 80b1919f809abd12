"""Hostile request data sent to every JSON endpoint of every REST service ends in a 4xx
problem+json, never a 500 nor a stored control character: JSON nested far deeper than any parser
stack, and NUL / ESC / BEL / a C1 control in every string of a body (each field in turn) and in every
query parameter. The endpoints
come from each service's /openapi.json, so a new endpoint is covered without touching this file."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests

import organising_ids
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

SERVICES = ("workflow", "intake", "search", "notify", "organising")
PROBLEM = "application/problem+json"
CALLERS = ("rachel", "ada")  # the case's rep, and an admin for the admin-only endpoints
# Tried in turn until one gets a body past the view's own checks: the case's rep, the region's
# official (referral outcomes), an admin, the member.
BODY_CALLERS = ("rachel", "olive", "ada", "maria")
CONTROLS = {"NUL": "\x00", "ESC": "\x1b[31m", "BEL": "\x07", "C1 CSI": "\x9b31m"}


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    template: str
    op: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.service}{self.template}"


@pytest.fixture(scope="module")
def documents(platform: Platform) -> dict[str, dict[str, Any]]:
    return {s: requests.get(f"{platform.url(s)}/openapi.json", timeout=10).json() for s in SERVICES}


@pytest.fixture(scope="module")
def path_values(platform: Platform) -> dict[str, str]:
    """Real ids where the scope rules need them, so a body is validated rather than refused as unknown."""
    case = platform.create_case("rachel", unique_number(), name="Hostile Input")
    referral = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/referrals",
        json={"target": "regional_office", "reason": "Needs the office."},
    )
    assert referral.status_code == 201, referral.text
    upload = platform.upload("rachel", case["id"], [("note.txt", b"A note to correct the facts of.", "text/plain")])
    assert upload.status_code == 201, upload.text
    return {
        "case_id": case["id"],
        "referral_id": referral.json()["id"],
        "username": "raj",
        "evidence_id": upload.json()["items"][0]["id"],
        **organising_ids.reachable_ids(platform),
    }


def operations(documents: dict[str, dict[str, Any]]) -> list[Operation]:
    return [
        Operation(service, method, template, op)
        for service, doc in documents.items()
        for template, ops in doc["paths"].items()
        for method, op in ops.items()
        if op.get("security") != []  # the public ones take no input
    ]


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def example(doc: dict[str, Any], schema: dict[str, Any], text: str) -> Any:
    """A value of ``schema`` whose free-text strings all carry ``text``; enums, formats and numbers
    stay valid, so the hostile strings get as far into the service as they can."""
    schema = resolve(doc, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if resolve(doc, s).get("type") != "null"]
            return example(doc, options[0], text)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object" or "properties" in schema:
        value = {name: example(doc, sub, text) for name, sub in schema.get("properties", {}).items()}
        if not value and "propertyNames" in schema:
            names = resolve(doc, schema["propertyNames"])
            value = {names.get("enum", ["key"])[0]: example(doc, schema.get("additionalProperties", {}), text)}
        return value
    if kind == "array":
        return [example(doc, schema.get("items", {}), text)]
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return schema.get("minimum", 1.0)
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return "2026-01-15"
    if schema.get("format") == "date-time":
        return "2026-01-15T10:00:00Z"
    return f"hostile{text}text"


def url_path(operation: Operation, values: dict[str, str]) -> str:
    names = {p["name"] for p in operation.op.get("parameters", ()) if p["in"] == "path"}
    return operation.template.format(**{n: values.get(n, str(uuid.uuid4())) for n in names})


def json_operations(documents: dict[str, dict[str, Any]]) -> list[Operation]:
    return [o for o in operations(documents) if "application/json" in o.op.get("requestBody", {}).get("content", {})]


def problems_not_500(responses: list[tuple[str, requests.Response]]) -> list[str]:
    """Each response that is not a 4xx problem+json, described."""
    return [
        f"{what} -> {r.status_code} {r.headers.get('Content-Type')}"
        for what, r in responses
        if not (400 <= r.status_code < 500 and r.headers.get("Content-Type", "").startswith(PROBLEM))
    ]


def test_every_service_has_json_endpoints_to_test(documents: dict[str, dict[str, Any]]) -> None:
    """Guards the tests below against passing because nothing was found to send."""
    bodies = {o.service for o in json_operations(documents)}
    queries = {o.service for o in operations(documents) if any(p["in"] == "query" for p in o.op.get("parameters", ()))}
    assert bodies >= {"workflow", "notify"} and queries >= {"workflow", "intake", "search", "notify"}


def test_deeply_nested_json_is_a_4xx_problem(
    platform: Platform, documents: dict[str, dict[str, Any]], path_values: dict[str, str]
) -> None:
    deep = {"array": "[" * 100_000, "object": '{"a":' * 100_000, "broken": '{"member": ', "not utf-8": "\xff\xfe\xfd"}
    responses = [
        (
            f"{operation} as {user}: {name}",
            platform.call(
                user,
                operation.method,
                operation.service,
                url_path(operation, path_values),
                data=body.encode("latin-1"),
                headers={"Content-Type": "application/json"},
            ),
        )
        for operation in json_operations(documents)
        for user in CALLERS
        for name, body in deep.items()
    ]
    assert problems_not_500(responses) == []


FieldPath = tuple[str | int, ...]


def string_fields(value: Any, path: FieldPath = ()) -> list[FieldPath]:
    """The path of every string in a JSON value (enums and dates included: none may hold a control)."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in string_fields(item, (*path, key))]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in string_fields(item, (*path, i))]
    return []


def poisoned(body: Any, paths: list[FieldPath], text: str) -> Any:
    """``body`` with ``text`` appended to the string at each of ``paths``."""
    body = copy.deepcopy(body)
    for path in paths:
        node = body
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] += text
    return body


def dotted(path: FieldPath) -> str:
    return ".".join(str(p) for p in path)


def refused_fields(response: requests.Response) -> list[str] | None:
    """The fields a 422 problem names; None for any other answer."""
    if response.status_code != 422 or not response.headers.get("Content-Type", "").startswith(PROBLEM):
        return None
    return [e.get("field") for e in response.json().get("errors", [])]


@pytest.mark.parametrize("control", CONTROLS)
def test_control_characters_in_every_string_field_of_every_json_body_are_refused(
    platform: Platform, documents: dict[str, dict[str, Any]], path_values: dict[str, str], control: str
) -> None:
    """Each string field of each body is poisoned on its own, so a field the guard missed fails here
    (with every field poisoned at once, the others would hide it)."""
    text, wrong, unreached, checked = CONTROLS[control], [], [], 0
    for operation in json_operations(documents):
        doc = documents[operation.service]
        body = example(doc, operation.op["requestBody"]["content"]["application/json"]["schema"], "")
        fields = string_fields(body)
        expected = {dotted(f): poisoned(body, [f], text) for f in fields}
        if not fields:  # no string anywhere (only numbers and booleans): a key carries it instead
            key = f"extra{text}"
            expected = {"extra" + text.encode("unicode_escape").decode(): {**body, key: "x"}}
        path = url_path(operation, path_values)

        def send(user: str, data: Any, operation: Operation = operation, path: str = path) -> requests.Response:
            return platform.call(user, operation.method, operation.service, path, json=data)

        everything = poisoned(body, fields, text) if fields else next(iter(expected.values()))
        caller = next((u for u in BODY_CALLERS if refused_fields(send(u, everything)) is not None), None)
        if caller is None:
            unreached.append(str(operation))
            continue
        for field, data in expected.items():
            response = send(caller, data)
            checked += 1
            if refused_fields(response) != [field]:
                wrong.append(f"{operation} as {caller}, {field}: {response.status_code} {response.text[:200]}")
    assert unreached == []
    assert wrong == []
    assert checked >= 20  # guards against passing because the bodies had no fields to poison


@pytest.mark.parametrize("control", CONTROLS)
def test_control_characters_in_query_parameters_are_refused(
    platform: Platform, documents: dict[str, dict[str, Any]], path_values: dict[str, str], control: str
) -> None:
    responses = []
    for operation in operations(documents):
        doc = documents[operation.service]
        query = [p for p in operation.op.get("parameters", ()) if p["in"] == "query"]
        valid = {p["name"]: example(doc, p["schema"], "") for p in query}
        for parameter in query:
            params = {**valid, parameter["name"]: f"x{CONTROLS[control]}y"}
            for user in CALLERS:
                response = platform.call(
                    user, operation.method, operation.service, url_path(operation, path_values), params=params
                )
                responses.append((f"{operation}?{parameter['name']} as {user}", response))
    assert responses and problems_not_500(responses) == []


def test_ordinary_unicode_and_newlines_still_pass(platform: Platform) -> None:
    name = "Zoë Ní Bhriain 🙂"
    case = platform.create_case("rachel", unique_number(), name=name, summary="Line one.\nLine two:\tindented.")
    assert case["member"]["name"] == name
    note = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/timeline",
        json={"kind": "note", "body": "Met Zoë.\r\nShe brought the rota — “unchanged”.", "visibility": "member"},
    )
    assert note.status_code == 201, note.text
    search = platform.call("rachel", "GET", "workflow", "/v1/cases", params={"limit": 5})
    assert search.status_code == 200, search.text


def upload(platform: Platform, case_id: str, files: list[tuple[str, tuple[str, bytes, str]]]) -> requests.Response:
    return platform.api("rachel").post(f"{platform.url('intake')}/v1/cases/{case_id}/evidence", files=files, timeout=30)


def evidence_names(platform: Platform, case_id: str) -> list[str]:
    listing = platform.call("rachel", "GET", "intake", f"/v1/cases/{case_id}/evidence")
    assert listing.status_code == 200, listing.text
    return [item["filename"] for item in listing.json()["items"]]


def test_an_empty_file_is_refused_naming_it_and_nothing_is_stored(platform: Platform) -> None:
    case = platform.create_case("rachel", unique_number(), name="Empty Upload")
    response = upload(platform, case["id"], [("file", ("blank.pdf", b"", "application/pdf"))])
    assert response.status_code == 422 and response.headers["Content-Type"] == PROBLEM, response.text
    assert response.json()["errors"][0]["field"] == "file" and "blank.pdf" in response.json()["errors"][0]["message"]
    assert evidence_names(platform, case["id"]) == []
    one_byte = upload(platform, case["id"], [("file", ("one.txt", b"x", "text/plain"))])
    assert one_byte.status_code == 201, one_byte.text


def test_a_file_under_an_undeclared_field_is_refused(platform: Platform, documents: dict[str, dict[str, Any]]) -> None:
    form = documents["intake"]["paths"]["/v1/cases/{case_id}/evidence"]["post"]["requestBody"]["content"]
    assert set(form["multipart/form-data"]["schema"]["properties"]) == {"file", "visibility"}
    case = platform.create_case("rachel", unique_number(), name="Odd Field")
    for field in ("attachment", "visibility", ""):
        response = upload(platform, case["id"], [(field, ("note.txt", b"some text", "text/plain"))])
        assert response.status_code == 422 and response.headers["Content-Type"] == PROBLEM, (field, response.text)
    assert evidence_names(platform, case["id"]) == []


def test_an_oversized_json_body_is_a_413_problem_and_uploads_keep_their_own_limit(
    platform: Platform, documents: dict[str, dict[str, Any]], path_values: dict[str, str]
) -> None:
    big = b'{"summary": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    responses = [
        (
            str(operation),
            platform.call(
                "rachel",
                operation.method,
                operation.service,
                url_path(operation, path_values),
                data=big,
                headers={"Content-Type": "application/json"},
            ),
        )
        for operation in json_operations(documents)
    ]
    assert problems_not_500(responses) == []
    assert {r.status_code for _, r in responses} - {403, 404} == {413}
    file = upload(platform, path_values["case_id"], [("file", ("big.txt", b"large evidence " * 200_000, "text/plain"))])
    assert file.status_code == 201, file.text
