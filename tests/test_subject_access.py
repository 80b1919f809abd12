"""Subject access (docs/design.md, 'Subject access') on the real platform: the data-protection officer's preview and ZIP
export of everything held about one member, exclusions, the audit of each, who may not, and the
member's own download of their member-visible record.

Two members of one branch (mark M100002 and maria M100001, both north-london), each with a case run by
rachel: timeline entries of both visibilities, evidence of both visibilities, notifications. Every
marker of maria's case must be absent from mark's export, byte for byte.

Mark is the member whose record is asked for: maria is the member most other tests open cases for, and
a preview or export gathers everything held about its member (each of her cases asked of intake, each
item's texts listed), so late in a full run each request about maria took 7-9 s.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import uuid
import zipfile
from typing import Any

import pytest
import requests

import testdocs
from harness import Platform

pytestmark = pytest.mark.stack

MARK, MARIA = "M100002", "M100001"
PREVIEW = "/v1/data-protection/subject-access"
EXPORT = "/v1/data-protection/subject-access/exports"


def note(platform: Platform, user: str, case_id: str, body: str, visibility: str, kind: str = "note") -> str:
    response = platform.call(
        user,
        "POST",
        "workflow",
        f"/v1/cases/{case_id}/timeline",
        json={"kind": kind, "body": body, "visibility": visibility},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def upload(platform: Platform, user: str, case_id: str, name: str, data: bytes, visibility: str) -> str:
    """The new item's id; read and indexed later (see ``world``: the three are read side by side)."""
    response = platform.upload(user, case_id, [(name, data, "application/pdf")], visibility=visibility)
    assert response.status_code == 201, response.text
    return response.json()["items"][0]["id"]


def wait_for_inbox(platform: Platform, user: str, case_id: str, timeout_s: float = 30.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        items = [i for i in platform.inbox(user) if i["case_id"] == case_id]
        if items:
            return items
        time.sleep(0.25)
    raise AssertionError(f"{user} got no notification about case {case_id}")


def unzip(response: requests.Response) -> dict[str, bytes]:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def everything(files: dict[str, bytes]) -> bytes:
    """Every name and every byte of an archive, to look for what must not be there."""
    return b"\n".join(name.encode() + b"\n" + data for name, data in files.items())


@pytest.fixture(scope="module")
def world(platform: Platform) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:10]
    case_a = platform.create_case("rachel", MARK, name="Mark Bellamy")
    case_b = platform.create_case("rachel", MARIA, name="Maria Okafor")
    w: dict[str, Any] = {"tag": tag, "a": case_a, "b": case_b}
    w["a_member_note"] = f"Member-visible update {tag} for mark"
    w["a_reps_note"] = f"Reps-only assessment {tag} of mark's case"
    w["a_withheld_note"] = f"Third-party informant note {tag} to withhold"
    w["a_members_own"] = f"Mark wrote this himself {tag}"
    w["b_reps_note"] = f"Unrelated working note {tag}-MARIAONLY"
    w["ids"] = {
        "a_member_note": note(platform, "rachel", case_a["id"], w["a_member_note"], "member"),
        "a_reps_note": note(platform, "rachel", case_a["id"], w["a_reps_note"], "reps"),
        "a_withheld_note": note(platform, "rachel", case_a["id"], w["a_withheld_note"], "reps"),
        "a_members_own": note(platform, "mark", case_a["id"], w["a_members_own"], "member"),
        "b_reps_note": note(platform, "rachel", case_b["id"], w["b_reps_note"], "reps"),
    }
    w["a_member_pdf"] = testdocs.text_pdf([f"Letter to mark {tag} EVIDENCEMEMBERA"])
    w["a_reps_pdf"] = testdocs.text_pdf([f"Witness statement {tag} EVIDENCEREPSA"])
    w["b_pdf"] = testdocs.text_pdf([f"Maria's letter {tag} EVIDENCEMARIAB"])
    w["ev"] = {
        "a_member": upload(platform, "rachel", case_a["id"], "letter-a.pdf", w["a_member_pdf"], "member"),
        "a_reps": upload(platform, "rachel", case_a["id"], "witness-a.pdf", w["a_reps_pdf"], "reps"),
        "b": upload(platform, "rachel", case_b["id"], "letter-b.pdf", w["b_pdf"], "member"),
    }
    for evidence_id in w["ev"].values():
        assert platform.wait_for_status("rachel", evidence_id)["status"] == "indexed"
    w["mark_inbox"] = wait_for_inbox(platform, "mark", case_a["id"])
    wait_for_inbox(platform, "maria", case_b["id"])
    return w


def maria_markers(w: dict[str, Any]) -> list[bytes]:
    """What identifies maria's case: none of it may appear in mark's export."""
    b = w["b"]
    return [
        s.encode()
        for s in (
            MARIA,
            "Maria Okafor",
            b["id"],
            b["reference"],
            w["b_reps_note"],
            w["ids"]["b_reps_note"],
            w["ev"]["b"],
            "EVIDENCEMARIAB",
            "letter-b.pdf",
        )
    ] + [hashlib.sha256(w["b_pdf"]).hexdigest().encode()]


