"""PDF: the text layer page by page; only pages without usable text are sent to OCR."""

from __future__ import annotations

import mmap
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from casework_ocr.extractors.base import (
    Analysis,
    Context,
    Extractor,
    LimitError,
    PagePlan,
    PasswordProtectedError,
    UnreadableError,
    usable_text,
)


def _declares_encryption(path: Path) -> bool:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b"/Encrypt") != -1


def open_pdf(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        # PDFium's error code is process-wide and can be left over from an earlier file, so a
        # "password" error counts only if the file really declares encryption.
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD and _declares_encryption(path):
            raise PasswordProtectedError("The PDF is password protected.") from exc
        raise UnreadableError(f"The PDF cannot be opened ({exc}).") from exc


def document_info(document: pdfium.PdfDocument) -> dict[str, str]:
    """The document information dictionary (Title, Author, CreationDate "D:20260303...", ...), the
    entries that hold text; {} when PDFium cannot read it (it is a nicety, never a reason to fail)."""
    try:
        info = document.get_metadata_dict(skip_empty=True)
    except (pdfium.PdfiumError, UnicodeDecodeError, ValueError):
        return {}
    return {key: str(value)[:1000] for key, value in info.items() if value}


class PdfExtractor(Extractor):
    mime_types = frozenset({"application/pdf"})

    def analyse(self, path: Path, context: Context) -> Analysis:
        document = open_pdf(path)
        try:
            count = len(document)
            if count == 0:
                raise UnreadableError("The PDF has no pages.")
            if count > context.limits.max_pages:
                raise LimitError(f"The PDF has {count} pages; the limit is {context.limits.max_pages}.")
            plans = []
            for index in range(count):
                page = document[index]
                try:
                    textpage = page.get_textpage()
                    text = textpage.get_text_bounded()
                    textpage.close()
                finally:
                    page.close()
                if usable_text(text, context.min_text_layer_chars):
                    plans.append(PagePlan(number=index + 1, text=text))
                else:
                    plans.append(PagePlan(number=index + 1, source_kind="pdf", source_index=index))
            return Analysis(pages=plans, pdf_info=document_info(document))
        finally:
            document.close()
