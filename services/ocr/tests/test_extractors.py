"""Extractors on files generated here: text layer first, images for OCR, broken files named."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

import testdocs
from casework_ocr import extractors, sniff, tesseract
from casework_ocr.extractors import ExtractOptions, UnreadableError

OPTIONS = ExtractOptions(dpi=150, min_text_layer_chars=20)


def write(tmp_path: Path, data: bytes, name: str = "f") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_type_is_sniffed_from_content_not_name(tmp_path: Path) -> None:
    assert sniff.mime_type(write(tmp_path, testdocs.png(["x"]), "looks.pdf")) == "image/png"
    assert sniff.mime_type(write(tmp_path, testdocs.text_pdf(["x"]), "looks.png")) == "application/pdf"
    assert extractors.for_type("application/x-msdownload") is None


def test_pdf_pages_use_the_text_layer_or_go_to_ocr(tmp_path: Path) -> None:
    born_digital = write(tmp_path, testdocs.text_pdf(["A born-digital letter with plenty of words in it"]))
    [page] = list(extractors.for_type("application/pdf").pages(born_digital, OPTIONS))
    assert page.image is None and "born-digital letter" in page.text
    scanned = write(tmp_path, testdocs.scanned_pdf([["page one"], ["page two"]]), "scan.pdf")
    pages = list(extractors.for_type("application/pdf").pages(scanned, OPTIONS))
    assert [p.number for p in pages] == [1, 2] and all(p.text is None and p.image for p in pages)


def test_phone_photos_are_turned_upright(tmp_path: Path) -> None:
    image = testdocs.scan(["Upright text"]).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    image.rotate(90, expand=True).save(buffer, "JPEG", exif=exif)
    [page] = list(extractors.for_type("image/jpeg").pages(write(tmp_path, buffer.getvalue()), OPTIONS))
    assert page.image.size == image.size


def test_multi_page_tiff_gives_every_frame(tmp_path: Path) -> None:
    frames = [testdocs.scan([f"frame {n}"], size=(600, 800), font_px=30) for n in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    pages = list(extractors.for_type("image/tiff").pages(write(tmp_path, buffer.getvalue()), OPTIONS))
    assert [p.number for p in pages] == [1, 2, 3]


@pytest.mark.parametrize(
    "mime,data",
    [
        ("application/pdf", b"%PDF-1.4\n1 0 obj\n<< broken"),
        ("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
    ],
)
def test_corrupt_files_are_unreadable_with_a_reason(tmp_path: Path, mime: str, data: bytes) -> None:
    with pytest.raises(UnreadableError) as raised:
        list(extractors.for_type(mime).pages(write(tmp_path, data), OPTIONS))
    assert str(raised.value)


def test_tesseract_reads_a_generated_scan() -> None:
    assert tesseract.available()
    text = tesseract.ocr_page(testdocs.scan(["INVITATION TO A DISCIPLINARY HEARING"]), "eng", 60)
    assert "DISCIPLINARY HEARING" in text
