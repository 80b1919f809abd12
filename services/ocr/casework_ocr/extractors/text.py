"""Plain text and HTML: decoded (any common encoding), split into pages of readable length."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from charset_normalizer import from_bytes

from casework_ocr.extractors.base import Analysis, Context, Extractor, text_pages


def decode(data: bytes) -> str:
    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", "replace")


def html_to_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "noscript", "template"]):
        hidden.decompose()
    text = soup.get_text("\n")
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


class TextExtractor(Extractor):
    mime_types = frozenset({"text/plain", "text/csv", "text/markdown"})

    def analyse(self, path: Path, context: Context) -> Analysis:
        text = decode(path.read_bytes())
        return Analysis(pages=text_pages(text, context.limits.max_text_page_chars, context.limits.max_pages))


class HtmlExtractor(Extractor):
    mime_types = frozenset({"text/html", "application/xhtml+xml"})

    def analyse(self, path: Path, context: Context) -> Analysis:
        text = html_to_text(decode(path.read_bytes()))
        return Analysis(pages=text_pages(text, context.limits.max_text_page_chars, context.limits.max_pages))
