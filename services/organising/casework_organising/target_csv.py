"""Reading a branch's staff or membership list as people save it from Excel or a membership system.

- Encodings: UTF-8 (with or without a byte-order mark), UTF-16 with a BOM (Excel's "Unicode text"),
  else Windows-1252 (Excel's "CSV" on a Windows PC in the UK): "Zoë O'Brien" keeps its letters.
- Delimiters: comma, semicolon (Excel where the decimal mark is a comma) or tab, taken from the
  header line (the header rarely holds a delimiter inside quotes; data rows often do).
- Headers matched loosely: case, spaces, punctuation and common aliases ("Full Name", "Dept",
  "Member No."); a first-name and a surname column make the name. Other columns (email, phone...)
  are ignored and never stored: the list keeps what targeting needs and nothing more.
- Every bad row is named (row number as a spreadsheet shows it, the header row being 1, and the
  column), so the branch can fix the file in one go.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from casework_common import spreadsheet_text

MAX_NAME = 200
MAX_WORKPLACE = 200
MAX_DEPARTMENT = 200
MAX_MEMBERSHIP_NUMBER = 40
MAX_ERRORS_LISTED = 200
DELIMITERS = (",", ";", "\t")

# Normalised header -> the field it fills. Normalised: lower case, anything not a letter or digit
# made one space (so "Member No.", "member_no" and "MEMBER  NO" are one).
ALIASES: dict[str, str] = {
    **dict.fromkeys(("name", "full name", "fullname", "employee name", "staff name", "member name"), "name"),
    **dict.fromkeys(("first name", "firstname", "forename", "forenames", "given name"), "first_name"),
    **dict.fromkeys(("last name", "lastname", "surname", "family name"), "last_name"),
    **dict.fromkeys(
        ("workplace", "site", "location", "work location", "place of work", "workplace name", "base"), "workplace"
    ),
    **dict.fromkeys(("department", "dept", "team", "section", "unit", "service"), "department"),
    **dict.fromkeys(
        (
            "membership number",
            "membership no",
            "membership num",
            "member no",
            "member number",
            "member num",
            "membership id",
            "member id",
            "membership",
        ),
        "membership_number",
    ),
}
LABELS = {
    "name": "name",
    "workplace": "workplace",
    "department": "department",
    "membership_number": "membership number",
}
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MEMBERSHIP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 /\-]*$")


@dataclass(frozen=True)
class Entry:
    """One person on the list: a known member when the row has a membership number."""

    name: str
    workplace: str
    department: str
    membership_number: str | None

    @property
    def is_member(self) -> bool:
        return self.membership_number is not None


@dataclass
class Parsed:
    """The entries, or the reasons the file was refused (each naming its row and column)."""

    entries: list[Entry] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)
    bad_rows: int = 0
    encoding: str = ""
    delimiter: str = ""
    ignored_columns: list[str] = field(default_factory=list)


class Unreadable(ValueError):
    """The file as a whole cannot be read as a list (encoding, no header, missing columns)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with (casework_common.spreadsheet_text); Unreadable if none."""
    try:
        return spreadsheet_text.decode(data)
    except ValueError as exc:
        raise Unreadable("body", str(exc)) from exc


def normalise_header(header: str) -> str:
    """A header as matched against ALIASES: lower case, punctuation and runs of spaces as one space."""
    return _NOT_WORD.sub(" ", header.lower()).strip()


def sniff_delimiter(text: str) -> str:
    """The delimiter the header line uses most (comma on a tie or when it holds none)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _clean(value: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub("", value)).strip()


