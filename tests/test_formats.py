"""Every supported format, generated here, through the real pipeline: intake → ClamAV → OCR
workers (text layer or Tesseract, page fan-out) → search. Each file carries its own word,
which must be found on the right page of the right item, by the member of the case."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
import pytest

import testdocs
from harness import IN_PROGRESS, Platform

pytestmark = pytest.mark.stack


@dataclass
class Sample:
    filename: str
    data: bytes
    words: dict[int, str]  # page -> a word that must be found there
    children: dict[str, str] | None = None  # child filename -> a word found in it


def mixed_pdf(text_word: str, scanned_word: str) -> bytes:
    """Page 1 born-digital (text layer), page 2 a scan: handled page by page."""
    merged = pdfium.PdfDocument.new()
    merged.import_pages(pdfium.PdfDocument(testdocs.text_pdf([f"Typed minutes mention {text_word} in full text."])))
    merged.import_pages(pdfium.PdfDocument(testdocs.scanned_pdf([testdocs.letter_lines("Reference", scanned_word)])))
    buffer = io.BytesIO()
    merged.save(buffer)
    return buffer.getvalue()


def samples() -> dict[str, Sample]:
    w = testdocs.fresh_word
    words = {
        name: w()
        for name in (
            "png",
            "jpeg",
            "heic",
            "tiff1",
            "tiff2",
            "mixed_text",
            "mixed_scan",
            "docx",
            "odt",
            "rtf",
            "doc",
            "txt",
            "html",
            "eml",
            "eml_att",
            "msg",
            "msg_att",
            "zip_a",
            "zip_b",
            "rotated",
        )
    }
    letter = testdocs.letter_lines
    # Each word-processor file is a LibreOffice process of a few seconds: they run two at a time
    # in the background while the images below are drawn and encoded, instead of one after another.
    office_lines = {
        "docx": [f"Witness statement about {words['docx']}."],
        "odt": [f"Meeting notes on {words['odt']}."],
        "rtf": [f"Formal letter concerning {words['rtf']}."],
        "doc": [f"Old format memo about {words['doc']}."],
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        office = {kind: pool.submit(testdocs.office, kind, lines) for kind, lines in office_lines.items()}
        return {
            **others(words, letter),
            "DOCX": Sample("statement.docx", office["docx"].result(), {1: words["docx"]}),
            "ODT": Sample("notes.odt", office["odt"].result(), {1: words["odt"]}),
            "RTF": Sample("letter.rtf", office["rtf"].result(), {1: words["rtf"]}),
            "DOC": Sample("old.doc", office["doc"].result(), {1: words["doc"]}),
        }


def others(words: dict[str, str], letter: Callable[..., list[str]]) -> dict[str, Sample]:
    """The samples other than the word-processor files."""
    return {
        "PNG scan": Sample("scan.png", testdocs.png(letter("Reference", words["png"])), {1: words["png"]}),
        "JPEG photo": Sample("photo.jpg", testdocs.jpeg(letter("Reference", words["jpeg"])), {1: words["jpeg"]}),
        "HEIC photo": Sample("IMG_0001.HEIC", testdocs.heic(letter("Reference", words["heic"])), {1: words["heic"]}),
        "multi-page TIFF": Sample(
            "fax.tiff",
            testdocs.tiff([letter("Ref", words["tiff1"]), letter("Ref", words["tiff2"])]),
            {1: words["tiff1"], 2: words["tiff2"]},
        ),
        "mixed PDF": Sample(
            "pack.pdf",
            mixed_pdf(words["mixed_text"], words["mixed_scan"]),
            {1: words["mixed_text"], 2: words["mixed_scan"]},
        ),
        "TXT": Sample("email.txt", f"Plain text note: {words['txt']}\n".encode(), {1: words["txt"]}),
        "HTML": Sample("page.html", testdocs.html([f"Intranet policy on {words['html']}"]), {1: words["html"]}),
        "EML with attachment": Sample(
            "fwd.eml",
            testdocs.eml(
                f"Re: {words['eml']}",
                ["Please see attached."],
                [
                    (
                        "minutes.pdf",
                        testdocs.text_pdf([f"Attached minutes mention {words['eml_att']} clearly."]),
                        "application/pdf",
                    )
                ],
            ),
            {1: words["eml"]},
            children={"minutes.pdf": words["eml_att"]},
        ),
        "Outlook MSG with attachment": Sample(
            "outcome.msg",
            testdocs.msg(
                "Hearing outcome",
                f"The panel decided {words['msg']}.",
                [("note.txt", f"Attached note {words['msg_att']}".encode(), "text/plain")],
            ),
            {1: words["msg"]},
            children={"note.txt": words["msg_att"]},
        ),
        "ZIP": Sample(
            "bundle.zip",
            testdocs.zip_of(
                [
                    ("letters/a.txt", f"First letter {words['zip_a']}".encode()),
                    ("b.pdf", testdocs.text_pdf([f"Second document about {words['zip_b']} in the bundle."])),
                ]
            ),
            {},
            children={"a.txt": words["zip_a"], "b.pdf": words["zip_b"]},
        ),
        "rotated phone photo": Sample(
            "sideways.jpg", testdocs.rotated_photo(letter("Reference", words["rotated"]), 180), {1: words["rotated"]}
        ),
    }


def wait_all(platform: Platform, case_id: str, count: int, timeout_s: float = 240) -> list[dict[str, Any]]:
    """Every item on the case (uploads and files found inside them) in a final state."""
    deadline = time.monotonic() + timeout_s
    while True:
        items = platform.call("rachel", "GET", "intake", f"/v1/cases/{case_id}/evidence").json()["items"]
        if len(items) >= count and all(i["status"] not in IN_PROGRESS for i in items):
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"not finished: {[(i['filename'], i['status']) for i in items]}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def processed(platform: Platform) -> dict[str, Any]:
    case = platform.create_case("rachel", "M100001", name="Maria Okafor")
    made = samples()
    uploaded = {}
    for label, sample in made.items():  # one request per file, all processed side by side
        response = platform.upload("rachel", case["id"], [(sample.filename, sample.data, "application/octet-stream")])
        assert response.status_code == 201, response.text
        uploaded[label] = response.json()["items"][0]["id"]
    expected = len(made) + sum(len(s.children or {}) for s in made.values())
    items = {i["id"]: i for i in wait_all(platform, case["id"], expected)}
    return {"case": case, "samples": made, "uploaded": uploaded, "items": items}


LABELS = [  # the keys of samples(), which cannot be called at import: it takes fresh words
    "PNG scan",
    "JPEG photo",
    "HEIC photo",
    "multi-page TIFF",
    "mixed PDF",
    "DOCX",
    "ODT",
    "RTF",
    "DOC",
    "TXT",
    "HTML",
    "EML with attachment",
    "Outlook MSG with attachment",
    "ZIP",
    "rotated phone photo",
]


@pytest.mark.parametrize("label", LABELS)
def test_format_is_extracted_and_found_on_the_right_page(
    platform: Platform, processed: dict[str, Any], label: str
) -> None:
    sample: Sample = processed["samples"][label]
    item = processed["items"][processed["uploaded"][label]]
    expected_status = "unpacked" if not sample.words else "indexed"
    assert item["status"] == expected_status, (item["status"], item["status_reason"])
    for page, word in sample.words.items():
        hits = platform.search("maria", word).json()["items"]
        assert [(h["evidence_id"], h["page"]) for h in hits] == [(item["id"], page)], (word, hits)
    children = {i["filename"]: i for i in processed["items"].values() if i.get("parent_id") == item["id"]}
    assert set(children) == set(sample.children or {})
    for name, word in (sample.children or {}).items():
        child = children[name]
        assert child["status"] == "indexed", child["status_reason"]
        hits = platform.search("maria", word).json()["items"]
        assert {h["evidence_id"] for h in hits} == {child["id"]}
