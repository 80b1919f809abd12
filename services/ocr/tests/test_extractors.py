"""Extractors on files generated here: text first, OCR only where needed, files inside taken out,
limits and broken files reported with a reason. No servers; real libraries and LibreOffice."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

import testdocs
from casework_ocr import extractors, sniff, tesseract
from casework_ocr.extractors import Context, LimitError, Limits, PasswordProtectedError, UnreadableError
from casework_ocr.extractors.mail import header_metadata
from casework_ocr.render import embedded_scan, image_digest, render

LIMITS = Limits(
    max_pages=50,
    max_image_pixels=40_000_000,
    max_archive_members=20,
    max_archive_ratio=100,
    max_archive_bytes=50_000_000,
    max_text_page_chars=2000,
)


@pytest.fixture
def context(tmp_path: Path) -> Context:
    work = tmp_path / "work"
    work.mkdir()
    return Context(workdir=work, limits=LIMITS, min_text_layer_chars=20, soffice="soffice", office_timeout_s=120)


def analyse(tmp_path: Path, context: Context, data: bytes, name: str = "f") -> tuple[str, extractors.Analysis]:
    path = tmp_path / name
    path.write_bytes(data)
    mime = sniff.mime_type(path)
    extractor = extractors.for_type(mime)
    assert extractor is not None, mime
    return mime, extractor.analyse(path, context)


def test_types_are_sniffed_from_content_not_names(tmp_path: Path) -> None:
    for data, expected in (
        (testdocs.png(["x"]), "image/png"),
        (testdocs.text_pdf(["x"]), "application/pdf"),
        (testdocs.heic(["x"]), "image/heic"),
        (testdocs.eml("s", ["b"]), "message/rfc822"),
    ):
        path = tmp_path / "misleading.doc"
        path.write_bytes(data)
        assert sniff.mime_type(path) == expected
    assert extractors.for_type("application/x-executable") is None


def test_pdf_text_layer_pages_are_never_sent_to_ocr(tmp_path: Path, context: Context) -> None:
    _, born_digital = analyse(tmp_path, context, testdocs.text_pdf(["A born-digital letter with plenty of words"]))
    assert [p.text is not None for p in born_digital.pages] == [True]
    _, scanned = analyse(tmp_path, context, testdocs.scanned_pdf([["page one"], ["page two"]]), "s.pdf")
    assert [(p.number, p.source_kind, p.source_index) for p in scanned.pages] == [(1, "pdf", 0), (2, "pdf", 1)]


def test_encrypted_and_truncated_pdfs_say_why(tmp_path: Path, context: Context) -> None:
    with pytest.raises(PasswordProtectedError):
        analyse(tmp_path, context, testdocs.office("pdf", ["secret"], password="pw"))
    with pytest.raises(UnreadableError):
        analyse(tmp_path, context, testdocs.text_pdf(["x" * 50])[:200], "t.pdf")


def test_page_limit(tmp_path: Path, context: Context) -> None:
    many = Context(context.workdir, Limits(**{**LIMITS.__dict__, "max_pages": 1}), 20, "soffice", 60)
    with pytest.raises(LimitError, match="2 pages; the limit is 1"):
        analyse(tmp_path, many, testdocs.scanned_pdf([["a"], ["b"]]))


def test_images_frames_and_bombs(tmp_path: Path, context: Context) -> None:
    _, tiff = analyse(tmp_path, context, testdocs.tiff([["one"], ["two"], ["three"]]))
    assert [p.source_index for p in tiff.pages] == [0, 1, 2]
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # 400 Mpx in a few kilobytes
    with pytest.raises(LimitError, match="pixels"):
        analyse(tmp_path, context, bomb.getvalue(), "bomb.png")
    with pytest.raises(UnreadableError):
        analyse(tmp_path, context, testdocs.png(["x"])[:3000], "cut.png")


@pytest.mark.parametrize("kind", ["docx", "odt", "rtf", "doc"])
def test_word_processor_files_are_converted_with_real_pages(tmp_path: Path, context: Context, kind: str) -> None:
    _, analysis = analyse(tmp_path, context, testdocs.office(kind, ["Grievance about the marmalade rota"]))
    assert analysis.converted is not None and analysis.converted.suffix == ".pdf"
    assert "marmalade" in analysis.pages[0].text


def test_text_and_html(tmp_path: Path, context: Context) -> None:
    _, latin = analyse(tmp_path, context, "Caf\u00e9 r\u00e9sum\u00e9 na\u00efve\n".encode("latin-1") * 3, "l.txt")
    assert "Caf\u00e9" in latin.pages[0].text
    _, long_text = analyse(tmp_path, context, b"line of text\n" * 1000, "long.txt")
    assert len(long_text.pages) > 1 and all(len(p.text) <= LIMITS.max_text_page_chars for p in long_text.pages)
    _, page = analyse(tmp_path, context, testdocs.html(["Hello marmalade"]), "p.html")
    assert "Hello marmalade" in page.pages[0].text and "scriptword" not in page.pages[0].text


def test_emails_give_their_body_and_hand_over_attachments(tmp_path: Path, context: Context) -> None:
    inner = testdocs.eml("Forwarded", ["inner body"])
    _, eml = analyse(
        tmp_path,
        context,
        testdocs.eml(
            "Hearing",
            ["Body about zeppelin"],
            [("invite.pdf", testdocs.text_pdf(["x"]), "application/pdf"), ("fwd.eml", inner, "message/rfc822")],
        ),
    )
    assert "zeppelin" in eml.pages[0].text
    # The header lines are the item's metadata, never text the sender wrote.
    assert eml.metadata == {
        "from": "hr@metrotransit.example.org",
        "to": "maria@union.example.org",
        "subject": "Hearing",
        "date": "Mon, 02 Mar 2026 09:00:00 +0000",
    }
    assert not any(word in eml.pages[0].text for word in ("Hearing", "metrotransit", "From:", "Subject:", "2026"))
    assert [c.filename for c in eml.children] == ["invite.pdf", "fwd.eml"]
    assert eml.children[0].path.read_bytes().startswith(b"%PDF")
    _, outlook = analyse(
        tmp_path, context, testdocs.msg("Outcome", "Decided gazebo.", [("n.txt", b"note", "text/plain")])
    )
    assert "gazebo" in outlook.pages[0].text and [c.filename for c in outlook.children] == ["n.txt"]
    assert outlook.metadata["subject"] == "Outcome" and "Outcome" not in outlook.pages[0].text


def test_archives_within_limits(tmp_path: Path, context: Context) -> None:
    _, archive = analyse(tmp_path, context, testdocs.zip_of([("a/letter.txt", b"hello"), ("b.pdf", b"%PDF-1.4")]))
    assert archive.pages == [] and [c.filename for c in archive.children] == ["a/letter.txt", "b.pdf"]
    with pytest.raises(LimitError, match="zip bomb"):
        analyse(tmp_path, context, testdocs.zip_of([("zeros", b"\0" * 20_000_000)]), "bomb.zip")
    with pytest.raises(LimitError, match="holds 25 files"):
        analyse(tmp_path, context, testdocs.zip_of([(f"{n}.txt", b"x") for n in range(25)]), "many.zip")
    stored = testdocs.zip_of([("ok.txt", b"fine")], compression=zipfile.ZIP_STORED)
    assert len(analyse(tmp_path, context, stored, "s.zip")[1].children) == 1


def test_rendering_and_ocr_with_orientation_fallback(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(testdocs.scanned_pdf([testdocs.letter_lines("Reference", "harpsichord")]))
    image = render(pdf, "pdf", 0, 150, LIMITS.max_image_pixels)
    assert image.mode == "L" and image.size[0] > 1000
    assert image_digest(image, "eng") == image_digest(image.copy(), "eng") != image_digest(image, "deu")
    upside_down = image.rotate(180)
    result = tesseract.ocr_page(upside_down, "eng", 120, "fallback")
    assert "harpsichord" in result.text and result.turned
    assert "harpsichord" in result.words_tsv and result.words_tsv.startswith("level\tpage_num")
    upright = tesseract.ocr_page(image, "eng", 120, "fallback")
    assert not upright.turned and "harpsichord" in upright.text


def test_a_scanners_page_is_decoded_not_rendered_and_anything_else_is_rendered() -> None:
    scan = pdfium.PdfDocument(testdocs.scanned_pdf([testdocs.letter_lines("Reference", "harpsichord")]))
    image = embedded_scan(scan[0], 300, LIMITS.max_image_pixels)
    assert image is not None and image.mode == "L"
    assert embedded_scan(scan[0], 300, 1000) is None  # over the pixel limit: left to the renderer's scaling
    assert embedded_scan(scan[0], 100, LIMITS.max_image_pixels) is None  # far from the wanted resolution
    turned = pdfium.PdfDocument(testdocs.scanned_pdf([testdocs.letter_lines("Reference", "harpsichord")]))
    turned[0].set_rotation(90)
    assert embedded_scan(turned[0], 300, LIMITS.max_image_pixels) is None
    born_digital = pdfium.PdfDocument(testdocs.text_pdf(["Some typed words"]))
    assert embedded_scan(born_digital[0], 300, LIMITS.max_image_pixels) is None


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_a_scanners_jpeg_is_decoded_to_the_grey_pdfium_would_give(mode: str) -> None:
    """The fast path (libjpeg straight to grey) must read the pixels the slow path (pdfium's bitmap
    turned grey) reads: the same for a grey JPEG, all but the same for a colour one."""
    page = Image.new(mode, (1240, 1754), "white")
    page.paste(Image.new(mode, (600, 300), "navy" if mode == "RGB" else 40), (100, 200))
    page.paste(Image.new(mode, (300, 900), "orange" if mode == "RGB" else 160), (800, 600))
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=150)
    pdf_page = pdfium.PdfDocument(buffer.getvalue())[0]
    fast = embedded_scan(pdf_page, 150, LIMITS.max_image_pixels)
    (image,) = pdf_page.get_objects(max_depth=1)
    slow = image.get_bitmap(render=False).to_pil().convert("L")
    assert fast is not None and fast.mode == "L" and fast.size == slow.size
    differences = [abs(a - b) for a, b in zip(fast.tobytes(), slow.tobytes(), strict=True)]
    if mode == "L":
        assert max(differences) == 0
    else:  # colour: rounding, and at sharp colour edges pdfium's chroma upsampling, which grey skips
        assert max(differences) <= 16 and sum(differences) / len(differences) < 0.1


def test_a_page_over_the_time_limit_is_abandoned(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(testdocs.scanned_pdf([testdocs.letter_lines("Reference", "harpsichord")]))
    image = render(pdf, "pdf", 0, 300, LIMITS.max_image_pixels)
    with pytest.raises(tesseract.OcrTimeout):
        tesseract.ocr_page(image, "eng", 0.001, "off")
    assert "harpsichord" in tesseract.ocr_page(image, "eng", 120, "off").text  # the engine is still usable


def test_a_failure_after_an_encrypted_pdf_is_not_called_password_protected(tmp_path: Path, context: Context) -> None:
    with pytest.raises(PasswordProtectedError):
        analyse(tmp_path, context, testdocs.office("pdf", ["secret"], password="pw"), "locked.pdf")
    empty = tmp_path / "empty.pdf"
    document = pdfium.PdfDocument.new()
    document.save(str(empty))
    with pytest.raises(UnreadableError):
        analyse(tmp_path, context, empty.read_bytes(), "empty.pdf")


def test_email_header_metadata_has_no_control_characters() -> None:
    """An encoded word can carry NUL (Postgres refuses it in JSON, so the item failed) or ESC."""
    assert header_metadata({"Subject": "x\x00y\x1b[2J\x85z", "To": "\x00", "From": "a@b"}) == {
        "subject": "x y [2J z",
        "from": "a@b",
    }
