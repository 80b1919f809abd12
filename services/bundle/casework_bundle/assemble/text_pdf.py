"""Rendering emails and plain text as A4 PDF pages with a real text layer."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from casework_bundle.assemble import fonts

_MARGIN = 56.0  # points (about 2 cm)
_BODY_SIZE = 10.5
_LEADING = 14.0
# control characters other than newline and tab would print as boxes or be refused by the font
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    # characters outside the Basic Multilingual Plane (emoji) are not in the font; keep a visible stand-in
    return "".join(ch if ord(ch) <= 0xFFFF else "\ufffd" for ch in text)


def render_text_pdf(text: str, out: Path, title: str = "", headers: Mapping[str, str] | None = None) -> Path:
    """Write ``text`` as A4 pages to ``out`` and return ``out``.

    For an email, ``headers`` (e.g. From, To, Date, Subject) are set as a block on top of the first page;
    ``title`` (if given) is a heading above it. Long lines are wrapped (words longer than a line are broken);
    any Unicode text the DejaVu Sans font covers (Latin incl. Extended, Greek, Cyrillic) is shown and every
    character stays in the text layer. Characters outside the Basic Multilingual Plane become U+FFFD.
    """
    regular, bold = fonts.register()
    page_w, page_h = A4
    width = page_w - 2 * _MARGIN
    canvas = Canvas(str(out), pagesize=A4, pageCompression=1)
    canvas.setTitle(_clean(title))
    canvas.setCreator("Casework bundle")
    y = page_h - _MARGIN

    def need(height: float) -> None:
        nonlocal y
        if y - height < _MARGIN:
            canvas.showPage()
            y = page_h - _MARGIN

    def line(content: str, font: str, size: float, leading: float, x: float = _MARGIN) -> None:
        nonlocal y
        need(leading)
        y -= leading
        canvas.setFont(font, size)
        canvas.drawString(x, y, content)

    if title:
        for part in fonts.wrap(_clean(title), bold, 14, width):
            line(part, bold, 14, 19)
        y -= 8
    if headers:
        label_w = max(fonts.pdfmetrics.stringWidth(f"{name}:", bold, _BODY_SIZE) for name in headers) + 8
        for name, value in headers.items():
            parts = fonts.wrap(_clean(value), regular, _BODY_SIZE, width - label_w) or [""]
            need(_LEADING * min(len(parts), 3))
            line(parts[0], regular, _BODY_SIZE, _LEADING, _MARGIN + label_w)
            canvas.setFont(bold, _BODY_SIZE)
            canvas.drawString(_MARGIN, y, f"{_clean(name)}:")  # the label on its value's first line
            for part in parts[1:]:
                line(part, regular, _BODY_SIZE, _LEADING, _MARGIN + label_w)
        y -= 6
        need(10)
        canvas.setLineWidth(0.5)
        canvas.line(_MARGIN, y, page_w - _MARGIN, y)
        y -= 8
    for part in fonts.wrap(_clean(text), regular, _BODY_SIZE, width):
        line(part, regular, _BODY_SIZE, _LEADING)
    canvas.showPage()
    canvas.save()
    return out
