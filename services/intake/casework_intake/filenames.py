"""Uploaders' filenames are display text only: never a path, never trusted. The bytes a name came
as are kept beside it (``original_name``), read in the charset that fits them best."""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

import charset_normalizer
from werkzeug.http import parse_options_header

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


@dataclass(frozen=True)
class OriginalName:
    """A file part's name as it came: its bytes, the charset they were read in, and the text."""

    raw: bytes
    charset: str
    text: str


# Charsets a file name that is not UTF-8 is tried in: the legacy Windows and national ones that
# mail clients and old browsers send. Short names fit many; among equally plausible readings
# Western Windows (cp1252) wins, the commonest by far.
LEGACY_CHARSETS = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "koi8_r", "shift_jis", "gb18030", "big5")
PREFERRED_LEGACY = "cp1252"
MAX_RAW_BYTES = 1024
# RFC 6266 / RFC 8187: filename*=charset'language'percent-encoded-bytes
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_EXTENDED_FILENAME = re.compile(r"""(?:^|;)\s*filename\*\s*=\s*"?([A-Za-z0-9!#$%&+^_`{}~-]*)'[^']*'([^;"\s]*)""", re.I)


def decode_name(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """The text of a file name's bytes and the charset it was read in: the ``declared`` one when it
    fits, else UTF-8, else charset-normalizer's best guess among LEGACY_CHARSETS, else Latin-1
    (every byte a character, so nothing is ever replaced)."""
    for charset in (declared, "utf-8"):
        if charset:
            try:
                return raw.decode(charset), codecs.lookup(charset).name
            except (LookupError, UnicodeError, ValueError):  # idna and friends raise UnicodeError, not ...DecodeError
                continue
    matches = list(charset_normalizer.from_bytes(raw, cp_isolation=list(LEGACY_CHARSETS)))
    if matches:
        least = min(match.chaos for match in matches)
        plausible = [match for match in matches if match.chaos == least]
        if any(PREFERRED_LEGACY in match.could_be_from_charset for match in plausible):
            return raw.decode(PREFERRED_LEGACY), PREFERRED_LEGACY
        return str(plausible[0]), plausible[0].encoding
    return raw.decode("latin-1"), "latin-1"


def original_name(disposition: str) -> OriginalName | None:
    """The file name of a part's Content-Disposition, read byte for byte: ``disposition`` holds the
    header's bytes one character each (Latin-1), as multipart.py reads part headers. ``filename*``
    (its bytes percent-encoded, its charset named) wins over ``filename`` (RFC 6266 4.3)."""
    # Searched outside quoted strings: filename="a;filename*=utf-8''x.exe" names a file "a;...".
    extended = _EXTENDED_FILENAME.search(_QUOTED.sub('""', disposition))
    if extended:
        charset, encoded = extended.groups()
        raw = unquote_to_bytes(encoded)[:MAX_RAW_BYTES]
        text, used = decode_name(raw, charset or None)
        return OriginalName(raw, used, text)
    plain = parse_options_header(disposition)[1].get("filename")
    if plain is None:
        return None
    raw = plain.encode("latin-1", "replace")[:MAX_RAW_BYTES]
    text, used = decode_name(raw)
    return OriginalName(raw, used, text)