def test_preview_lists_every_item_about_the_member_and_nothing_about_another(
    platform: Platform, world: dict[str, Any]
) -> None:
    response = platform.call("dana", "GET", "workflow", PREVIEW, params={"membership_number": " m10 0002 "})
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["membership_number"] == MARK and preview["member_account"] == "mark"
    ids = {item["id"] for item in preview["items"]}
    a = world["a"]["id"]
    assert f"case:{a}" in ids
    assert {f"timeline:{i}" for k, i in world["ids"].items() if k.startswith("a_")} <= ids
    assert {f"evidence:{world['ev']['a_member']}", f"evidence:{world['ev']['a_reps']}"} <= ids
    assert {f"text:{world['ev']['a_member']}", f"text:{world['ev']['a_reps']}"} <= ids
    assert {f"notification:{n['id']}" for n in world["mark_inbox"]} <= ids
    assert any(
        item["kind"] == "audit" and item["case_reference"] == world["a"]["reference"] for item in preview["items"]
    )
    assert a in {c["id"] for c in preview["cases"]}
    assert world["b"]["id"] not in {c["id"] for c in preview["cases"]}
    text = json.dumps(preview).encode()
    assert [m for m in maria_markers(world) if m in text] == []
    for item in preview["items"]:
        assert item["source"] and item["what"] and item["description"]


def test_export_holds_every_item_byte_identical_withholds_exclusions_and_nothing_of_another_member(
    platform: Platform, world: dict[str, Any]
) -> None:
    withheld = f"timeline:{world['ids']['a_withheld_note']}"
    response = platform.call(
        "dana", "POST", "workflow", EXPORT, json={"membership_number": "m100002", "exclude": [withheld]}
    )
    files = unzip(response)
    assert {"index.html", "index.md", "index.json"} <= set(files)
    index = json.loads(files["index.json"])
    assert index["membership_number"] == MARK and index["withheld"] == 1
    assert withheld not in {i["id"] for i in index["items"]}
    assert index["released"] == len(index["items"])
    ref = world["a"]["reference"]
    timeline = json.loads(files[f"cases/{ref}/timeline.json"])
    bodies = {e["body"] for e in timeline}
    assert {world["a_member_note"], world["a_reps_note"], world["a_members_own"]} <= bodies
    assert world["a_withheld_note"].encode() not in everything(files)
    # The index says that items were withheld and how many, never which.
    assert (
        b"1 item(s) were withheld" in files["index.md"]
        and world["ids"]["a_withheld_note"].encode() not in files["index.md"]
    )
    for key, pdf in (("a_member", world["a_member_pdf"]), ("a_reps", world["a_reps_pdf"])):
        entry = next(i for i in index["items"] if i["id"] == f"evidence:{world['ev'][key]}")
        original = files[entry["content_file"]]
        assert hashlib.sha256(original).hexdigest() == hashlib.sha256(pdf).hexdigest()
        assert entry["matches_recorded_sha256"] is True
        text_entry = next(i for i in index["items"] if i["id"] == f"text:{world['ev'][key]}")
        assert ("EVIDENCEMEMBERA" if key == "a_member" else "EVIDENCEREPSA").encode() in files[
            text_entry["content_file"]
        ]
    notifications = json.loads(files["notifications.json"])
    assert {n["id"] for n in world["mark_inbox"]} <= {n["id"] for n in notifications}
    audit = json.loads(files["audit_records.json"])
    assert any(r["action"] == "timeline.add" and r["case_reference"] == ref for r in audit)
    assert any(r["actor"] == "mark" for r in audit)  # what the member did is about them too
    # Every item the index lists is in the archive, and the readable index names each one.
    for item in index["items"]:
        assert item["file"] in files and item["id"].encode() in files["index.html"]
    assert [m for m in maria_markers(world) if m in everything(files)] == []


def test_exports_and_previews_are_audited_with_counts_not_content(platform: Platform, world: dict[str, Any]) -> None:
    platform.call("dana", "GET", "workflow", PREVIEW, params={"membership_number": MARK})
    response = platform.call("dana", "POST", "workflow", EXPORT, json={"membership_number": MARK})
    assert response.status_code == 200
    with platform.superuser_db() as db:
        rows = db.execute(
            "SELECT action, actor, resource, detail FROM workflow.audit_log "
            "WHERE resource = %s AND actor = 'dana' ORDER BY id",
            (f"member:{MARK}",),
        ).fetchall()
    actions = [r[0] for r in rows]
    assert "dataprotection.subject_access_previewed" in actions
    assert "dataprotection.subject_access_exported" in actions
    exported = [r for r in rows if r[0] == "dataprotection.subject_access_exported"][-1]
    detail = exported[3]
    assert detail["released"] > 0 and detail["withheld"] == 0 and detail["items"]["timeline"] >= 4
    assert world["a"]["id"] in detail["cases"]
    assert world["tag"] not in json.dumps(detail)  # counts and ids, no content


