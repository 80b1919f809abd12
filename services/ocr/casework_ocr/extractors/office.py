"""Word processor files (DOCX, ODT, RTF, DOC): LibreOffice converts them to PDF, which then
gives real pages; their text layer is used, and any page that is only an image is OCR'd."""

from __future__ import annotations

import subprocess
from pathlib import Path

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
        outdir = context.workdir / "converted"
        outdir.mkdir(exist_ok=True)
        # A private LibreOffice profile per conversion: concurrent conversions must not share one.
        profile = (context.workdir / "lo-profile").as_uri()
        try:
            subprocess.run(  # noqa: S603 - fixed argv; the file is data, never a command
                [
                    context.soffice,
                    "--headless",
                    "--norestore",
                    f"-env:UserInstallation={profile}",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(outdir),
                    str(path),
                ],
                check=False,
                capture_output=True,
                timeout=context.office_timeout_s,
            )
        except subprocess.TimeoutExpired as exc:
            raise UnreadableError(f"The document could not be converted within {context.office_timeout_s}s.") from exc
        converted = outdir / f"{path.stem}.pdf"
        if not converted.exists():
            raise UnreadableError("The document could not be converted (it may be corrupt or password protected).")
        analysis = PdfExtractor().analyse(converted, context)
        analysis.converted = converted
        analysis.pdf_info = {}  # LibreOffice's, stamped at conversion: says nothing of the document's date
        return analysis
