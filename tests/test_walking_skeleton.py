"""The core path end to end on the real servers: a rep opens a case, evidence is uploaded,
stored, OCR'd, indexed and found by the right people only, and the rep is emailed."""

from __future__ import annotations

import email.policy
import hashlib
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import testdocs
from harness import Platform, unique_number

MARIA = "M100001"  # the demo member maria (north-london)

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def maria_case(platform: Platform) -> dict[str, Any]:
    """A case Rachel (rep, north-london) opens for Maria."""
    return platform.create_case("rachel", MARIA, name="Maria Okafor")


@pytest.fixture(scope="module")
def scanned_letter(platform: Platform, maria_case: dict[str, Any]) -> dict[str, Any]:
    """Maria uploads a phone-scan of her invitation letter; returns the finished evidence item."""
    word = testdocs.fresh_word()
    content = testdocs.png(testdocs.letter_lines("Reference", word))
    response = platform.upload("maria", maria_case["id"], [("invitation.png", content, "image/png")])
    assert response.status_code == 201, response.text
    item = response.json()["items"][0]
    assert item["status"] == "received"
    assert item["sha256"] == hashlib.sha256(content).hexdigest()
    assert item["size_bytes"] == len(content)
    finished = platform.wait_for_status("maria", item["id"])
    return {**finished, "word": word}


@pytest.fixture(scope="module")
def outsiders_have_cases(platform: Platform) -> None:
    """Outsiders with cases of their own, so their scope is not empty (an empty scope
    short-circuits search, which would hide a leak in the scope filter)."""
    platform.create_case("ravi", "M200001", name="Sam Patel")  # ravi's own case, south-london
    platform.create_case("rachel", "M100002", name="Mark Hughes")  # mark's own case, same branch as maria


def hit_ids(response: Any) -> set[tuple[str, int]]:
    assert response.status_code == 200, response.text
    return {(hit["evidence_id"], hit["page"]) for hit in response.json()["items"]}


def test_rep_opens_a_case_for_a_member(platform: Platform, maria_case: dict[str, Any]) -> None:
    assert maria_case["branch"] == "north-london" and maria_case["region"] == "london"
    assert maria_case["reps"] == ["rachel"]
    assert maria_case["reference"].startswith("CW-")
    # The member sees her case; the rep of another branch and another member do not.
    assert platform.api("maria").get(f"{platform.url('workflow')}/v1/cases/{maria_case['id']}").status_code == 200
    for outsider in ("ravi", "mark", "ada"):
        response = platform.api(outsider).get(f"{platform.url('workflow')}/v1/cases/{maria_case['id']}")
        assert response.status_code == 404, outsider
        assert response.headers["Content-Type"] == "application/problem+json"
        assert maria_case["id"] not in {
            c["id"] for c in platform.api(outsider).get(f"{platform.url('workflow')}/v1/cases").json()["items"]
        }


def test_scanned_letter_is_ocrd_and_found_by_member_and_rep(platform: Platform, scanned_letter: dict[str, Any]) -> None:
    assert scanned_letter["status"] == "indexed", scanned_letter["status_reason"]
    assert scanned_letter["pages_total"] == 1
    for user in ("maria", "rachel", "cora"):  # member, assigned rep, the branch's coordinator
        response = platform.search(user, scanned_letter["word"])
        assert hit_ids(response) == {(scanned_letter["id"], 1)}, user
        highlight = " ".join(response.json()["items"][0]["highlights"])
        assert f"<mark>{scanned_letter['word'].lower()}</mark>" in highlight.lower()


@pytest.mark.usefixtures("outsiders_have_cases")
def test_search_gives_outsiders_nothing(platform: Platform, scanned_letter: dict[str, Any]) -> None:
    word = scanned_letter["word"]
    for outsider in ("ravi", "mark", "sam", "olive", "carl", "ada"):
        assert hit_ids(platform.search(outsider, word)) == set(), outsider
    # Narrowing to the case id does not widen anything either.
    assert hit_ids(platform.search("ravi", word, case_id=scanned_letter["case_id"])) == set()


