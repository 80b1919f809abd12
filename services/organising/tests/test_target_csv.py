"""Reading target lists as people save them (pure logic; the API is tested in tests/test_organising_results.py)."""

from __future__ import annotations

import codecs

import pytest

from casework_organising import target_csv
from casework_organising.api.results import to_csv


def test_excel_on_windows_semicolons_and_loose_headers() -> None:
    text = "FULL  NAME;Dept.;Site;Member No.;E-mail\r\nZoë O'Brien;Catering;Holloway;;zoe@example.org\r\n"
    text += '"Núñez, José";Admin;Holloway;m-123;\r\n\r\n'
    parsed = target_csv.parse(text.encode("cp1252"), 100)
    assert (parsed.encoding, parsed.delimiter, parsed.ignored_columns) == ("windows-1252", ";", ["E-mail"])
    assert [(e.name, e.department, e.membership_number, e.is_member) for e in parsed.entries] == [
        ("Zoë O'Brien", "Catering", None, False),
        ("Núñez, José", "Admin", "M-123", True),
    ]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "Name,Workplace\nZoë,Depot\n".encode(), "utf-8"),
        ("Name\tWorkplace\nZoë\tDepot\n".encode("utf-16"), "utf-16"),
    ],
)
def test_utf8_with_bom_and_utf16(data: bytes, encoding: str) -> None:
    parsed = target_csv.parse(data, 10)
    assert parsed.encoding == encoding
    assert [(e.name, e.workplace) for e in parsed.entries] == [("Zoë", "Depot")]


def test_first_name_and_surname_make_the_name() -> None:
    parsed = target_csv.parse(b"Forename,Surname,Location\nAmy,Lee,Depot\n", 10)
    assert parsed.entries[0].name == "Amy Lee"


def test_every_bad_row_is_named_with_its_column() -> None:
    data = b"Name,Site,Membership number\nAmy,Depot,\n,Depot,\nBen,,\nCal,Depot,!!\n"
    parsed = target_csv.parse(data, 10)
    assert parsed.bad_rows == 3
    assert [(e["row"], e["column"], e["field"]) for e in parsed.errors] == [
        (3, "Name", "rows.3.name"),
        (4, "Site", "rows.4.workplace"),
        (5, "Membership number", "rows.5.membership_number"),
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [(b"", "body"), (b"Name,Email\nAmy,a@b\n", "header"), (b"Name,Site\n", "body"), (b"\x81\x8d\xff", "body")],
)
def test_unreadable_files(data: bytes, field: str) -> None:
    with pytest.raises(target_csv.Unreadable) as raised:
        target_csv.parse(data, 10)
    assert raised.value.field == field


def test_row_limit() -> None:
    with pytest.raises(target_csv.Unreadable, match="more than 2"):
        target_csv.parse(b"Name,Site\na,b\nc,d\ne,f\n", 2)


def test_csv_export_suppresses_small_issue_counts_and_defuses_formulas() -> None:
    found = {
        "issues": [
            {"category": "pay", "workplace": "=HYPERLINK()", "count": 7, "suppressed": False},
            {"category": "equality", "workplace": "Depot", "count": 2, "suppressed": False},
        ]
    }
    assert to_csv("issues", found, 5).splitlines() == [
        "Issue,Workplace,Times raised",
        "Pay,'=HYPERLINK(),7",
        "Equality,Depot,<5",
    ]
