"""The text of a CSV file as people save it from a spreadsheet: UTF-8 (with or without the BOM Excel
writes), UTF-16 with a BOM, else Windows-1252 (Excel's "CSV" on a UK Windows machine). Shared by the
membership-export import (deploy/keycloak) and organising's target lists."""

from __future__ import annotations

import codecs


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with ("utf-8", "utf-16" or "windows-1252").

    ValueError with a sentence for people when the bytes are none of these."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ValueError("The file starts as UTF-16 but is not valid UTF-16.") from exc
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # Strict: the five bytes Windows-1252 leaves undefined mean the file is something else.
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"The file is neither UTF-8 nor Windows-1252 text (byte {exc.start}); save it as CSV (UTF-8)."
        ) from exc


# A cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A CSV cell of typed-in text made inert for spreadsheets: a leading apostrophe before a formula
    start. Anything else (numbers, None, ordinary text) is returned as it is."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value
