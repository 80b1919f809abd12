"""The OpenAPI generator over a small Flask app (pure logic: no servers)."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify
from openapi_spec_validator import validate as validate_spec
from pydantic import BaseModel, Field

from casework_common.auth import TokenValidator
from casework_common.openapi import Reply, api
from casework_common.web import create_app, parse_json, parse_query


class Thing(BaseModel):
    name: str = Field(min_length=1)


class Filter(BaseModel):
    colour: str | None = None
    tags: list[str] = Field(default_factory=list)


def make_app() -> Flask:
    app = create_app("demo", TokenValidator("https://idp.example/realms/casework", "casework"))
    bp = Blueprint("things", __name__)

    @bp.post("/v1/things")
    @api("Make a thing", {201: Thing}, body=Thing)
    def make() -> tuple[object, int]:
        return jsonify(parse_json(Thing).model_dump()), 201

    @bp.get("/v1/things")
    @api("List things", {200: Reply("Things.")}, query=Filter)
    def listing() -> object:
        return jsonify(items=[], filter=parse_query(Filter).model_dump())

    @bp.delete("/v1/things/<thing_id>/tags/<tag>")
    @bp.delete("/v1/things/<thing_id>/labels/<tag>")
    @api("Remove a tag", {200: Reply("Done.")}, errors=(404,))
    def untag(thing_id: str, tag: str) -> object:
        return jsonify(removed=tag)

    @bp.get("/v1/undeclared/<path:rest>")
    def undeclared(rest: str) -> object:
        return jsonify(rest=rest)

    @bp.post("/v1/drifted")
    @api("Declares Filter, parses Thing", {200: Reply("Never.")}, body=Filter)
    def drifted() -> object:
        return jsonify(parse_json(Thing).model_dump())

    app.register_blueprint(bp)
    return app


def test_every_rule_and_method_is_listed_and_undeclared_views_are_marked() -> None:
    app = make_app()
    doc = app.test_client().get("/openapi.json").get_json()
    validate_spec(doc)
    listed = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    expected = {
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
        ("/v1/things", "post"),
        ("/v1/things", "get"),
        ("/v1/things/{thing_id}/tags/{tag}", "delete"),
        ("/v1/things/{thing_id}/labels/{tag}", "delete"),
        ("/v1/undeclared/{rest}", "get"),
        ("/v1/drifted", "post"),
    }
    assert listed == expected
    assert doc["paths"]["/v1/undeclared/{rest}"]["get"]["x-undeclared"] is True
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_models_become_bodies_parameters_and_problem_responses() -> None:
    doc = make_app().test_client().get("/openapi.json").get_json()
    make = doc["paths"]["/v1/things"]["post"]
    assert make["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    assert doc["components"]["schemas"]["Thing"]["required"] == ["name"]
    assert set(make["responses"]) == {"201", "401", "422", "4XX", "5XX"}
    problem = make["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/ProblemDetails"}
    params = {p["name"]: p for p in doc["paths"]["/v1/things"]["get"]["parameters"]}
    assert params["colour"] == {"name": "colour", "in": "query", "required": False, "schema": {"type": "string"}}
    assert params["tags"]["schema"] == {"type": "array", "items": {"type": "string"}}
    assert params["tags"]["explode"] is True
    assert doc["paths"]["/healthz"]["get"]["security"] == []
    assert "https://idp.example/realms/casework" in doc["components"]["securitySchemes"]["bearer"]["description"]


def test_a_view_cannot_parse_a_model_it_does_not_declare() -> None:
    app = make_app()
    app.before_request_funcs.clear()  # no tokens here: this checks parsing only
    client = app.test_client()
    assert client.post("/v1/things", json={"name": "a"}).status_code == 201
    assert client.get("/v1/things?tags=a&tags=b").get_json()["filter"]["tags"] == ["a", "b"]
    drifted = client.post("/v1/drifted", json={"name": "a"})
    assert drifted.status_code == 500
