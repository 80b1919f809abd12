"""Uploads are all-or-nothing: an evidence item exists only when its whole body arrived; a refused
or broken upload leaves no row, no event and no object (final or pending) behind. Also the
``Idempotency-Key`` header (IETF draft), the header size limit, and original file names' bytes.

Malformed framing is sent over raw sockets: HTTP clients refuse to send it."""

from __future__ import annotations

import base64
import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from minio import Minio
from minio.error import S3Error

from harness import Platform, unique_number

pytestmark = pytest.mark.stack

PROBLEM = "application/problem+json"
BOUNDARY = "casework-test-boundary-1f3a"


@pytest.fixture
def intake_db(platform: Platform) -> Iterator[psycopg.Connection]:
    with platform.superuser_db() as conn:
        yield conn


@pytest.fixture
def s3(platform: Platform) -> Minio:
    secrets = platform.config.secrets
    return Minio(
        f"127.0.0.1:{platform.config.ports['s3']}",
        access_key=secrets.s3_access_key,
        secret_key=secrets.s3_secret_key,
        secure=False,
    )


def objects_for_case(s3: Minio, case_id: str) -> list[str]:
    """Every object version, final or pending, in any bucket, whose key names the case."""
    found = []
    for bucket in s3.list_buckets():
        try:
            versions = list(s3.list_objects(bucket.name, prefix="", recursive=True, include_version=True))
        except S3Error as exc:
            if exc.code == "NoSuchBucket":
                continue
            raise
        found += [f"{bucket.name}/{o.object_name}" for o in versions if case_id in (o.object_name or "")]
    return found


def evidence_rows(db: psycopg.Connection, case_id: str) -> list[Any]:
    return db.execute("SELECT id, filename FROM intake.evidence WHERE case_id = %s", (case_id,)).fetchall()


def uploaded_events(db: psycopg.Connection, case_id: str) -> int:
    """Events in intake's outbox that name the case (the payload is a serialised protobuf)."""
    rows = db.execute(
        "SELECT count(*) FROM intake.outbox WHERE position(%s::bytea in payload) > 0", (case_id.encode(),)
    )
    return rows.fetchone()[0]


def assert_nothing_stored(platform: Platform, db: psycopg.Connection, s3: Minio, case_id: str) -> None:
    assert evidence_rows(db, case_id) == []
    assert uploaded_events(db, case_id) == 0
    assert objects_for_case(s3, case_id) == []
    listing = platform.call("rachel", "GET", "intake", f"/v1/cases/{case_id}/evidence")
    assert listing.status_code == 200 and listing.json()["items"] == [], listing.text


def multipart(files: list[tuple[bytes, bytes]], disposition: bytes | None = None) -> bytes:
    """A multipart body of (filename bytes, content) file parts, written by hand so the name's
    bytes go on the wire exactly as given; ``disposition`` replaces the whole parameter list."""
    body = b""
    for name, content in files:
        params = disposition if disposition is not None else b'form-data; name="file"; filename="' + name + b'"'
        body += (
            f"--{BOUNDARY}\r\n".encode()
            + b"Content-Disposition: "
            + params
            + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
            + content
            + b"\r\n"
        )
    return body + f"--{BOUNDARY}--\r\n".encode()