@pytest.mark.parametrize("user", ["rachel", "olive", "ada", "mark", "maria", "cora", None])
def test_nobody_but_the_dpo_gets_anything(platform: Platform, world: dict[str, Any], user: str | None) -> None:
    expected = 401 if user is None else 403
    preview = platform.call(user, "GET", "workflow", PREVIEW, params={"membership_number": MARK})
    export = platform.call(user, "POST", "workflow", EXPORT, json={"membership_number": MARK})
    for response in (preview, export):
        assert response.status_code == expected, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert world["tag"].encode() not in response.content


def test_the_dpo_has_no_ordinary_case_access(platform: Platform, world: dict[str, Any]) -> None:
    case_id = world["a"]["id"]
    assert platform.call("dana", "GET", "workflow", f"/v1/cases/{case_id}").status_code == 404
    assert platform.call("dana", "GET", "workflow", f"/v1/cases/{case_id}/timeline").status_code == 404
    assert platform.call("dana", "GET", "intake", f"/v1/cases/{case_id}/evidence").status_code == 404
    listed = platform.call("dana", "GET", "workflow", "/v1/cases")
    assert listed.status_code == 200 and listed.json()["items"] == []


def test_notify_lists_a_persons_notifications_to_services_only(platform: Platform, world: dict[str, Any]) -> None:
    path = "/v1/subject-access/notifications"
    for user in ("mark", "dana", "ada"):
        assert platform.call(user, "GET", "notify", path, params={"username": "mark"}).status_code == 403
    response = requests.get(
        platform.url("notify") + path,
        params={"username": "mark"},
        headers={"Authorization": f"Bearer {platform.service_token()}"},
        timeout=10,
    )
    assert response.status_code == 200
    assert {n["id"] for n in world["mark_inbox"]} <= {n["id"] for n in response.json()["items"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"membership_number": "M10/0002"}, "membership_number"),
        ({"membership_number": ""}, "membership_number"),
        ({"membership_number": "M10\t0002"}, "membership_number"),
        ({"membership_number": MARK, "exclude": ["not an id"]}, "exclude.0"),
        ({"membership_number": MARK, "exclude": [f"timeline:{uuid.uuid4()}"]}, "exclude.0"),
        ({"membership_number": MARK, "extra": 1}, "extra"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(platform: Platform, body: dict[str, Any], field: str) -> None:
    response = platform.call("dana", "POST", "workflow", EXPORT, json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_an_excluded_item_of_another_member_is_refused_not_silently_ignored(
    platform: Platform, world: dict[str, Any]
) -> None:
    other = f"timeline:{world['ids']['b_reps_note']}"
    response = platform.call("dana", "POST", "workflow", EXPORT, json={"membership_number": MARK, "exclude": [other]})
    assert response.status_code == 422
    assert world["b_reps_note"].encode() not in response.content


def test_the_member_downloads_their_own_member_visible_record_only(platform: Platform, world: dict[str, Any]) -> None:
    files = unzip(platform.call("mark", "GET", "workflow", "/v1/me/record"))
    index = json.loads(files["index.json"])
    assert index["view"] == "member" and index["membership_number"] == MARK
    ids = {i["id"] for i in index["items"]}
    assert f"timeline:{world['ids']['a_member_note']}" in ids and f"timeline:{world['ids']['a_members_own']}" in ids
    assert f"evidence:{world['ev']['a_member']}" in ids and f"text:{world['ev']['a_member']}" in ids
    assert {f"notification:{n['id']}" for n in world["mark_inbox"]} <= ids
    entry = next(i for i in index["items"] if i["id"] == f"evidence:{world['ev']['a_member']}")
    assert hashlib.sha256(files[entry["content_file"]]).hexdigest() == hashlib.sha256(world["a_member_pdf"]).hexdigest()
    blob = everything(files)
    hidden = [
        world["a_reps_note"],
        world["a_withheld_note"],
        world["ids"]["a_reps_note"],
        world["ev"]["a_reps"],
        "EVIDENCEREPSA",
        "witness-a.pdf",
        "Created by a test.",  # the case summary: the branch's working notes
    ]
    assert [h for h in hidden if h.encode() in blob] == []
    assert not any(i["kind"] == "audit" for i in index["items"])
    assert [m for m in maria_markers(world) if m in blob] == []


@pytest.mark.parametrize("user", ["rachel", "dana", "ada"])
def test_only_members_download_their_own_record(platform: Platform, user: str) -> None:
    assert platform.call(user, "GET", "workflow", "/v1/me/record").status_code == 403
    assert platform.call(None, "GET", "workflow", "/v1/me/record").status_code == 401
