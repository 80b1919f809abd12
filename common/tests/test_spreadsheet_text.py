"""CSV text as spreadsheets save it, and cells made inert for them (pure logic)."""

import pytest

from casework_common import spreadsheet_text


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Zoë,Depot\n".encode("utf-8-sig"), "utf-8"),
        ("Zoë,Depot\n".encode(), "utf-8"),
        ("Zoë,Depot\n".encode("utf-16"), "utf-16"),
        ("Zoë,Depot\n".encode("cp1252"), "windows-1252"),
    ],
)
def test_each_encoding_people_save_in_is_read(data: bytes, encoding: str) -> None:
    assert spreadsheet_text.decode(data) == ("Zoë,Depot\n", encoding)


def test_bytes_of_no_such_encoding_are_refused_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="neither UTF-8 nor Windows-1252"):
        spreadsheet_text.decode(b"\x81\x8d\xff")


@pytest.mark.parametrize("cell", ["=HYPERLINK(1)", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_formula_start_gets_an_apostrophe(cell: str) -> None:
    assert spreadsheet_text.safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Holloway depot", "O'Brien", "", 5, None, -3])
def test_anything_else_is_left_as_it_is(cell: object) -> None:
    assert spreadsheet_text.safe_cell(cell) == cell
