"""Refuse request data that no casework store can keep or no reader should see.

Postgres rejects NUL in text (the request would end in a 500), and other C0 control characters
(ESC, BEL, ...) and the C1 controls (CSI, NEL, ...) would be stored and later replayed into
terminals, mails and PDFs. Tab, newline and carriage return stay allowed: notes and reasons are
free text over several lines.
Very deep nesting is refused before any model or JSON encoder recurses over it.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except \t \n \r, DEL, and the C1 controls (U+0080-U+009F: CSI, NEL... which terminals
# act on as they do on ESC sequences; no text a person types holds them).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_DEPTH = 32


def control_character_errors(data: Any, root: str = "") -> list[dict[str, str]]:
    """One error per string (object keys included) in ``data`` holding a refused control character,
    and one if ``data`` nests deeper than :data:`MAX_DEPTH`; ``field`` is the dotted path, as in
    the validation errors of :func:`casework_common.web.validate`."""
    errors: list[dict[str, str]] = []
    # An explicit stack, not recursion: the data may be as deep as the JSON parser allowed.
    stack: list[tuple[str, Any, int]] = [(root, data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            errors.append({"field": path, "message": f"Nested more than {MAX_DEPTH} levels deep."})
            continue
        if isinstance(value, str):
            if CONTROL.search(value):
                errors.append({"field": path, "message": "Control characters (such as NUL) are not allowed."})
        elif isinstance(value, dict):
            for key, item in value.items():
                shown = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(key))  # the name stays readable
                child = f"{path}.{shown}" if path else shown
                if isinstance(key, str) and CONTROL.search(key):
                    errors.append({"field": child, "message": "Control characters (such as NUL) are not allowed."})
                stack.append((child, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item, depth + 1) for i, item in enumerate(value))
    return sorted(errors, key=lambda e: e["field"])
