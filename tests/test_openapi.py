"""Each REST service publishes an OpenAPI 3.1 description of its whole API, and real requests and
responses agree with it; every gRPC server answers reflection."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import grpc
import jsonschema
import pytest
import requests
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import testdocs
from harness import Platform, unique_number

pytestmark = pytest.mark.stack

SERVICES = ("workflow", "intake", "search", "notify", "bundle", "organising")
PROBLEM = "application/problem+json"
DOC_URI = "urn:casework:openapi"


@pytest.fixture(scope="module")
def documents(platform: Platform) -> dict[str, dict[str, Any]]:
    """Each service's document, fetched without a token (it is public)."""
    docs = {}
    for service in SERVICES:
        response = requests.get(f"{platform.url(service)}/openapi.json", timeout=10)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("application/json")
        docs[service] = response.json()
    return docs


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


@pytest.mark.parametrize("service", SERVICES)
def test_document_is_valid_openapi_3_1(documents: dict[str, dict[str, Any]], service: str) -> None:
    doc = documents[service]
    assert doc["openapi"].startswith("3.1.")
    validate_spec(doc)  # raises OpenAPIValidationError on any fault


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_is_described(documents: dict[str, dict[str, Any]], service: str) -> None:
    """The generator lists every rule of the app; a view without a declaration is marked, not hidden."""
    doc = documents[service]
    undeclared = [f"{m.upper()} {p}" for p, m, op in operations(doc) if op.get("x-undeclared")]
    assert undeclared == []
    for path, method, op in operations(doc):
        names = {p["name"] for p in op.get("parameters", ()) if p["in"] == "path"}
        assert names == set(re.findall(r"{([^}]+)}", path)), f"{method} {path}"
        assert op["summary"] and any(status.startswith("2") for status in op["responses"]), f"{method} {path}"
        public = op.get("security") == []
        # Besides the infrastructure routes, only a shared bundle's recipient has no account: those
        # routes take the link's token and a one-time code instead (tests/test_bundle_sharing.py); and
        # calendar clients fetch a feed with its secret token only (tests/test_calendar_feeds.py).
        expected_public = (
            path in ("/healthz", "/readyz", "/metrics", "/openapi.json")
            or (service == "bundle" and path.startswith("/v1/shared/{token}"))
            or (service == "workflow" and path == "/v1/calendar/{token}.ics")
        )
        assert public == expected_public, f"{method} {path}"
        if not public:
            assert "401" in op["responses"], f"{method} {path}"
    scheme = doc["components"]["securitySchemes"]["bearer"]
    assert scheme["scheme"] == "bearer" and scheme["bearerFormat"] == "JWT"
    assert doc["security"] == [{"bearer": []}]


