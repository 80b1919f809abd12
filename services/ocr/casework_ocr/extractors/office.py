"""Word processor files (DOCX, ODT, RTF, DOC): LibreOffice converts them to PDF, which then
gives real pages; their text layer is used, and any page that is only an image is OCR'd."""

from __future__ import annotations

from pathlib import Path

from casework_common.office import ConversionError, convert_to_pdf
from casework_ocr.extractors.base import Analysis, Context, Extractor, UnreadableError
from casework_ocr.extractors.pdf import PdfExtractor


class OfficeExtractor(Extractor):
    mime_types = frozenset(
        {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.oasis.opendocument.text",
            "application/msword",
            "text/rtf",
            "application/rtf",
        }
    )

    def analyse(self, path: Path, context: Context) -> Analysis:
        try:
            converted = convert_to_pdf(context.soffice, path, context.workdir / "converted", context.office_timeout_s)
        except ConversionError as exc:
            raise UnreadableError(str(exc)) from exc
        analysis = PdfExtractor().analyse(converted, context)
        analysis.converted = converted
        analysis.pdf_info = {}  # LibreOffice's, stamped at conversion: says nothing of the document's date
        return analysis
