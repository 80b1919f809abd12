"""The TrueType fonts the bundle's own pages (title, index, rendered emails) are set in.

DejaVu Sans (Debian's fonts-dejavu-core) covers Latin incl. Latin Extended, Greek and Cyrillic, so names such
as "Łukasz Wiśniewski" or "Zoë Ó Briain" print and stay in the text layer.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "CaseworkSans"
BOLD = "CaseworkSans-Bold"

_SEARCH_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts",
    "/usr/share/fonts",
)


def _find(filename: str) -> Path:
    override = os.environ.get("CASEWORK_BUNDLE_FONT_DIR")
    dirs = (override, *_SEARCH_DIRS) if override else _SEARCH_DIRS
    for base in dirs:
        direct = Path(base) / filename
        if direct.is_file():
            return direct
    for base in dirs:
        if Path(base).is_dir():
            for found in Path(base).rglob(filename):
                return found
    raise FileNotFoundError(f"{filename} not found: install Debian's fonts-dejavu-core or set CASEWORK_BUNDLE_FONT_DIR")


def available() -> bool:
    """Whether the fonts are installed (a worker without them can build nothing: it is not ready)."""
    try:
        _find("DejaVuSans.ttf"), _find("DejaVuSans-Bold.ttf")
    except FileNotFoundError:
        return False
    return True


@functools.cache
def register() -> tuple[str, str]:
    """Register the regular and bold fonts with reportlab (once per process); returns their names."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(_find("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(BOLD, str(_find("DejaVuSans-Bold.ttf"))))
    return REGULAR, BOLD


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` points: at spaces where possible, inside a word that is
    longer than a whole line. Newlines in ``text`` start new lines; an empty paragraph gives an empty line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if pdfmetrics.stringWidth(candidate, font, size) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            # a word longer than a line is broken where it reaches the margin
            while pdfmetrics.stringWidth(word, font, size) > width:
                cut = _fit(word, font, size, width)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def _fit(word: str, font: str, size: float, width: float) -> int:
    """How many leading characters of ``word`` fit in ``width`` (at least one, so wrapping always advances)."""
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pdfmetrics.stringWidth(word[:mid], font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo
