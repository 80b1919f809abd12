"""PDF: the text layer page by page; pages without usable text are rendered for OCR."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium

from casework_ocr.extractors.base import ExtractOptions, Extractor, Page, UnreadableError, usable_text


class PdfExtractor(Extractor):
    mime_types = frozenset({"application/pdf"})

    def pages(self, path: Path, options: ExtractOptions) -> Iterator[Page]:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise UnreadableError(f"The PDF cannot be opened: {exc}") from exc
        try:
            for index in range(len(document)):
                page = document[index]
                try:
                    textpage = page.get_textpage()
                    text = textpage.get_text_bounded()
                    textpage.close()
                    if usable_text(text, options.min_text_layer_chars):
                        yield Page(number=index + 1, text=text)
                    else:
                        bitmap = page.render(scale=options.dpi / 72, grayscale=True)
                        yield Page(number=index + 1, image=bitmap.to_pil())
                finally:
                    page.close()
        finally:
            document.close()