def test_declarations_match_the_models_that_validate(documents: dict[str, dict[str, Any]]) -> None:
    """Spot checks that the document carries the validation's constraints: enums, required, bounds."""
    workflow = documents["workflow"]
    schemas = workflow["components"]["schemas"]
    assert set(schemas["NewCase"]["required"]) == {"member", "case_type"}
    assert "disciplinary" in schemas["CaseType"]["enum"]
    listing = {p["name"]: p for p in workflow["paths"]["/v1/cases"]["get"]["parameters"]}
    assert listing["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    assert listing["status"]["schema"] == {"$ref": "#/components/schemas/Status"}
    assert schemas["Status"]["enum"] == ["open", "closed"]
    search = {p["name"]: p for p in documents["search"]["paths"]["/v1/search"]["get"]["parameters"]}
    assert search["q"]["required"] is True
    assert search["case_id"]["schema"]["type"] == "array" and search["case_id"]["explode"] is True
    upload = documents["intake"]["paths"]["/v1/cases/{case_id}/evidence"]["post"]["requestBody"]
    form = upload["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"] and form["properties"]["visibility"]["enum"] == ["member", "reps"]
    preferences = documents["notify"]["paths"]["/v1/preferences"]["put"]["requestBody"]
    assert "case_update" in preferences["content"]["application/json"]["schema"]["propertyNames"]["enum"]


# -- real requests and responses against the document ---------------------------------------------


@dataclass
class Conformance:
    """Checks responses against the document and remembers which operations were exercised."""

    platform: Platform
    documents: dict[str, dict[str, Any]]
    seen: set[tuple[str, str, str]] = field(default_factory=set)

    def call(self, user: str | None, method: str, service: str, template: str, **kwargs: Any) -> requests.Response:
        path_values = kwargs.pop("path", {})
        response = self.platform.call(user, method, service, template.format(**path_values), **kwargs)
        self.check(service, method, template, response)
        return response

    def check(self, service: str, method: str, template: str, response: requests.Response) -> None:
        doc = self.documents[service]
        op = doc["paths"][template][method.lower()]
        status = str(response.status_code)
        reply = op["responses"].get(status) or op["responses"].get(status[0] + "XX")
        assert reply is not None, f"{method} {template} answered {status}, which is not documented"
        media = response.headers["Content-Type"].split(";")[0].strip()
        assert media in reply["content"], f"{method} {template} {status}: {media} not documented"
        if media in ("application/json", PROBLEM):
            schema = reply["content"][media]["schema"]
            validator = jsonschema.Draft202012Validator(
                {"$ref": DOC_URI + schema["$ref"]} if "$ref" in schema else schema,
                registry=Registry().with_resource(DOC_URI, Resource(contents=doc, specification=DRAFT202012)),
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            )
            errors = [
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(response.json())
            ]
            assert errors == [], f"{method} {template} {status}: {errors[:5]}"
        self.seen.add((service, method.lower(), template))


@pytest.fixture(scope="module")
def conformance(platform: Platform, documents: dict[str, dict[str, Any]]) -> Conformance:
    return Conformance(platform, documents)


def test_problem_bodies_match_the_problem_schema(conformance: Conformance) -> None:
    bad = conformance.call("rachel", "POST", "workflow", "/v1/cases", json={"member": {"name": ""}})
    assert bad.status_code == 422 and bad.headers["Content-Type"] == PROBLEM
    assert {e["field"] for e in bad.json()["errors"]} >= {"member.name", "case_type"}
    anonymous = conformance.call(None, "GET", "workflow", "/v1/cases")
    assert anonymous.status_code == 401
    missing = conformance.call("rachel", "GET", "intake", "/v1/evidence/{evidence_id}", path={"evidence_id": "nope"})
    assert missing.status_code == 404
    forbidden = conformance.call("maria", "GET", "search", "/v1/trends")
    assert forbidden.status_code == 403
    bad_query = conformance.call("rachel", "GET", "notify", "/v1/inbox", params={"limit": 0})
    assert bad_query.status_code == 422
    # A 409 with extension members: renaming the member on a case under a legal hold (test_erasure_requests.py).
    held = conformance.platform.create_case("rachel", unique_number(), name="Held Member")
    holding = {"reason": "Tribunal claim lodged"}
    hold = conformance.platform.call("olive", "PUT", "workflow", f"/v1/cases/{held['id']}/legal-hold", json=holding)
    assert hold.status_code == 200, hold.text
    rename = {"member": {"name": "Renamed Member"}}
    conflict = conformance.call(
        "rachel", "PATCH", "workflow", "/v1/cases/{case_id}", path={"case_id": held["id"]}, json=rename
    )
    assert conflict.status_code == 409 and conflict.json()["refusal"] == "legal_hold", conflict.text


def test_real_responses_match_their_documented_schemas(conformance: Conformance) -> None:
    c = conformance
    number = unique_number()
    case = c.call(
        "rachel",
        "POST",
        "workflow",
        "/v1/cases",
        json={
            "member": {"name": "Doc Check", "membership_number": number, "employer": "Acme"},
            "case_type": "grievance",
        },
    )
    assert case.status_code == 201, case.text
    ids = {"case_id": case.json()["id"]}
    assert c.call("rachel", "GET", "workflow", "/v1/cases/{case_id}", path=ids).status_code == 200
    assert c.call("maria", "GET", "workflow", "/v1/cases", params={"limit": 5}).status_code == 200
    assert (
        c.call("rachel", "PATCH", "workflow", "/v1/cases/{case_id}", path=ids, json={"summary": "s"}).status_code == 200
    )
    note = {"kind": "note", "body": "A note", "visibility": "member"}
    assert c.call("rachel", "POST", "workflow", "/v1/cases/{case_id}/timeline", path=ids, json=note).status_code == 201
    assert c.call("rachel", "GET", "workflow", "/v1/cases/{case_id}/timeline", path=ids).status_code == 200
    assert (
        c.call(
            "rachel", "POST", "workflow", "/v1/cases/{case_id}/shares", path=ids, json={"username": "raj"}
        ).status_code
        == 200
    )
    assert (
        c.call("rachel", "POST", "workflow", "/v1/cases/{case_id}/reps", path=ids, json={"username": "raj"}).status_code
        == 200
    )
    people = {**ids, "username": "raj"}
    assert (
        c.call("rachel", "DELETE", "workflow", "/v1/cases/{case_id}/shares/{username}", path=people).status_code == 200
    )
    assert c.call("rachel", "GET", "workflow", "/v1/cases/{case_id}/summary", path=ids).status_code == 200
    referral = c.call(
        "rachel",
        "POST",
        "workflow",
        "/v1/cases/{case_id}/referrals",
        path=ids,
        json={"target": "regional_office", "reason": "Needs the office."},
    )
    assert referral.status_code == 201, referral.text
    assert c.call("rachel", "GET", "workflow", "/v1/cases/{case_id}/referrals", path=ids).status_code == 200
    referral_id = {"referral_id": referral.json()["id"]}
    assert c.call("rachel", "GET", "workflow", "/v1/referrals/{referral_id}", path=referral_id).status_code == 200
    assert c.call("olive", "GET", "workflow", "/v1/referrals").status_code == 200
    support = {"to": "official", "question": "What now?"}
    assert (
        c.call("rachel", "POST", "workflow", "/v1/cases/{case_id}/support-requests", path=ids, json=support).status_code
        == 201
    )
    assert c.call("rachel", "GET", "workflow", "/v1/support-requests").status_code == 200
    assert c.call("maria", "POST", "workflow", "/v1/enquiries", json={"message": "Hello"}).status_code == 201
    assert c.call("rachel", "GET", "workflow", "/v1/tasks").status_code == 200
    assert c.call("olive", "GET", "workflow", "/v1/branch-flags").status_code == 200
    feed = c.call("rachel", "POST", "workflow", "/v1/calendar-feeds", json={"label": "Doc check"})
    assert feed.status_code == 201, feed.text
    assert c.call("rachel", "GET", "workflow", "/v1/calendar-feeds").status_code == 200
    token = {"token": feed.json()["url"].rsplit("/", 1)[1].removesuffix(".ics")}
    ics = c.call(None, "GET", "workflow", "/v1/calendar/{token}.ics", path=token)
    assert ics.status_code == 200 and ics.headers["Content-Type"].startswith("text/calendar")
    feed_id = {"feed_id": feed.json()["id"]}
    assert c.call("rachel", "DELETE", "workflow", "/v1/calendar-feeds/{feed_id}", path=feed_id).status_code == 200
    assert c.call(None, "GET", "workflow", "/v1/calendar/{token}.ics", path=token).status_code == 404

    letter = ("letter.png", testdocs.png(["A letter"]), "image/png")
    upload = c.call("rachel", "POST", "intake", "/v1/cases/{case_id}/evidence", path=ids, files=[("file", letter)])
    assert upload.status_code == 201, upload.text
    evidence = {"evidence_id": upload.json()["items"][0]["id"]}
    assert c.call("rachel", "GET", "intake", "/v1/cases/{case_id}/evidence", path=ids).status_code == 200
    assert c.call("rachel", "GET", "intake", "/v1/evidence/{evidence_id}", path=evidence).status_code == 200
    assert c.call("rachel", "GET", "intake", "/v1/evidence/{evidence_id}/content", path=evidence).status_code == 200
    assert c.call("rachel", "GET", "intake", "/v1/evidence/{evidence_id}/text", path=evidence).status_code == 200
    unsupported = c.call("rachel", "POST", "intake", "/v1/cases/{case_id}/evidence", path=ids, data=b"x")
    assert unsupported.status_code == 415

    assert c.call("rachel", "GET", "search", "/v1/search", params={"q": "letter"}).status_code == 200
    # The new case reaches the search index asynchronously: until then the answer is a 409 problem.
    comparators = c.call("rachel", "GET", "search", "/v1/cases/{case_id}/comparators", path=ids)
    assert comparators.status_code in (200, 409), comparators.text
    trends = c.call("cora", "GET", "search", "/v1/trends", params={"format": "csv"})
    assert trends.status_code == 200 and trends.headers["Content-Type"].startswith("text/csv")
    assert c.call("cora", "GET", "search", "/v1/trends").status_code == 200
    assert c.call("ada", "GET", "search", "/v1/admin/reindex").status_code == 200

    assert c.call("rachel", "GET", "notify", "/v1/inbox").status_code == 200
    assert c.call("rachel", "GET", "notify", "/v1/preferences").status_code == 200
    assert c.call("rachel", "PUT", "notify", "/v1/preferences", json={"case_update": "digest"}).status_code == 200
    unknown = c.call("rachel", "PUT", "notify", "/v1/preferences", json={"no_such_kind": "digest"})
    assert unknown.status_code == 422
    no_item = {"item_id": "00000000-0000-0000-0000-000000000000"}
    assert c.call("rachel", "POST", "notify", "/v1/inbox/{item_id}/read", path=no_item).status_code == 404
    assert c.call("rachel", "POST", "notify", "/v1/digests/run").status_code == 403
    assert c.call("rachel", "GET", "intake", "/v1/evidence").status_code == 403
    assert c.call("rachel", "POST", "search", "/v1/admin/reindex").status_code == 403
    for service in SERVICES:
        for public in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
            assert c.call(None, "GET", service, public).status_code == 200


def test_grpc_servers_answer_reflection(platform: Platform) -> None:
    """Reflection over a real connection lists the casework services and health, and resolves methods."""
    expected = {"workflow_grpc": "casework.v1.CaseAuthority", "search_grpc": "casework.v1.Search"}
    for port_name, service in expected.items():
        with grpc.insecure_channel(f"{platform.config.host}:{platform.config.ports[port_name]}") as channel:
            database = ProtoReflectionDescriptorDatabase(channel)
            names = set(database.get_services())
            assert {service, "grpc.health.v1.Health"} <= names, names
            described = DescriptorPool(database).FindServiceByName(service)
            assert described.methods, service
