"""Reading membership exports: encodings, separators, headers and per-row checks (pure logic)."""

from __future__ import annotations

import pytest
from casework_keycloak.members import ExportError, read_export, split_name

HEADER = "Membership Number,Name,Email,Branch,Region,Role\r\n"


def test_utf8_with_bom_and_windows_1252_give_the_same_names() -> None:
    rows = HEADER + "m300001,Siobhán Ó Briain,SIOBHAN@example.org,North London,london,member\r\n"
    with_bom = read_export(b"\xef\xbb\xbf" + rows.encode("utf-8"))
    windows = read_export(rows.encode("cp1252"))
    plain = read_export(rows.encode("utf-8"))
    assert (with_bom.encoding, windows.encoding, plain.encoding) == ("utf-8", "windows-1252", "utf-8")
    assert with_bom.members == windows.members == plain.members
    (member,) = plain.members
    assert (member.first_name, member.last_name) == ("Siobhán Ó", "Briain")
    assert member.membership_number == "M300001" and member.email == "siobhan@example.org"
    assert member.branch == "north-london" and member.roles == ("member",)


def test_semicolons_and_other_header_spellings() -> None:
    text = (
        "membership_no;full name;E-mail;branch;region;roles\nM1;Zoë Ngata;zoe@example.org;b1;r1;official, caseworker\n"
    )
    (member,) = read_export(text.encode()).members
    assert member.roles == ("official", "caseworker") and member.first_name == "Zoë"


def test_each_bad_row_is_reported_with_its_line_and_the_rest_still_count() -> None:
    text = (
        HEADER
        + "M1,Ann Lee,ann@example.org,b1,r1,member\n"
        + "M2,,bob@example.org,b1,r1,member\n"
        + "M3,Cy Do,not-an-email,b1,r1,member\n"
        + "M4,Di Ek,di@example.org,b1,r1,chief\n"
        + "M1,Ann Again,ann2@example.org,b1,r1,member\n"
        + "M5,Ed Fo,ann@example.org,b1,r1,member\n"
        + "M 6,Fi Go,fi@example.org,,r1,\n"
        + ",,,,,\n"
    )
    export = read_export(text.encode())
    assert [m.membership_number for m in export.members] == ["M1"]
    messages = [str(e) for e in export.errors]
    assert "row 3: the name is empty" in messages
    assert "row 4: email 'not-an-email' is not an email address" in messages
    assert any(m.startswith("row 5: role chief is not one of") for m in messages)
    assert "row 6: membership number M1 is also on row 2" in messages
    assert "row 7: email ann@example.org is also on row 2" in messages
    assert any(m.startswith("row 8: membership number 'M 6'") for m in messages)
    assert any(m.startswith("row 8: branch ''") for m in messages)
    # Invalid rows still name their members, so they are never taken for leavers.
    assert {"M2", "M3", "M4", "M5", "M 6"} <= export.named


def test_a_file_without_the_needed_columns_or_in_another_encoding_is_refused() -> None:
    with pytest.raises(ExportError, match="lacks email, branch"):
        read_export(b"membership number,name,region\nM1,A B,r\n")
    with pytest.raises(ExportError, match="neither UTF-8 nor Windows-1252"):
        read_export(HEADER.encode() + b"M1,A \x81\xff,a@b.org,b,r,member\n")


def test_split_name() -> None:
    assert split_name("Maria Okafor") == ("Maria", "Okafor")
    assert split_name("Madonna") == ("Madonna", "")
