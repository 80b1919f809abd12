"""The bundle's front matter: a title page and the index, drawn with reportlab.

The index lists every document of the bundle (with a volume column when there are several volumes), grouped
under section headings; the layout is the same in every volume, so every volume's front matter has the same
number of pages. It returns where each row was drawn, so the builder can make the row a link.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from casework_bundle.assemble import fonts
from casework_bundle.assemble.model import BundleOptions, IndexRow

_MARGIN = 50.0
_SIZE = 9.0
_LEADING = 11.5
_ROW_PAD = 3.0


@dataclass(frozen=True)
class RowLink:
    """Where an index row was drawn: the front-matter page (0-based) and its rectangle in points."""

    row: IndexRow
    page: int
    rect: tuple[float, float, float, float]


def display_date(date: str) -> str:
    """An ISO date as the index shows it ("5 Mar 2024"); "undated" for ""; anything else as given."""
    if not date:
        return "undated"
    for fmt, out in (("%Y-%m-%d", "{d.day} {d:%b %Y}"), ("%Y-%m", "{d:%b %Y}"), ("%Y", "{d:%Y}")):
        try:
            return out.format(d=dt.datetime.strptime(date, fmt))
        except ValueError:
            continue
    return date


def page_range(row: IndexRow) -> str:
    """A row's pages as the index shows them."""
    return str(row.first_page) if row.first_page == row.last_page else f"{row.first_page}–{row.last_page}"


def render_front(
    options: BundleOptions,
    rows: Sequence[IndexRow],
    sections: Sequence[str],
    volume: int,
    volumes: int,
    volume_pages: tuple[int, int],
) -> tuple[bytes, int, list[RowLink]]:
    """The title page and index of ``volume`` (1-based) as PDF bytes, its page count and where each row is.

    ``rows`` are every document of the bundle in order, ``sections`` the section names in bundle order,
    ``volume_pages`` the first and last bundle page of this volume.
    """
    regular, bold = fonts.register()
    page_w, page_h = A4
    width = page_w - 2 * _MARGIN
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(options.title)
    canvas.setCreator("Casework bundle")

    # title page
    y = page_h - 200
    for part in fonts.wrap(options.title, bold, 24, width):
        canvas.setFont(bold, 24)
        canvas.drawCentredString(page_w / 2, y, part)
        y -= 30
    y -= 20
    lines = [*options.details]
    if volumes > 1:
        lines.append(f"Volume {volume} of {volumes}: pages {volume_pages[0]}–{volume_pages[1]}")
    total = rows[-1].last_page if rows else 0
    lines.append(f"{len(rows)} documents, {total} pages")
    for line in lines:
        for part in fonts.wrap(line, regular, 12, width):
            if y < _MARGIN:
                break
            canvas.setFont(regular, 12)
            canvas.drawCentredString(page_w / 2, y, part)
            y -= 17
    canvas.showPage()
    pages = 1

    # index: columns No. | Date | Document | Type | Pages [| Vol]
    columns = [("No.", 28.0), ("Date", 66.0), ("Document", 0.0), ("Type", 96.0), ("Pages", 52.0)]
    if volumes > 1:
        columns.append(("Vol.", 28.0))
    fixed = sum(w for _, w in columns)
    columns[2] = ("Document", width - fixed)
    xs: list[float] = []
    x = _MARGIN
    for _, w in columns:
        xs.append(x)
        x += w

    links: list[RowLink] = []
    y = 0.0

    def new_page(first: bool) -> None:
        nonlocal y, pages
        if not first:
            canvas.showPage()
            pages += 1
        y = page_h - _MARGIN
        canvas.setFont(bold, 16)
        canvas.drawString(_MARGIN, y - 16, "Index" if first else "Index (continued)")
        y -= 34
        canvas.setFont(bold, _SIZE)
        for (name, _), cx in zip(columns, xs, strict=True):
            canvas.drawString(cx, y - _SIZE, name)
        y -= _LEADING + _ROW_PAD
        canvas.setLineWidth(0.6)
        canvas.line(_MARGIN, y, page_w - _MARGIN, y)

    new_page(first=True)
    by_section: dict[str, list[IndexRow]] = {}
    for row in rows:
        by_section.setdefault(row.section, []).append(row)
    for section in sections:
        section_rows = by_section.get(section, [])
        if not section_rows:
            continue
        if y - 2 * (_LEADING + _ROW_PAD) - 8 < _MARGIN:
            new_page(first=False)
        y -= 8
        canvas.setFont(bold, _SIZE + 1)
        canvas.drawString(_MARGIN, y - _SIZE - 1, section)
        y -= _LEADING + 2 * _ROW_PAD
        for row in section_rows:
            cells = [
                [str(row.number)],
                [display_date(row.date)],
                fonts.wrap(row.title or "(untitled)", regular, _SIZE, columns[2][1] - 6),
                fonts.wrap(row.kind, regular, _SIZE, columns[3][1] - 6),
                [page_range(row)],
            ]
            if volumes > 1:
                cells.append([str(row.volume)])
            height = max(len(c) for c in cells) * _LEADING + 2 * _ROW_PAD
            if y - height < _MARGIN:
                new_page(first=False)
            top = y
            canvas.setFont(regular, _SIZE)
            for cell, cx in zip(cells, xs, strict=True):
                line_y = top - _ROW_PAD - _SIZE
                for part in cell:
                    canvas.drawString(cx, line_y, part)
                    line_y -= _LEADING
            y -= height
            canvas.setLineWidth(0.25)
            canvas.setStrokeGray(0.7)
            canvas.line(_MARGIN, y, page_w - _MARGIN, y)
            canvas.setStrokeGray(0)
            links.append(RowLink(row=row, page=pages, rect=(_MARGIN, y, page_w - _MARGIN, top)))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue(), pages + 1, links
