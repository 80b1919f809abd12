"""Hostile and broken input: each file ends in its expected status with a reason, the OCR
workers stay up, and ordinary files keep flowing. Every file is generated here."""

from __future__ import annotations

import gzip
import io
import struct
import subprocess
import tempfile
import time
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import requests
from PIL import Image

import testdocs
from harness import IN_PROGRESS, Platform

pytestmark = pytest.mark.stack


@dataclass
class Case:
    filename: str
    data: bytes
    status: str
    reason: str = ""  # a fragment the reason must contain
    searchable: str = ""  # a word that must then be found in it


def blank_pdf(pages: int, size: tuple[float, float] = (612, 792)) -> bytes:
    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(*size)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def png_bomb() -> bytes:
    """A valid black 1-bit PNG of 30,000 x 30,000 pixels (900 megapixels in about 100 kB). Written
    chunk by chunk: drawing it with Pillow first costs a 900 MB image and seconds of CPU."""
    side = 30_000
    row = bytes(1 + (side + 7) // 8)  # filter type 0 (none), then the row's pixels, 8 to a byte
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def truncated_heic() -> bytes:
    """The first 600 bytes of a real HEIC photo: its boxes up to a cut inside the image data. The
    photo is a small page: encoding a full-size A4 scan costs seconds, and only its start is kept."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    testdocs.scan(["x"], size=(620, 877), font_px=12).convert("RGB").save(buffer, "HEIF", quality=90)
    whole = buffer.getvalue()
    assert len(whole) > 600, len(whole)  # so that the cut is a cut
    return whole[:600]


def nested_zip(depth: int, word: str) -> bytes:
    data = f"The innermost file mentions {word}.".encode()
    name = "deepest.txt"
    for level in range(depth):
        data = testdocs.zip_of([(name, data)])
        name = f"level{depth - level}.zip"
    return data


def encrypted_zip(word: str) -> bytes:
    with tempfile.TemporaryDirectory() as work:
        Path(work, "secret.txt").write_text(f"locked {word}")
        Path(work, "open.txt").write_text(f"open {word}")
        subprocess.run(["zip", "-q", "-P", "pw", "locked.zip", "secret.txt"], cwd=work, check=True)
        subprocess.run(["zip", "-q", "locked.zip", "open.txt"], cwd=work, check=True)
        return Path(work, "locked.zip").read_bytes()


def pdf_with_javascript(word: str) -> bytes:
    data = testdocs.text_pdf([f"Policy document about {word} with an automatic script"])
    return data.replace(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert('x')) >> >>",
    )


def corrupt_docx() -> bytes:
    """Recognised as DOCX by its structure, but its document part is not XML."""
    content_types = (
        b"<?xml version='1.0'?><Types xmlns='http://schemas.openxmlformats.org/package/2006/"
        b"content-types'><Default Extension='xml' ContentType='application/xml'/></Types>"
    )
    return testdocs.zip_of(
        [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", b"<x/>"),
            ("word/document.xml", b"<<<this is not xml"),
        ],
        compression=zipfile.ZIP_STORED,
    )


def cases() -> dict[str, Case]:
    w = testdocs.fresh_word
    words = {
        k: w()
        for k in (
            "ext",
            "poly",
            "long",
            "path",
            "ctrl",
            "nobody",
            "nested",
            "script",
            "latin",
            "line",
            "js",
            "enc",
            "fwd",
        )
    }
    text_pdf = testdocs.text_pdf
    # The three slowest files (a LibreOffice run, a 900-megapixel PNG, an HEIC encode) are made in
    # the background, two at a time, while the others are made here.
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = {
            "locked": pool.submit(testdocs.office, "pdf", ["secret"], password="pw"),
            "bomb": pool.submit(png_bomb),
            "heic": pool.submit(truncated_heic),
        }
        return {
            "truncated PDF": Case("cut.pdf", text_pdf(["x" * 60])[:150], "unreadable", "PDF"),
            "password-protected PDF": Case("locked.pdf", slow["locked"].result(), "password_protected", "password"),
            "EICAR test virus": Case("invoice.pdf", testdocs.EICAR, "quarantined", "Infected"),
            "EICAR inside a ZIP": Case("docs.zip", testdocs.zip_of([("readme.txt", testdocs.EICAR)]), "quarantined"),
            "EICAR attached to an email": Case(
                "mail.eml",
                testdocs.eml("Hi", ["see attached"], [("x.com", testdocs.EICAR, "application/octet-stream")]),
                "quarantined",
            ),
            "zip bomb": Case(
                "bomb.zip", testdocs.zip_of([("zeros.bin", b"\0" * 50_000_000)]), "not_indexed", "zip bomb"
            ),
            "deeply nested ZIP": Case("nest.zip", nested_zip(6, words["nested"]), "unpacked", "1 file(s)"),
            "2,000-page PDF": Case("huge.pdf", blank_pdf(2000), "not_indexed", "2000 pages"),
            "decompression-bomb image": Case("bomb.png", slow["bomb"].result(), "not_indexed", "pixels"),
            "PDF with a .jpg name": Case(
                "photo.jpg",
                text_pdf([f"Really a PDF about {words['ext']} after all."]),
                "indexed",
                searchable=words["ext"],
            ),
            "PDF/ZIP polyglot": Case(
                "poly.pdf",
                text_pdf([f"Polyglot front about {words['poly']} text."]) + testdocs.zip_of([("x.txt", b"hidden")]),
                "indexed",
                searchable=words["poly"],
            ),
            "huge filename": Case(
                "a" * 5000 + ".pdf",
                text_pdf([f"Long name file about {words['long']} here."]),
                "indexed",
                searchable=words["long"],
            ),
            "path in filename": Case(
                "../../etc/passwd.pdf",
                text_pdf([f"Path trick about {words['path']} in it."]),
                "indexed",
                searchable=words["path"],
            ),
            "control characters in filename": Case(
                "evil\u202egpj.exe\x07.pdf",
                text_pdf([f"Control chars about {words['ctrl']} here."]),
                "indexed",
                searchable=words["ctrl"],
            ),
            "executable": Case("setup.exe", b"\x7fELF\x02\x01\x01" + b"\0" * 500, "not_indexed", "cannot be read"),
            "random bytes": Case("data.bin", bytes(range(256)) * 40, "not_indexed"),
            "gzip file": Case("notes.gz", gzip.compress(b"compressed notes"), "not_indexed"),
            "truncated PNG": Case("cut.png", testdocs.png(["x"])[:2000], "unreadable"),
            "truncated JPEG": Case("cut.jpg", testdocs.jpeg(["some text"])[:3000], "unreadable"),
            "broken TIFF": Case("bad.tif", b"II*\x00\x08\x00\x00\x00\xff\xff" + b"\0" * 50, "unreadable"),
            "truncated HEIC": Case("cut.heic", slow["heic"].result(), "unreadable"),
            "corrupt DOCX": Case("broken.docx", corrupt_docx(), "unreadable"),
            "empty ZIP": Case("empty.zip", testdocs.zip_of([]), "unpacked", "0 file(s)"),
            "ZIP with an encrypted member": Case("locked.zip", encrypted_zip(words["enc"]), "unpacked", "encrypted"),
            "ZIP with too many files": Case(
                "many.zip", testdocs.zip_of([(f"{n}.txt", b"x") for n in range(600)]), "not_indexed", "600 files"
            ),
            "email with no body": Case(
                "nobody.eml", testdocs.eml(f"Subject only {words['nobody']}", []), "indexed", searchable=words["nobody"]
            ),
            "email forwarding an email": Case(
                "fwd.eml",
                testdocs.eml(
                    "Fwd",
                    ["see below"],
                    [("orig.eml", testdocs.eml(f"Original {words['fwd']}", ["first"]), "message/rfc822")],
                ),
                "indexed",
            ),
            "HTML with scripts": Case(
                "page.html", testdocs.html([f"Visible {words['script']}"]), "indexed", searchable=words["script"]
            ),
            "Latin-1 text": Case(
                "latin.txt",
                f"Caf\u00e9 note {words['latin']}\n".encode("latin-1"),
                "indexed",
                searchable=words["latin"],
            ),
            "one enormous line": Case(
                "line.txt", (f"{words['line']} " + "x" * 3_000_000).encode(), "indexed", searchable=words["line"]
            ),
            "PDF with no pages": Case("nopages.pdf", blank_pdf(0), "unreadable", "PDF"),
            "1x1 pixel image": Case("dot.png", _one_pixel(), "indexed"),
            "PDF with JavaScript": Case("js.pdf", pdf_with_javascript(words["js"]), "indexed", searchable=words["js"]),
            "PDF page of 7 metres square": Case("giant.pdf", blank_pdf(1, (20_000, 20_000)), "indexed"),
        }


def _one_pixel() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (1, 1), 255).save(buffer, "PNG")
    return buffer.getvalue()


LABELS = [  # the keys of cases(), which takes fresh words and so runs once, in the fixture
    "truncated PDF",
    "password-protected PDF",
    "EICAR test virus",
    "EICAR inside a ZIP",
    "EICAR attached to an email",
    "zip bomb",
    "deeply nested ZIP",
    "2,000-page PDF",
    "decompression-bomb image",
    "PDF with a .jpg name",
    "PDF/ZIP polyglot",
    "huge filename",
    "path in filename",
    "control characters in filename",
    "executable",
    "random bytes",
    "gzip file",
    "truncated PNG",
    "truncated JPEG",
    "broken TIFF",
    "truncated HEIC",
    "corrupt DOCX",
    "empty ZIP",
    "ZIP with an encrypted member",
    "ZIP with too many files",
    "email with no body",
    "email forwarding an email",
    "HTML with scripts",
    "Latin-1 text",
    "one enormous line",
    "PDF with no pages",
    "1x1 pixel image",
    "PDF with JavaScript",
    "PDF page of 7 metres square",
]


def wait_final(platform: Platform, user: str, case_id: str, ids: list[str], timeout_s: float = 300) -> dict[str, Any]:
    """The items once none is in progress. Polled through the case's evidence list (one request for
    all of them, the same representation as the item itself); an item the list does not show the
    user is read on its own."""
    deadline = time.monotonic() + timeout_s
    while True:
        listing = platform.call(user, "GET", "intake", f"/v1/cases/{case_id}/evidence")
        assert listing.status_code == 200, listing.text
        listed = {item["id"]: item for item in listing.json()["items"]}
        items = {i: listed.get(i) or platform.call(user, "GET", "intake", f"/v1/evidence/{i}").json() for i in ids}
        if all(item["status"] not in IN_PROGRESS for item in items.values()):
            return items
        if time.monotonic() > deadline:
            raise AssertionError({i["filename"][:40]: i["status"] for i in items.values()})
        time.sleep(0.5)


@pytest.fixture(scope="module")
def outcome(platform: Platform) -> dict[str, Any]:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    made = cases()
    assert sorted(made) == sorted(LABELS)
    uploaded = {}
    for label, hostile in made.items():
        response = platform.upload("maria", case["id"], [(hostile.filename, hostile.data, "application/octet-stream")])
        assert response.status_code == 201, (label, response.text)
        uploaded[label] = response.json()["items"][0]["id"]
    items = wait_final(platform, "maria", case["id"], list(uploaded.values()))
    return {"case": case, "cases": made, "uploaded": uploaded, "items": items}


@pytest.mark.parametrize("label", LABELS)
def test_hostile_file_ends_in_its_expected_status(platform: Platform, outcome: dict[str, Any], label: str) -> None:
    expected: Case = outcome["cases"][label]
    item = outcome["items"][outcome["uploaded"][label]]
    assert item["status"] == expected.status, (item["status"], item["status_reason"])
    if expected.status != "indexed":
        assert item["status_reason"], "a final status other than indexed always says why"
    assert expected.reason in (item["status_reason"] or "")
    assert len(item["filename"]) <= 200 and "/" not in item["filename"] and "\u202e" not in item["filename"]
    if expected.searchable:
        hits = platform.search("maria", expected.searchable).json()["items"]
        assert item["id"] in {h["evidence_id"] for h in hits}


def test_html_scripts_are_not_indexed(platform: Platform, outcome: dict[str, Any]) -> None:
    assert platform.search("maria", "scriptword").json()["items"] == []


def nesting_chain(platform: Platform, case_id: str, top: str) -> list[dict[str, Any]]:
    """The items taken out of ``top``, one per level, as they stand now."""
    items = platform.call("maria", "GET", "intake", f"/v1/cases/{case_id}/evidence").json()["items"]
    chain, parent = [], top
    while children := [i for i in items if i.get("parent_id") == parent]:
        chain.append(children[0])
        parent = children[0]["id"]
    return chain


def test_nesting_stops_at_the_limit(platform: Platform, outcome: dict[str, Any]) -> None:
    # The fixture waits for what was uploaded; the members taken out of it finish after it.
    deadline = time.monotonic() + 120
    while True:
        chain = nesting_chain(platform, outcome["case"]["id"], outcome["uploaded"]["deeply nested ZIP"])
        done = len(chain) == 3 and chain[-1]["status"] not in IN_PROGRESS
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(chain) == 3  # the intake nesting limit
    assert "nested too deeply" in (chain[-1]["status_reason"] or ""), chain[-1]


def test_quarantine_is_flagged_to_uploader_and_rep(platform: Platform, outcome: dict[str, Any]) -> None:
    deadline = time.monotonic() + 30
    subject = f"A file was quarantined on case {outcome['case']['reference']}"
    while time.monotonic() < deadline and not (
        platform.mails_to("maria", subject) and platform.mails_to("rachel", subject)
    ):
        time.sleep(0.5)
    assert platform.mails_to("maria", subject) and platform.mails_to("rachel", subject)
    eicar = outcome["items"][outcome["uploaded"]["EICAR test virus"]]
    content = platform.call("maria", "GET", "intake", f"/v1/evidence/{eicar['id']}/content")
    assert content.status_code == 200 and content.content == testdocs.EICAR  # stored, never altered


def test_workers_stayed_up_and_ordinary_files_still_flow(platform: Platform, outcome: dict[str, Any]) -> None:
    assert requests.get(f"{platform.url('ocr')}/readyz", timeout=5).status_code == 200
    assert not any("exited" in (line.get("message") or "") for line in platform.log_lines("ocr"))
    word = testdocs.fresh_word()
    response = platform.upload(
        "maria",
        outcome["case"]["id"],
        [("after.png", testdocs.png(testdocs.letter_lines("Reference", word)), "image/png")],
    )
    item = platform.wait_for_status("maria", response.json()["items"][0]["id"], timeout_s=60)
    assert item["status"] == "indexed" and platform.search("maria", word).json()["total"] == 1
