"""Rendering emails and plain text as A4 PDF pages with a real text layer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def render_text_pdf(text: str, out: Path, title: str = "", headers: Mapping[str, str] | None = None) -> Path:
    """Write ``text`` as A4 pages to ``out`` and return ``out``.

    For an email, ``headers`` (e.g. From, To, Date, Subject) are set as a block on top of the first page;
    ``title`` (if given) is a heading above it. Long lines are wrapped (words longer than a line are broken);
    any Unicode text the DejaVu Sans font covers (Latin incl. Extended, Greek, Cyrillic) is shown and every
    character stays in the text layer.
    """
    raise NotImplementedError
