"""What the extractors read from an open file for its document facts: a PDF's information
dictionary (never that of a PDF LibreOffice made), a photo's EXIF date. No servers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

import testdocs
from casework_ocr import extractors
from casework_ocr.document_stage import file_facts
from casework_ocr.extractors import Context, Limits

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


def analyse(tmp_path: Path, context: Context, name: str, data: bytes, mime: str) -> extractors.Analysis:
    path = tmp_path / name
    path.write_bytes(data)
    extractor = extractors.for_type(mime)
    assert extractor is not None
    return extractor.analyse(path, context)


def photo(exif: Image.Exif | None) -> bytes:
    buffer = io.BytesIO()
    image = Image.open(io.BytesIO(testdocs.jpeg(["A noticeboard"])))
    image.save(buffer, "JPEG", **({"exif": exif.tobytes()} if exif is not None else {}))
    return buffer.getvalue()


def test_a_pdfs_information_dictionary_is_kept(tmp_path: Path, context: Context) -> None:
    data = testdocs.text_pdf(["A letter with enough words to count as text."], info={"CreationDate": "D:20260210"})
    analysis = analyse(tmp_path, context, "letter.pdf", data, "application/pdf")
    assert analysis.pdf_info == {"CreationDate": "D:20260210"}
    assert file_facts(analysis) == {"pdf_info": {"CreationDate": "D:20260210"}}


def test_a_pdf_without_one_gives_nothing(tmp_path: Path, context: Context) -> None:
    analysis = analyse(
        tmp_path, context, "plain.pdf", testdocs.text_pdf(["Enough words to count as text."]), "application/pdf"
    )
    assert analysis.pdf_info == {} and file_facts(analysis) == {}


def test_date_time_original_wins_over_date_time(tmp_path: Path, context: Context) -> None:
    exif = Image.Exif()
    exif[306] = "2026:04:01 10:00:00"
    exif.get_ifd(0x8769)[36867] = "2026:02:14 08:30:00"
    analysis = analyse(tmp_path, context, "photo.jpg", photo(exif), "image/jpeg")
    assert analysis.exif_date == "2026:02:14 08:30:00"
    assert file_facts(analysis) == {"exif_date": "2026:02:14 08:30:00"}


def test_date_time_alone_is_taken_and_no_exif_is_no_date(tmp_path: Path, context: Context) -> None:
    exif = Image.Exif()
    exif[306] = "2026:04:01 10:00:00"
    assert analyse(tmp_path, context, "scan.jpg", photo(exif), "image/jpeg").exif_date == "2026:04:01 10:00:00"
    assert analyse(tmp_path, context, "bare.jpg", photo(None), "image/jpeg").exif_date == ""


def test_a_converted_word_file_has_no_pdf_information(tmp_path: Path, context: Context) -> None:
    """LibreOffice stamps its PDF with the conversion time: that is not the document's date."""
    data = testdocs.office("docx", ["A letter written in Word, long enough to be text."])
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    analysis = analyse(tmp_path, context, "letter.docx", data, mime)
    assert analysis.converted is not None and analysis.pdf_info == {}
