"""Reading a membership export: CSV rows of membership number, name, email, branch, region and role.

Exports come from membership systems and spreadsheets, so the file may be UTF-8 with or without a
byte-order mark, or Windows-1252 (Excel's "CSV" on Windows), comma- or semicolon-separated, with
headers in any case. Every row is checked on its own; a bad row is reported with its line number
and skipped, and the rest still count.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from casework_common import spreadsheet_text
from casework_common.auth import HUMAN_ROLES

#: Header spellings accepted for each field (compared after lower-casing and folding punctuation to "_").
HEADERS: dict[str, tuple[str, ...]] = {
    "membership_number": ("membership_number", "membership_no", "member_number", "member_no", "number"),
    "name": ("name", "full_name", "member_name"),
    "email": ("email", "email_address", "e_mail"),
    "branch": ("branch",),
    "region": ("region",),
    "role": ("role", "roles"),
}
REQUIRED = ("membership_number", "name", "email", "branch", "region")

_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,63}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ExportError(ValueError):
    """The file as a whole cannot be read (encoding, missing columns)."""


@dataclass(frozen=True)
class Member:
    """One valid row."""

    row: int
    membership_number: str
    first_name: str
    last_name: str
    email: str
    branch: str
    region: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass
class Export:
    members: list[Member] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Every membership number the file names, valid row or not: nobody named here is a leaver.
    named: set[str] = field(default_factory=set)
    encoding: str = "utf-8"


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and its encoding (casework_common.spreadsheet_text); ExportError if unreadable."""
    try:
        return spreadsheet_text.decode(data)
    except ValueError as exc:
        raise ExportError(str(exc)) from exc


def _fold(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def _columns(headers: Iterable[str]) -> dict[str, int]:
    folded = [_fold(h) for h in headers]
    columns: dict[str, int] = {}
    for name, spellings in HEADERS.items():
        found = next((n for n, h in enumerate(folded) if h in spellings), None)
        if found is not None:
            columns[name] = found
    missing = [n for n in REQUIRED if n not in columns]
    if missing:
        raise ExportError(f"the header row lacks {', '.join(missing)} (found: {', '.join(headers)})")
    return columns


def _slug(value: str) -> str:
    return re.sub(r"[\s_]+", "-", value.strip().lower())


def split_name(name: str) -> tuple[str, str]:
    """First and last name the way the portal shows them: the last word is the family name."""
    words = name.split()
    if len(words) == 1:
        return words[0], ""
    return " ".join(words[:-1]), words[-1]


def _member(row: int, cells: dict[str, str]) -> tuple[Member | None, list[str]]:
    problems: list[str] = []
    number = cells["membership_number"].strip().upper()
    if not _NUMBER.match(number):
        problems.append(f"membership number {cells['membership_number']!r} is not letters, digits and '-'")
    name = " ".join(cells["name"].split())
    if not name:
        problems.append("the name is empty")
    elif len(name) > 255:
        problems.append("the name is longer than 255 characters")
    email = cells["email"].strip().lower()
    if not _EMAIL.match(email) or len(email) > 255:
        problems.append(f"email {cells['email']!r} is not an email address")
    branch, region = _slug(cells["branch"]), _slug(cells["region"])
    for label, value, raw in (("branch", branch, cells["branch"]), ("region", region, cells["region"])):
        if not _SLUG.match(value):
            problems.append(f"{label} {raw!r} is empty or not a name like 'north-london'")
    roles = tuple(dict.fromkeys(r for r in re.split(r"[\s;,|/]+", cells.get("role", "").lower()) if r)) or ("member",)
    unknown = [r for r in roles if r not in HUMAN_ROLES]
    if unknown:
        problems.append(f"role {', '.join(unknown)} is not one of {', '.join(HUMAN_ROLES)}")
    if problems:
        return None, problems
    first, last = split_name(name)
    return Member(row, number, first, last, email, branch, region, roles), []


def read_export(data: bytes) -> Export:
    """Parse and check a membership export; rows are numbered as a spreadsheet shows them (header = 1)."""
    text, encoding = decode(data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(reader, None)
    if not header:
        raise ExportError("the file is empty")
    columns = _columns(header)
    export = Export(encoding=encoding)
    numbers: dict[str, int] = {}
    emails: dict[str, int] = {}
    for row, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        cells = {name: values[index] if index < len(values) else "" for name, index in columns.items()}
        number = cells["membership_number"].strip().upper()
        if number:
            export.named.add(number)
        member, problems = _member(row, cells)
        if member and member.membership_number in numbers:
            problems = [f"membership number {number} is also on row {numbers[member.membership_number]}"]
        elif member and member.email in emails:
            problems = [f"email {member.email} is also on row {emails[member.email]}"]
        if problems:
            export.errors.extend(RowError(row, p) for p in problems)
            continue
        assert member is not None
        numbers[member.membership_number] = row
        emails[member.email] = row
        export.members.append(member)
    return export