def raw_request(platform: Platform, case_id: str, head_extra: str, body: bytes, *, close_write: bool) -> bytes:
    """Send a POST upload with the given framing; returns what the server answered (b"" if it just closed)."""
    url = urlsplit(platform.url("intake"))
    head = (
        f"POST /v1/cases/{case_id}/evidence HTTP/1.1\r\n"
        f"Host: {url.netloc}\r\n"
        f"Authorization: Bearer {platform.token('rachel')}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"{head_extra}\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        sock.sendall(head.encode() + body)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < _expected_length(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def _expected_length(answer: bytes) -> int:
    head, _, _ = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(head) + 4 + int(line.split(b":")[1])
    return len(answer) + 1


def status_and_json(answer: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


# -- framing -----------------------------------------------------------------------------------------------


def test_a_negative_content_length_is_a_400_problem_and_nothing_is_stored(
    platform: Platform, intake_db: psycopg.Connection, s3: Minio
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Negative Length")
    body = multipart([(b"minus-one.txt", b"a body the server must not read to the end of the stream")])
    answer = raw_request(platform, case["id"], "Content-Length: -1\r\n", body, close_write=True)
    status, headers, problem = status_and_json(answer)
    assert status == 400 and headers["content-type"] == PROBLEM, answer
    assert "Content-Length" in problem["detail"]
    assert_nothing_stored(platform, intake_db, s3, case["id"])


def test_a_body_shorter_than_its_length_on_an_open_connection_is_refused_and_nothing_is_stored(
    platform: Platform, intake_db: psycopg.Connection, s3: Minio
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Short Body")
    body = multipart([(b"short.txt", b"the body stops before its declared length")])
    answer = raw_request(platform, case["id"], f"Content-Length: {len(body) + 500}\r\n", body, close_write=False)
    # A clear answer, not a connection dropped after a server error (what the old server did)
    status, headers, problem = status_and_json(answer)
    assert 400 <= status < 500 and headers["content-type"] == PROBLEM, answer
    assert headers.get("connection") == "close", headers
    assert problem["status"] == status
    assert_nothing_stored(platform, intake_db, s3, case["id"])


def test_a_connection_broken_after_the_first_of_two_files_stores_neither(
    platform: Platform, intake_db: psycopg.Connection, s3: Minio
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Broken Upload")
    body = multipart([(b"first.txt", b"the first file arrives whole"), (b"second.txt", b"x" * 200_000)])
    cut = body[: len(body) - 100_000]
    answer = raw_request(platform, case["id"], f"Content-Length: {len(body)}\r\n", cut, close_write=True)
    if answer:
        status, _headers, _problem = status_and_json(answer)
        assert 400 <= status < 500, answer
    assert_nothing_stored(platform, intake_db, s3, case["id"])


def test_headers_over_the_limit_are_a_431_problem(platform: Platform) -> None:
    response = requests.get(
        f"{platform.url('intake')}/v1/evidence/{uuid.uuid4()}",
        headers={"Authorization": f"Bearer {platform.token('rachel')}", "X-Padding": "p" * 200_000},
        timeout=30,
    )
    assert response.status_code == 431 and response.headers["Content-Type"] == PROBLEM, response.text
    assert response.json()["status"] == 431
    ordinary = platform.call("rachel", "GET", "intake", f"/v1/evidence/{uuid.uuid4()}", headers={"X-A": "b" * 4000})
    assert ordinary.status_code == 404, ordinary.text


def test_a_whole_upload_is_stored_under_its_final_key_only(
    platform: Platform, intake_db: psycopg.Connection, s3: Minio
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Whole Upload")
    response = platform.upload("rachel", case["id"], [("whole.txt", b"all of it", "text/plain")])
    assert response.status_code == 201, response.text
    item = response.json()["items"][0]
    assert objects_for_case(s3, case["id"]) == [f"casework-evidence/cases/{case['id']}/{item['id']}/original"]
    retention = s3.get_object_retention("casework-evidence", f"cases/{case['id']}/{item['id']}/original")
    assert retention is not None and retention.mode == "GOVERNANCE"  # the promoted copy is locked
    content = platform.call("rachel", "GET", "intake", f"/v1/evidence/{item['id']}/content")
    assert content.content == b"all of it"


# -- Idempotency-Key ---------------------------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_returns_the_first_result(
    platform: Platform, intake_db: psycopg.Connection
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Retried Upload")
    key = {"Idempotency-Key": f'"{uuid.uuid4()}"'}
    files = [("letter.txt", b"the same letter twice", "text/plain")]
    first = platform.upload("rachel", case["id"], files, headers=key)
    retry = platform.upload("rachel", case["id"], files, headers=key)  # a new multipart boundary: same request
    assert first.status_code == retry.status_code == 201, (first.text, retry.text)
    assert [i["id"] for i in retry.json()["items"]] == [i["id"] for i in first.json()["items"]]
    assert len(evidence_rows(intake_db, case["id"])) == 1
    assert uploaded_events(intake_db, case["id"]) == 1

    other_payload = platform.upload(
        "rachel", case["id"], [("letter.txt", b"another letter", "text/plain")], headers=key
    )
    assert other_payload.status_code == 422 and other_payload.headers["Content-Type"] == PROBLEM, other_payload.text
    assert len(evidence_rows(intake_db, case["id"])) == 1


def test_an_idempotency_key_used_by_another_caller_does_not_share_the_result(
    platform: Platform, intake_db: psycopg.Connection
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Shared Key")
    key = {"Idempotency-Key": f'"{uuid.uuid4()}"'}
    files = [("note.txt", b"same bytes from two people", "text/plain")]
    mine = platform.upload("rachel", case["id"], files, headers=key)
    theirs = platform.upload("cora", case["id"], files, headers=key)
    assert mine.status_code == theirs.status_code == 201, (mine.text, theirs.text)
    assert theirs.json()["items"][0]["id"] != mine.json()["items"][0]["id"]
    assert theirs.json()["items"][0]["uploaded_by"] == "cora"
    assert len(evidence_rows(intake_db, case["id"])) == 2


def test_an_expired_idempotency_key_makes_a_new_item(platform: Platform, intake_db: psycopg.Connection) -> None:
    case = platform.create_case("rachel", unique_number(), name="Expired Key")
    key_value = str(uuid.uuid4())
    files = [("late.txt", b"sent again after the key expired", "text/plain")]
    first = platform.upload("rachel", case["id"], files, headers={"Idempotency-Key": f'"{key_value}"'})
    assert first.status_code == 201, first.text
    aged = intake_db.execute(
        "UPDATE intake.idempotency_keys SET created_at = created_at - interval '400 days' WHERE key = %s",
        (key_value,),
    )
    assert aged.rowcount == 1
    again = platform.upload("rachel", case["id"], files, headers={"Idempotency-Key": f'"{key_value}"'})
    assert again.status_code == 201, again.text
    assert again.json()["items"][0]["id"] != first.json()["items"][0]["id"]


@pytest.mark.parametrize("value", ["", '"' + "k" * 300 + '"', '"unterminated', '"a", "b"'])
def test_a_malformed_idempotency_key_is_a_400_problem(
    platform: Platform, intake_db: psycopg.Connection, s3: Minio, value: str
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Bad Key")
    response = platform.upload(
        "rachel", case["id"], [("k.txt", b"key", "text/plain")], headers={"Idempotency-Key": value}
    )
    assert response.status_code == 400 and response.headers["Content-Type"] == PROBLEM, response.text
    assert_nothing_stored(platform, intake_db, s3, case["id"])


def test_the_openapi_document_describes_the_idempotency_key_and_raw_file_names(platform: Platform) -> None:
    document = requests.get(f"{platform.url('intake')}/openapi.json", timeout=10).json()
    upload = document["paths"]["/v1/cases/{case_id}/evidence"]["post"]
    headers = {p["name"]: p for p in upload["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers and headers["Idempotency-Key"]["required"] is False
    assert {"408", "422"} <= set(upload["responses"])
    item = document["components"]["schemas"]["EvidenceOut"]["properties"]
    assert {"filename_raw", "filename_charset"} <= set(item)


# -- file names --------------------------------------------------------------------------------------------


def upload_raw(platform: Platform, case_id: str, body: bytes) -> requests.Response:
    return platform.api("rachel").post(
        f"{platform.url('intake')}/v1/cases/{case_id}/evidence",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        timeout=30,
    )


@pytest.mark.parametrize(
    ("disposition", "raw", "expected"),
    [
        (None, "Kündigung März – Entwurf.pdf".encode("cp1252"), "Kündigung März – Entwurf.pdf"),
        (None, "Kündigung März.pdf".encode(), "Kündigung März.pdf"),
        (
            b'form-data; name="file"; filename="fallback.pdf"; filename*=UTF-8\'\'%C3%9Cberstunden%20Ma%C3%9F.pdf',
            "Überstunden Maß.pdf".encode(),
            "Überstunden Maß.pdf",
        ),
        (b"form-data; name=\"file\"; filename*=iso-8859-1''Stra%DFe.txt", "Straße.txt".encode("latin-1"), "Straße.txt"),
    ],
)
def test_the_original_file_name_bytes_are_kept(
    platform: Platform, disposition: bytes | None, raw: bytes, expected: str
) -> None:
    case = platform.create_case("rachel", unique_number(), name="Old Mail Client")
    response = upload_raw(platform, case["id"], multipart([(raw, b"named in another charset")], disposition))
    assert response.status_code == 201, response.text
    item = response.json()["items"][0]
    assert item["filename"] == expected and "\ufffd" not in item["filename"]
    assert base64.b64decode(item["filename_raw"]) == raw
    read = platform.call("rachel", "GET", "intake", f"/v1/evidence/{item['id']}").json()
    assert read["filename"] == expected and base64.b64decode(read["filename_raw"]) == raw