def parse(data: bytes, max_rows: int) -> Parsed:
    """Read a CSV list (see the module's docstring). Raises :class:`Unreadable` for a file that is not
    a list at all; bad rows are in ``errors`` (at most MAX_ERRORS_LISTED listed, ``bad_rows`` counts all)."""
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(row for row in reader if any(cell.strip() for cell in row))
    except StopIteration:
        raise Unreadable("body", "The file is empty: it needs a header row and one row per person.") from None
    except csv.Error as exc:
        raise Unreadable("body", f"The header row cannot be read: {exc}.") from exc
    columns: dict[str, int] = {}
    originals: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = ALIASES.get(normalise_header(header))
        if key is None or key in columns:
            if header.strip():
                ignored.append(_clean(header)[:100])
            continue
        columns[key] = index
        originals[key] = _clean(header)
    missing = []
    if "name" not in columns and not {"first_name", "last_name"} <= columns.keys():
        missing.append("name (or first name and surname)")
    if "workplace" not in columns:
        missing.append("workplace (or site, location)")
    if missing:
        raise Unreadable(
            "header",
            f"The header row has no column for {' and no column for '.join(missing)}. "
            f"It has: {', '.join(_clean(h) for h in headers if h.strip())[:500] or 'nothing'}.",
        )
    parsed = Parsed(encoding=encoding, delimiter=delimiter, ignored_columns=ignored)
    row_number = 1  # the header's; data rows are numbered as a spreadsheet shows them
    try:
        for row in reader:
            row_number += 1
            if not any(cell.strip() for cell in row):
                continue
            if len(parsed.entries) + parsed.bad_rows >= max_rows:
                raise Unreadable("body", f"The list has more than {max_rows:,} rows; split it by workplace.")
            problems = _check_row(row, row_number, columns, originals, len(headers))
            if problems:
                parsed.bad_rows += 1
                room = MAX_ERRORS_LISTED - len(parsed.errors)
                parsed.errors.extend(problems[: max(room, 0)])
                continue
            parsed.entries.append(_entry(row, columns))
    except csv.Error as exc:
        raise Unreadable("body", f"Row {row_number} cannot be read: {exc}.") from exc
    if not parsed.entries and not parsed.bad_rows:
        raise Unreadable("body", "The file has a header row but no one on it.")
    return parsed


def _cell(row: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    return _clean(row[index]) if index is not None and index < len(row) else ""


def _name(row: list[str], columns: dict[str, int]) -> str:
    if "name" in columns:
        return _cell(row, columns, "name")
    return " ".join(part for part in (_cell(row, columns, "first_name"), _cell(row, columns, "last_name")) if part)


def _entry(row: list[str], columns: dict[str, int]) -> Entry:
    number = _cell(row, columns, "membership_number")
    return Entry(
        name=_name(row, columns),
        workplace=_cell(row, columns, "workplace"),
        department=_cell(row, columns, "department"),
        membership_number=number.upper() or None,
    )


def _check_row(
    row: list[str], number: int, columns: dict[str, int], originals: dict[str, str], width: int
) -> list[dict[str, object]]:
    def problem(key: str, message: str) -> dict[str, object]:
        column = originals.get(key) or LABELS.get(key, key)
        return {"field": f"rows.{number}.{key}", "row": number, "column": column, "message": message}

    problems = []
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        problems.append(
            problem("row", f"Row {number} has {len(row)} cells but the header has {width}: a stray delimiter?")
        )
    name = _name(row, columns)
    if not name:
        problems.append(problem("name", f"Row {number} has no name."))
    elif len(name) > MAX_NAME:
        problems.append(problem("name", f"Row {number}: the name is longer than {MAX_NAME} characters."))
    workplace = _cell(row, columns, "workplace")
    if not workplace:
        problems.append(problem("workplace", f"Row {number} has no workplace."))
    elif len(workplace) > MAX_WORKPLACE:
        problems.append(problem("workplace", f"Row {number}: the workplace is longer than {MAX_WORKPLACE} characters."))
    if len(_cell(row, columns, "department")) > MAX_DEPARTMENT:
        problems.append(
            problem("department", f"Row {number}: the department is longer than {MAX_DEPARTMENT} characters.")
        )
    membership = _cell(row, columns, "membership_number")
    if membership and (len(membership) > MAX_MEMBERSHIP_NUMBER or not _MEMBERSHIP.match(membership)):
        problems.append(problem("membership_number", f"Row {number}: {membership[:50]!r} is not a membership number."))
    return problems