def test_search_refuses_missing_expired_and_foreign_tokens(platform: Platform, scanned_letter: dict[str, Any]) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    bad_tokens = {
        "expired": platform.forge("maria", exp=1_700_000_000, iat=1_699_999_000),
        "wrong audience": platform.forge("maria", aud="account"),
        "wrong issuer": platform.forge("maria", iss="https://evil.example.org/realms/casework"),
        "other signing key": platform.forge("maria", key_pem=other_key),
        "garbage": "not-a-jwt",
    }
    for service, path in (
        ("search", f"/v1/search?q={scanned_letter['word']}"),
        ("intake", f"/v1/evidence/{scanned_letter['id']}"),
        ("workflow", f"/v1/cases/{scanned_letter['case_id']}"),
    ):
        anonymous = platform.api(None).get(platform.url(service) + path)
        assert anonymous.status_code == 401, service
        assert anonymous.headers["Content-Type"] == "application/problem+json"
        assert scanned_letter["word"] not in anonymous.text
        for label, token in bad_tokens.items():
            response = platform.api(None).get(
                platform.url(service) + path, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 401, (service, label, response.text)
            assert scanned_letter["word"] not in response.text


def test_evidence_status_and_content_are_scoped(platform: Platform, scanned_letter: dict[str, Any]) -> None:
    intake = platform.url("intake")
    evidence_id = scanned_letter["id"]
    for user in ("maria", "rachel"):
        assert platform.api(user).get(f"{intake}/v1/evidence/{evidence_id}").status_code == 200
        content = platform.api(user).get(f"{intake}/v1/evidence/{evidence_id}/content")
        assert content.status_code == 200
        assert hashlib.sha256(content.content).hexdigest() == scanned_letter["sha256"]
    for outsider in ("ravi", "mark", "ada"):
        assert platform.api(outsider).get(f"{intake}/v1/evidence/{evidence_id}").status_code == 404, outsider
        assert platform.api(outsider).get(f"{intake}/v1/evidence/{evidence_id}/content").status_code == 404
        listing = platform.api(outsider).get(f"{intake}/v1/cases/{scanned_letter['case_id']}/evidence")
        assert listing.status_code == 404, outsider


def test_outsiders_cannot_attach_evidence(platform: Platform, maria_case: dict[str, Any]) -> None:
    letter = ("x.png", testdocs.png(["hello"]), "image/png")
    assert platform.upload("ravi", maria_case["id"], [letter]).status_code == 404
    assert platform.upload("mark", maria_case["id"], [letter]).status_code == 404
    assert platform.upload("ada", maria_case["id"], [letter]).status_code == 404
    assert (
        platform.api(None)
        .post(f"{platform.url('intake')}/v1/cases/{maria_case['id']}/evidence", files=[("file", letter)])
        .status_code
        == 401
    )
    assert platform.upload("maria", str(uuid.uuid4()), [letter]).status_code == 404


def test_scanned_pdf_is_ocrd_page_by_page(platform: Platform, maria_case: dict[str, Any]) -> None:
    first, second = testdocs.fresh_word(), testdocs.fresh_word()
    pdf = testdocs.scanned_pdf([testdocs.letter_lines("Reference", first), testdocs.letter_lines("Reference", second)])
    response = platform.upload("rachel", maria_case["id"], [("pack.pdf", pdf, "application/pdf")])
    assert response.status_code == 201, response.text
    item = platform.wait_for_status("rachel", response.json()["items"][0]["id"])
    assert item["status"] == "indexed", item["status_reason"]
    assert item["pages_total"] == 2
    assert hit_ids(platform.search("maria", first)) == {(item["id"], 1)}
    assert hit_ids(platform.search("maria", second)) == {(item["id"], 2)}


def test_pdf_text_layer_is_used_instead_of_ocr(platform: Platform, maria_case: dict[str, Any]) -> None:
    # The word is in the text layer but not painted: OCR could never find it.
    word = f"LAYER{uuid.uuid4().int % 10**6:06d}"
    pdf = testdocs.text_pdf(["Minutes of the investigation meeting", f"Hidden marker {word}"], invisible=True)
    response = platform.upload("rachel", maria_case["id"], [("minutes.pdf", pdf, "application/pdf")])
    item = platform.wait_for_status("rachel", response.json()["items"][0]["id"])
    assert item["status"] == "indexed", item["status_reason"]
    assert hit_ids(platform.search("rachel", word)) == {(item["id"], 1)}


def test_reps_only_evidence_is_hidden_from_the_member(platform: Platform, maria_case: dict[str, Any]) -> None:
    word = f"REPS{uuid.uuid4().int % 10**6:06d}"
    pdf = testdocs.text_pdf([f"Rep notes {word}: strategy for the hearing"])
    response = platform.upload("rachel", maria_case["id"], [("notes.pdf", pdf, "application/pdf")], visibility="reps")
    assert response.status_code == 201, response.text
    item = platform.wait_for_status("rachel", response.json()["items"][0]["id"])
    assert item["visibility"] == "reps"
    assert hit_ids(platform.search("rachel", word)) == {(item["id"], 1)}
    assert hit_ids(platform.search("maria", word)) == set()
    assert platform.api("maria").get(f"{platform.url('intake')}/v1/evidence/{item['id']}").status_code == 404
    listing = platform.api("maria").get(f"{platform.url('intake')}/v1/cases/{maria_case['id']}/evidence").json()
    assert item["id"] not in {i["id"] for i in listing["items"]}
    # A member cannot hide their own upload from themselves.
    refused = platform.upload("maria", maria_case["id"], [("x.pdf", pdf, "application/pdf")], visibility="reps")
    assert refused.status_code == 422


def test_unsupported_file_is_stored_with_a_visible_status(platform: Platform, maria_case: dict[str, Any]) -> None:
    response = platform.upload(
        "maria", maria_case["id"], [("notes.txt", b"\x00\x01\x02 binary junk" * 50, "text/plain")]
    )
    assert response.status_code == 201
    item = platform.wait_for_status("maria", response.json()["items"][0]["id"])
    assert item["status"] == "not_indexed"
    assert "application/octet-stream" in item["status_reason"]


def test_assigned_rep_is_emailed_a_link_not_the_content(platform: Platform, scanned_letter: dict[str, Any]) -> None:
    case_link = f"{platform.url('portal')}/cases/{scanned_letter['case_id']}"

    def is_it(message: Any) -> bool:
        return message["To"] == "rachel@union.example.org" and case_link in _body(message)

    message = platform.wait_for_mail(is_it)
    assert message["Subject"].startswith("New evidence on case CW-")
    body = _body(message)
    assert scanned_letter["word"] not in body and "lateness" not in body.lower()
    # Maria uploaded it; she is not a rep and gets no "new evidence" mail about her own file.
    assert not [
        m for m in platform.mail() if m["To"] == "maria@union.example.org" and m["Subject"].startswith("New evidence")
    ]


def test_trace_id_follows_the_upload_through_every_service(platform: Platform, maria_case: dict[str, Any]) -> None:
    trace_id = uuid.uuid4().hex
    response = platform.upload(
        "maria",
        maria_case["id"],
        [("t.png", testdocs.png(["Trace test letter"]), "image/png")],
        headers={"traceparent": f"00-{trace_id}-{'1' * 16}-01"},
    )
    assert response.headers["X-Trace-Id"] == trace_id
    platform.wait_for_status("maria", response.json()["items"][0]["id"])
    for service in ("intake", "workflow", "ocr", "search"):  # HTTP, gRPC, then Kafka twice
        assert any(line.get("trace_id") == trace_id for line in platform.log_lines(service)), service


def test_bad_case_input_gets_precise_problem_details(platform: Platform) -> None:
    response = platform.api("rachel").post(
        f"{platform.url('workflow')}/v1/cases",
        json={"member": {"name": "", "membership_number": "!!"}, "case_type": "witchcraft"},
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert {e["field"] for e in problem["errors"]} >= {"member.name", "member.membership_number", "case_type"}
    assert (
        platform.api("maria")
        .post(
            f"{platform.url('workflow')}/v1/cases",
            json={"member": {"name": "Me", "membership_number": unique_number()}, "case_type": "grievance"},
        )
        .status_code
        == 403
    )
    not_multipart = platform.api("maria").post(
        f"{platform.url('intake')}/v1/cases/{uuid.uuid4()}/evidence",
        data=b"raw",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert not_multipart.status_code == 415


def test_every_service_exposes_health_and_prefixed_metrics(platform: Platform) -> None:
    import requests

    for service in ("workflow", "intake", "ocr", "search", "notify", "portal"):
        base = platform.url(service)
        assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
        assert requests.get(f"{base}/readyz", timeout=5).status_code == 200
        metrics = requests.get(f"{base}/metrics", timeout=5).text
        assert f"casework_{service}_http_requests_total" in metrics, service


def _body(message: Any) -> str:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return "\n".join(part.get_content() for part in parsed.walk() if part.get_content_maintype() == "text")
