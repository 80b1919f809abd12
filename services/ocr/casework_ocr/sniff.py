"""File type from content (libmagic), never from the uploader's name or declared type."""

from __future__ import annotations

from pathlib import Path

import magic


def mime_type(path: Path) -> str:
    return magic.from_file(str(path), mime=True)
