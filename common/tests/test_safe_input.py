"""The shared refusal of control characters and deep nesting in request data, and parse_json's
answers to bodies no parser or store can take."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask, jsonify
from pydantic import BaseModel

from casework_common.openapi import Reply, api
from casework_common.safe_input import MAX_DEPTH, control_character_errors
from casework_common.web import create_app, json_body, parse_json, parse_query


@pytest.mark.parametrize(
    "text",
    [
        "Zoë Ní Bhriain",
        "line one\nline two\r\n\tindented",
        "Grievance 🙂 about the rota — “quoted”",
        "Ölçü İstanbul ß",
        "\xa0non-breaking\xa0spaces and ÿ",  # U+00A0 and above: printable Latin-1, not C1
        "",
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert control_character_errors({"member": {"name": text}, "tags": [text], text: 1}) == []


# C0 (tab, newline and CR aside), DEL and C1: U+0080, NEL, CSI (a terminal's one-byte ESC [), U+009F.
@pytest.mark.parametrize(
    "char", ["\x00", "\x1b", "\x07", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x80", "\x85", "\x9b", "\x9f"]
)
def test_control_characters_are_named_by_field(char: str) -> None:
    data = {"member": {"name": f"Maria{char}"}, "allegations": ["ok", f"x{char}y"], "summary": "fine"}
    assert [e["field"] for e in control_character_errors(data)] == ["allegations.1", "member.name"]


def test_a_control_character_in_a_key_is_refused_and_shown_escaped() -> None:
    errors = control_character_errors({"bad\x00key": "value"})
    assert [e["field"] for e in errors] == ["bad\\x00key"]


def test_a_bare_string_uses_the_root_name() -> None:
    assert [e["field"] for e in control_character_errors("a\x00b", root="body")] == ["body"]


def test_nesting_up_to_the_limit_passes_and_deeper_is_refused() -> None:
    def nested(depth: int) -> Any:
        value: Any = "leaf"
        for _ in range(depth):
            value = [value]
        return value

    assert control_character_errors(nested(MAX_DEPTH)) == []
    errors = control_character_errors(nested(MAX_DEPTH + 1))
    assert len(errors) == 1 and "deep" in errors[0]["message"]
    # far beyond the interpreter's recursion limit: the walk must not recurse
    assert len(control_character_errors(nested(100_000))) == 1


class Body(BaseModel):
    name: str
    tags: list[str] = []


class Query(BaseModel):
    q: str = ""


@pytest.fixture()
def app() -> Flask:
    app = create_app("unit", None)

    @app.post("/echo")
    @api("Echo", {200: Reply("The body.")}, body=Body)
    def echo() -> Any:
        return jsonify(parse_json(Body).model_dump())

    @app.get("/find")
    @api("Find", {200: Reply("The query.")}, query=Query)
    def find() -> Any:
        return jsonify(parse_query(Query).model_dump())

    @app.put("/raw")
    @api("Raw", {200: Reply("The body.")})
    def raw() -> Any:
        return jsonify(body=json_body())

    return app


@pytest.mark.parametrize("raw", ["[" * 100_000, '{"a":' * 100_000, "{not json", "\xff\xfe"])
def test_unparseable_or_too_deep_json_is_a_422_problem(app: Flask, raw: str) -> None:
    for path, method in (("/echo", "post"), ("/raw", "put")):
        response = getattr(app.test_client(), method)(path, data=raw.encode("latin-1"), content_type="application/json")
        assert response.status_code == 422, (path, raw[:10], response.status_code)
        assert response.content_type == "application/problem+json"
        assert response.json["errors"][0]["field"] == ""


def test_parse_json_refuses_control_characters_and_keeps_unicode(app: Flask) -> None:
    client = app.test_client()
    bad = client.post("/echo", json={"name": "Maria\x00", "tags": ["a\x1b[31m"]})
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    assert [e["field"] for e in bad.json["errors"]] == ["name", "tags.0"]
    good = client.post("/echo", json={"name": "Zoë Ní Bhriain 🙂", "tags": ["two\nlines"]})
    assert good.status_code == 200 and good.json == {"name": "Zoë Ní Bhriain 🙂", "tags": ["two\nlines"]}
    deep: Any = "x"
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    assert client.put("/raw", json={"a": deep}).status_code == 422


def test_parse_query_refuses_control_characters(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/find", query_string={"q": "a\x00b"}).json["errors"][0]["field"] == "q"
    assert client.get("/find", query_string={"q": "bell\x07"}).status_code == 422
    assert client.get("/find", query_string={"q": "Zoë\tNí"}).json == {"q": "Zoë\tNí"}


def test_a_json_body_past_the_limit_is_a_413_problem_even_without_a_length(app: Flask) -> None:
    from casework_common.web import MAX_JSON_BYTES

    client = app.test_client()
    big = ('{"name": "' + "a" * MAX_JSON_BYTES + '"}').encode()
    response = client.post("/echo", data=big, content_type="application/json")
    assert response.status_code == 413 and response.content_type == "application/problem+json"

    # a chunked body: no Content-Length, the server reads until the stream ends
    chunked = client.put(
        "/raw",
        input_stream=io.BytesIO(big),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert chunked.status_code == 413
    just_fits = ('{"name": "' + "a" * (MAX_JSON_BYTES - 20) + '"}').encode()
    assert client.post("/echo", data=just_fits, content_type="application/json").status_code == 200
