"""Membership numbers as people type them: blanks anywhere and lower case are accepted and normalised;
anything else is refused with the reason."""

from __future__ import annotations

import re

# The form cases store (schemas.Member: letters, digits and hyphens, 3 to 32; cases.py upper-cases it).
NUMBER = re.compile(r"^[A-Z0-9-]{3,32}$")
MAX_TYPED = 64  # room for blanks around and inside what was typed


def normalise(typed: str) -> str:
    """The stored form of a typed membership number ("m10 0001 " -> "M100001"); ValueError says why not."""
    # Blanks inside (as printed on cards: "M10 0001"), and any whitespace around (a pasted line); a
    # line break or tab inside is not how a number is typed and is refused by the pattern.
    compact = re.sub(r"[ \u00a0]+", "", typed.strip()).upper()
    if not compact:
        raise ValueError("Enter a membership number.")
    if not NUMBER.fullmatch(compact):
        raise ValueError("A membership number is 3 to 32 letters, digits or hyphens (blanks are ignored).")
    return compact
