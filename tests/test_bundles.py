"""Hearing and tribunal bundles, against the real platform: a rep asks for a bundle of a
case's evidence, a worker builds it from the stored files, and the PDF is checked with pikepdf and
pdftotext (order, page numbers, index links, a scanned phrase on the right page, a redaction); a
rebuild is a new version that keeps the old one; downloads are audited; who may see what; hostile
bodies; a redelivered job and a worker killed mid-build."""

from __future__ import annotations

import io
import itertools
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import requests
from kafka import KafkaProducer
from openapi_spec_validator import validate as validate_spec

from casework.v1 import events_pb2
from casework_common import events, kafka
from casework_local.services import service_process
from harness import Platform, unique_number
from testdocs import eml, fresh_phrase, fresh_word, letter_lines, office, png, text_pdf

MARIA = "M100001"  # the demo member maria (north-london); rachel is a rep of her branch, ravi of another
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def case(platform: Platform) -> dict[str, Any]:
    """A case of maria's with a text PDF letter, a scanned letter (PNG), an email and a Word witness statement."""
    case = platform.create_case("rachel", MARIA, name="Maria Okafor")
    scanned, typed, redacted, mailed, stated = fresh_phrase(), fresh_word(), fresh_word(), fresh_word(), fresh_word()
    files = [
        ("letter.pdf", text_pdf(letter_lines(typed, redacted)), "application/pdf"),
        ("scan.png", png(letter_lines(scanned)), "image/png"),
        ("email.eml", eml("Your suspension", ["Dear Maria,", f"We write about {mailed}.", "HR"]), "message/rfc822"),
        (
            "statement.docx",
            office("docx", ["WITNESS STATEMENT", f"I saw the {stated} on the platform."]),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ]
    response = platform.upload("rachel", case["id"], files)
    assert response.status_code == 201, response.text
    items = response.json()["items"]
    for item in items:
        assert platform.wait_for_status("rachel", item["id"], timeout_s=180)["status"] == "indexed"
    ids = {item["filename"]: item["id"] for item in items}
    return {
        "id": case["id"],
        "items": ids,
        "scanned": scanned,
        "typed": typed,
        "redacted": redacted,
        "mailed": mailed,
        "stated": stated,
    }


def ask(platform: Platform, username: str | None, case_id: str, body: dict[str, Any]) -> requests.Response:
    return platform.call(username, "POST", "bundle", f"/v1/cases/{case_id}/bundles", json=body)


def wait_until_finished(platform: Platform, bundle_id: str, timeout_s: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    bundle: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle_id}")
        assert response.status_code == 200, response.text
        bundle = response.json()
        if bundle["status"] in ("ready", "failed"):
            return bundle
        time.sleep(0.25)
    raise AssertionError(f"bundle {bundle_id} still {bundle.get('status')} after {timeout_s}s")


def download(platform: Platform, username: str, bundle: dict[str, Any], number: int = 1) -> requests.Response:
    return platform.call(username, "GET", "bundle", f"/v1/bundles/{bundle['id']}/volumes/{number}")


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    """pdftotext of every page, in order."""
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    with pikepdf.open(path) as document:
        count = len(document.pages)
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


@pytest.fixture(scope="module")
def built(platform: Platform, case: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The case's bundle with every item by default, one word of the letter redacted."""
    body = {
        "title": "Disciplinary hearing bundle",
        "details": ["Hearing: 14 March 2026"],
        "redactions": [{"evidence_id": case["items"]["letter.pdf"], "text": case["redacted"]}],
        "sections": {case["items"]["statement.docx"]: "Witness statements"},
    }
    response = ask(platform, "rachel", case["id"], body)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["status"] == "queued" and queued["version"] == 1
    bundle = wait_until_finished(platform, queued["id"])
    assert bundle["status"] == "ready", bundle
    volume = download(platform, "rachel", bundle)
    assert volume.status_code == 200, volume.text
    tmp = tmp_path_factory.mktemp("bundle")
    return {"bundle": bundle, "pdf": volume.content, "texts": page_texts(volume.content, tmp), "tmp": tmp}


def test_a_bundle_holds_every_readable_item_in_date_order_with_its_index(
    case: dict[str, Any], built: dict[str, Any]
) -> None:
    bundle = built["bundle"]
    assert {item["evidence_id"] for item in bundle["items"]} == set(case["items"].values())
    index = bundle["index"]
    assert [row["number"] for row in index] == [1, 2, 3, 4]
    # Witness statements apart, after the documents.
    assert [row["section"] for row in index] == ["Documents"] * 3 + ["Witness statements"]
    # Within each section, by the documents' dates (undated last).
    for section in {row["section"] for row in index}:
        dates = [row["date"] or "9999" for row in index if row["section"] == section]
        assert dates == sorted(dates), index
    items = {item["evidence_id"]: item for item in bundle["items"]}
    assert sorted(row["evidence_id"] for row in index) == sorted(items)
    for row in index:
        item = items[row["evidence_id"]]
        assert (row["title"], row["date"], row["section"]) == (item["title"], item["date"], item["section"])
    # Pages run on from one document to the next, from 1.
    assert index[0]["first_page"] == 1
    for before, after in itertools.pairwise(index):
        assert after["first_page"] == before["last_page"] + 1
    assert bundle["pages_done"] == bundle["pages_total"] == index[-1]["last_page"]
    assert len(bundle["volumes"]) == 1 and bundle["volumes"][0]["size_bytes"] == len(built["pdf"])


def test_every_document_page_carries_its_number_and_the_index_links_land_on_it(built: dict[str, Any]) -> None:
    pdf, texts, index = built["pdf"], built["texts"], built["bundle"]["index"]
    with pikepdf.open(io.BytesIO(pdf)) as document:
        labels = [page.label for page in document.pages]
        numbered = [i for i, label in enumerate(labels) if label.isdigit()]
        assert [int(labels[i]) for i in numbered] == list(range(1, index[-1]["last_page"] + 1))
        for i in numbered:
            assert re.search(rf"\bPage {labels[i]}\b", texts[i]), (i, texts[i][-200:])
        front = range(numbered[0])
        for i in front:
            assert not re.search(r"\bPage \d+\b", texts[i])
        # Each index row links to the page its row names.
        pages = {page.objgen: i for i, page in enumerate(document.pages)}
        targets = []
        for i in front:
            for annotation in document.pages[i].get("/Annots", []):
                if annotation.get("/Subtype") != "/Link":
                    continue
                destination = annotation.get("/Dest")
                if destination is None and "/A" in annotation:
                    destination = annotation.A.get("/D")
                if isinstance(destination, pikepdf.Array):
                    targets.append(int(labels[pages[destination[0].objgen]]))
        assert sorted(set(targets)) == sorted(row["first_page"] for row in index)
        # Bookmarks: one per document, under its section.
        with document.open_outline() as outline:
            titles = [child.title for section in outline.root for child in section.children]
        assert len(titles) == len(index)
        for row, title in zip(index, titles, strict=True):  # e.g. "1. Your suspension (2 Mar 2026)"
            assert title.startswith(f"{row['number']}. {row['title']}"), (title, row)


def test_scanned_words_are_found_on_their_page_and_redacted_words_nowhere(
    case: dict[str, Any], built: dict[str, Any]
) -> None:
    texts, bundle = built["texts"], built["bundle"]
    with pikepdf.open(io.BytesIO(built["pdf"])) as document:
        page_of = {page.label: i for i, page in enumerate(document.pages)}
    row = next(row for row in bundle["index"] if row["evidence_id"] == case["items"]["scan.png"])
    scan_page = " ".join(texts[page_of[str(row["first_page"])]].split())
    assert case["scanned"] in scan_page  # the invisible text layer laid from the OCR word boxes
    everything = " ".join(" ".join(texts).split())
    assert case["typed"] in everything and case["mailed"] in everything and case["stated"] in everything
    assert case["redacted"] not in everything


def test_a_rebuild_is_a_new_version_and_the_old_one_stays(
    platform: Platform, case: dict[str, Any], built: dict[str, Any]
) -> None:
    first = built["bundle"]
    response = ask(platform, "rachel", case["id"], {"title": first["title"], "items": [case["items"]["scan.png"]]})
    assert response.status_code == 202, response.text
    second = wait_until_finished(platform, response.json()["id"])
    assert second["status"] == "ready" and second["version"] == 2 and second["latest"]
    assert len(second["index"]) == 1
    listed = platform.call("rachel", "GET", "bundle", f"/v1/cases/{case['id']}/bundles").json()["items"]
    versions = [(b["title"], b["version"], b["latest"]) for b in listed if b["title"] == first["title"]]
    assert versions == [(first["title"], 2, True), (first["title"], 1, False)]
    again = download(platform, "rachel", first)
    assert again.status_code == 200 and again.content == built["pdf"]
    assert platform.call("rachel", "GET", "bundle", f"/v1/bundles/{first['id']}").json()["sha256"] == first["sha256"]


def test_every_download_is_audited(platform: Platform, built: dict[str, Any]) -> None:
    bundle = built["bundle"]
    resource = f"bundle:{bundle['id']}/volumes/1"
    with platform.superuser_db() as conn:
        before = conn.execute("SELECT count(*) FROM workflow.audit_log WHERE resource = %s", (resource,)).fetchone()[0]
    assert download(platform, "rachel", bundle).status_code == 200
    with platform.superuser_db() as conn:
        rows = conn.execute(
            "SELECT actor, action, case_id::text FROM workflow.audit_log WHERE resource = %s ORDER BY id", (resource,)
        ).fetchall()
    assert len(rows) == before + 1
    assert rows[-1] == ("rachel", "evidence.read_reps_only", bundle["case_id"])


def test_only_the_cases_people_see_a_bundle_and_the_member_only_once_shown(
    platform: Platform, case: dict[str, Any], built: dict[str, Any]
) -> None:
    bundle_id, case_id = built["bundle"]["id"], case["id"]
    paths = [
        ("GET", f"/v1/bundles/{bundle_id}"),
        ("GET", f"/v1/bundles/{bundle_id}/volumes/1"),
        ("GET", f"/v1/cases/{case_id}/bundles"),
    ]
    for method, path in paths:  # another branch's rep: the same as a case that does not exist
        response = platform.call("ravi", method, "bundle", path)
        assert response.status_code == 404 and response.headers["Content-Type"] == PROBLEM, (path, response.text)
        assert platform.call(None, method, "bundle", path).status_code == 401
    assert ask(platform, "ravi", case_id, {"title": "Mine now"}).status_code == 404
    assert (
        platform.call("ravi", "PATCH", "bundle", f"/v1/bundles/{bundle_id}", json={"member_visible": True}).status_code
        == 404
    )
    assert ask(platform, None, case_id, {"title": "x"}).status_code == 401
    assert platform.call("ravi", "GET", "bundle", f"/v1/bundles/{uuid.uuid4()}").status_code == 404

    # The member: nothing until a rep shows it to her; then read and download, but no changes.
    assert platform.call("maria", "GET", "bundle", f"/v1/cases/{case_id}/bundles").json()["items"] == []
    assert platform.call("maria", "GET", "bundle", f"/v1/bundles/{bundle_id}").status_code == 404
    assert platform.call("maria", "GET", "bundle", f"/v1/bundles/{bundle_id}/volumes/1").status_code == 404
    assert ask(platform, "maria", case_id, {"title": "My own"}).status_code == 403
    shown = platform.call("rachel", "PATCH", "bundle", f"/v1/bundles/{bundle_id}", json={"member_visible": True})
    assert shown.status_code == 200 and shown.json()["member_visible"] is True
    listed = platform.call("maria", "GET", "bundle", f"/v1/cases/{case_id}/bundles").json()["items"]
    assert [b["id"] for b in listed] == [bundle_id]
    assert platform.call("maria", "GET", "bundle", f"/v1/bundles/{bundle_id}").status_code == 200
    volume = platform.call("maria", "GET", "bundle", f"/v1/bundles/{bundle_id}/volumes/1")
    assert volume.status_code == 200 and volume.content == built["pdf"]
    refused = platform.call("maria", "PATCH", "bundle", f"/v1/bundles/{bundle_id}", json={"member_visible": False})
    assert refused.status_code == 403
    hidden = platform.call("rachel", "PATCH", "bundle", f"/v1/bundles/{bundle_id}", json={"member_visible": False})
    assert hidden.status_code == 200
    assert platform.call("maria", "GET", "bundle", f"/v1/bundles/{bundle_id}").status_code == 404


def test_a_bundle_with_reps_only_evidence_is_never_shown_to_the_member(platform: Platform) -> None:
    case = platform.create_case("rachel", unique_number())
    response = platform.upload(
        "rachel", case["id"], [("note.pdf", text_pdf(letter_lines()), "application/pdf")], "reps"
    )
    item = response.json()["items"][0]
    assert platform.wait_for_status("rachel", item["id"])["status"] == "indexed"
    refused = ask(platform, "rachel", case["id"], {"title": "Reps only", "member_visible": True})
    assert refused.status_code == 422 and refused.headers["Content-Type"] == PROBLEM
    assert {e["field"] for e in refused.json()["errors"]} == {"member_visible"}
    queued = ask(platform, "rachel", case["id"], {"title": "Reps only"}).json()
    patched = platform.call("rachel", "PATCH", "bundle", f"/v1/bundles/{queued['id']}", json={"member_visible": True})
    assert patched.status_code == 422 and patched.headers["Content-Type"] == PROBLEM


HOSTILE: dict[str, tuple[Any, set[str]]] = {
    "no title": ({}, {"title"}),
    "empty title": ({"title": "   "}, {"title"}),
    "unknown field": ({"title": "x", "evil": 1}, {"evil"}),
    "title too long": ({"title": "x" * 201}, {"title"}),
    "not an id": ({"title": "x", "items": ["../../etc/passwd"]}, {"items"}),
    "an id twice": ({"title": "x", "items": [str(uuid.UUID(int=1))] * 2}, {"items"}),
    "empty items": ({"title": "x", "items": []}, {"items"}),
    "wrong order": ({"title": "x", "order": "by-mood"}, {"order"}),
    "no pages": ({"title": "x", "max_pages_per_volume": 0}, {"max_pages_per_volume"}),
    "a float for pages": ({"title": "x", "max_pages_per_volume": 1.5}, {"max_pages_per_volume"}),
    "redaction with text and box": (
        {"title": "x", "redactions": [{"evidence_id": str(uuid.UUID(int=1)), "text": "a", "box": [0, 0, 1, 1]}]},
        {"redactions.0"},
    ),
    "box outside the page": (
        {"title": "x", "redactions": [{"evidence_id": str(uuid.UUID(int=1)), "page": 1, "box": [0, 0, 2, 1]}]},
        {"redactions.0"},
    ),
    "box without page": (
        {"title": "x", "redactions": [{"evidence_id": str(uuid.UUID(int=1)), "box": [0, 0, 0.5, 0.5]}]},
        {"redactions.0"},
    ),
    "not an object": (["title"], {""}),
    "sections not a map": ({"title": "x", "sections": ["Documents"]}, {"sections"}),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_bodies_are_refused_with_a_problem_naming_the_field(
    platform: Platform, case: dict[str, Any], name: str
) -> None:
    body, fields = HOSTILE[name]
    response = ask(platform, "rachel", case["id"], body)
    assert response.status_code == 422 and response.headers["Content-Type"] == PROBLEM, response.text
    found = {e["field"] for e in response.json()["errors"]}
    assert found & fields or any(f.startswith(tuple(fields)) for f in found), found


def test_items_must_be_the_cases_own_and_readable(platform: Platform, case: dict[str, Any]) -> None:
    other = platform.create_case("ravi", unique_number())
    theirs = platform.upload("ravi", other["id"], [("x.pdf", text_pdf(letter_lines()), "application/pdf")])
    foreign = theirs.json()["items"][0]["id"]
    letter = case["items"]["letter.pdf"]
    body = {
        "title": "x",
        "items": [letter, foreign, str(uuid.uuid4())],
        "sections": {foreign: "Documents"},
        "redactions": [{"evidence_id": letter, "page": 9, "box": [0, 0, 0.5, 0.5]}],
    }
    response = ask(platform, "rachel", case["id"], body)
    assert response.status_code == 422 and response.headers["Content-Type"] == PROBLEM
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"items.1", "items.2", f"sections.{foreign}", "redactions.0.page"}
    with platform.superuser_db() as conn:
        count = conn.execute("SELECT count(*) FROM bundle.bundles WHERE title = 'x'").fetchone()[0]
    assert count == 0


def worker_metric(platform: Platform, name: str) -> float:
    text = requests.get(f"{platform.url('bundle_worker')}/metrics", timeout=10).text
    found = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_a_redelivered_job_for_a_ready_bundle_changes_nothing(platform: Platform, built: dict[str, Any]) -> None:
    bundle = built["bundle"]
    skipped = 'casework_bundle_builds_total{outcome="skipped"}'
    before = worker_metric(platform, skipped)
    producer = KafkaProducer(bootstrap_servers=f"127.0.0.1:{platform.config.ports['kafka']}")
    job = events_pb2.BundleRequested(bundle_id=bundle["id"], case_id=bundle["case_id"], version=1, requested_by="x")
    kafka.publish(producer, events.BUNDLE_JOBS, bundle["case_id"], job, "test").get(timeout=30)
    producer.close()
    deadline = time.monotonic() + 60
    while worker_metric(platform, skipped) <= before:
        assert time.monotonic() < deadline, "the worker never took the redelivered job"
        time.sleep(0.25)
    after = platform.call("rachel", "GET", "bundle", f"/v1/bundles/{bundle['id']}").json()
    assert after["status"] == "ready" and after["volumes"] == bundle["volumes"] and after["sha256"] == bundle["sha256"]


@pytest.fixture
def worker_process(platform: Platform) -> Iterator[Any]:
    """The bundle worker's process; whatever the test did to it, a new worker is started afterwards (as the
    stack's supervisor or Kubernetes would) and the test waits until it is ready."""
    spec, process = platform.stack.services["bundle-worker"]
    yield process
    current = platform.stack.services[spec.name][1]
    if not current.alive():
        current = service_process(spec, platform.config, platform.stack.servers)
        current.start()
        platform.stack.services[spec.name] = (spec, current)
    deadline = time.monotonic() + 120
    while not _ready(platform, spec):
        assert time.monotonic() < deadline, "the bundle worker did not come back"
        time.sleep(0.5)


def _ready(platform: Platform, spec: Any) -> bool:
    try:
        return platform.stack.service_ready(spec)
    except requests.RequestException:
        return False


def test_a_worker_killed_mid_build_leaves_the_job_to_another(
    platform: Platform, case: dict[str, Any], worker_process: Any
) -> None:
    """The worker is frozen as soon as the bundle shows 'building', then killed: the job was not
    committed, so the restarted worker builds the bundle again from the start."""
    response = ask(platform, "rachel", case["id"], {"title": f"Killed {uuid.uuid4().hex[:6]}"})
    assert response.status_code == 202
    bundle_id = response.json()["id"]
    with platform.superuser_db() as conn:
        deadline = time.monotonic() + 120
        while True:
            status = conn.execute("SELECT status FROM bundle.bundles WHERE id = %s", (bundle_id,)).fetchone()[0]
            if status != "queued":
                break
            assert time.monotonic() < deadline
            time.sleep(0.01)
        worker_process.process.send_signal(signal.SIGSTOP)
        status = conn.execute("SELECT status FROM bundle.bundles WHERE id = %s", (bundle_id,)).fetchone()[0]
    if status != "building":
        worker_process.process.send_signal(signal.SIGCONT)
        pytest.skip(f"the build finished ({status}) before the worker could be frozen mid-build")
    worker_process.process.send_signal(signal.SIGKILL)
    worker_process.process.wait()
    spec = platform.stack.services["bundle-worker"][0]
    replacement = service_process(spec, platform.config, platform.stack.servers)
    replacement.start()
    platform.stack.services[spec.name] = (spec, replacement)
    bundle = wait_until_finished(platform, bundle_id)
    assert bundle["status"] == "ready", bundle
    with platform.superuser_db() as conn:
        attempts = conn.execute("SELECT attempts FROM bundle.bundles WHERE id = %s", (bundle_id,)).fetchone()[0]
    assert attempts == 2


def test_the_api_publishes_a_valid_description_of_every_route(platform: Platform) -> None:
    document = requests.get(f"{platform.url('bundle')}/openapi.json", timeout=10).json()
    validate_spec(document)
    operations = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert [f"{m} {p}" for p, m, op in operations if op.get("x-undeclared")] == []
    assert {p for p, _m, _op in operations} >= {
        "/v1/cases/{case_id}/bundles",
        "/v1/bundles/{bundle_id}",
        "/v1/bundles/{bundle_id}/volumes/{number}",
    }
    body = document["components"]["schemas"]["BundleRequestIn"]
    assert body["required"] == ["title"] and body["additionalProperties"] is False
