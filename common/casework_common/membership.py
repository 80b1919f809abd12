"""Membership numbers as people type them: blanks anywhere and lower case are accepted and normalised;
anything else is refused with the reason. Defined once here, so every service that looks a member up
by number (workflow's cases and subject access, organising's target lists) compares the same form."""

from __future__ import annotations

import re

# The form cases store (workflow's schemas.Member: letters, digits and hyphens, 3 to 32; upper case).
NUMBER = re.compile(r"^[A-Z0-9-]{3,32}$")
MAX_TYPED = 64  # room for blanks around and inside what was typed
# The blanks a typed number may hold (as printed on cards: "M10 0001"); a POSIX class for Postgres too.
BLANKS = "[ \u00a0]+"


def normalise(typed: str) -> str:
    """The stored form of a typed membership number ("m10 0001 " -> "M100001"); ValueError says why not."""
    # Blanks inside, and any whitespace around (a pasted line); a line break or tab inside is not how a
    # number is typed and is refused by the pattern.
    compact = re.sub(BLANKS, "", typed.strip()).upper()
    if not compact:
        raise ValueError("Enter a membership number.")
    if not NUMBER.fullmatch(compact):
        raise ValueError("A membership number is 3 to 32 letters, digits or hyphens (blanks are ignored).")
    return compact
