"""The one LibreOffice conversion ocr and bundle share, against the real soffice."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

import testdocs
from casework_common.office import ConversionError, convert_to_pdf


def test_a_word_file_becomes_a_pdf_with_its_text(tmp_path: Path) -> None:
    source = tmp_path / "statement.docx"
    source.write_bytes(testdocs.office("docx", ["WITNESS STATEMENT", "I saw the forklift on the platform."]))
    pdf = pdfium.PdfDocument(convert_to_pdf("soffice", source, tmp_path / "work", 120))
    assert "forklift" in pdf[0].get_textpage().get_text_range()


def test_what_is_not_a_document_is_a_conversion_error_for_the_uploader(tmp_path: Path) -> None:
    source = tmp_path / "broken.docx"
    source.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ConversionError, match="could not be converted"):
        convert_to_pdf("soffice", source, tmp_path / "work", 120)


def test_a_conversion_over_its_time_is_stopped(tmp_path: Path) -> None:
    source = tmp_path / "statement.odt"
    source.write_bytes(testdocs.office("odt", ["Minutes of the meeting"]))
    with pytest.raises(ConversionError, match=r"within 0\.01s"):
        convert_to_pdf("soffice", source, tmp_path / "work", 0.01)
