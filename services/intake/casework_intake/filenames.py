"""Uploaders' filenames are display text only: never a path, never trusted."""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 200


def display_name(raw: str | None) -> str:
    """A safe, readable name: last path component, no control or format characters, bounded length."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = (
        "".join(
            ch
            for ch in unicodedata.normalize("NFC", name)
            if unicodedata.category(ch)[0] != "C"  # Cc control, Cf format (bidi overrides), Cs, Co, Cn
        )
        .strip()
        .strip(".")
    )
    if len(name) > MAX_LENGTH:
        _stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        name = name[: MAX_LENGTH - len(keep) - 2] + "…" + ("." + keep if keep else "")
    return name or "unnamed"
