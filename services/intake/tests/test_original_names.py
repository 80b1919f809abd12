"""Original file names: the bytes a part's name came as, and the text they are read as (pure logic)."""

from __future__ import annotations

import io

import pytest

from casework_intake.filenames import decode_name, original_name
from casework_intake.multipart import FilePart, MultipartForm


def disposition(name_bytes: bytes) -> str:
    """A Content-Disposition as multipart.py hands it over: one character per byte."""
    return (b'form-data; name="file"; filename="' + name_bytes + b'"').decode("latin-1")


@pytest.mark.parametrize(
    ("text", "charset"),
    [
        ("Kündigung März – Entwurf.pdf", "cp1252"),
        ("Lohnabrechnung_Überstunden.docx", "cp1252"),
        ("naïve señal.txt", "cp1252"),
        ("Wypowiedzenie Zażółć gęślą jaźń.pdf", "cp1250"),
        ("Увольнение приказ.pdf", "cp1251"),
        ("解雇通知.pdf", "shift_jis"),
        ("Kündigung März.pdf", "utf-8"),
    ],
)
def test_a_legacy_name_is_read_in_the_charset_that_fits(text: str, charset: str) -> None:
    raw = text.encode(charset)
    name = original_name(disposition(raw))
    assert name is not None and name.raw == raw and name.text == text


def test_bytes_no_charset_reads_are_kept_without_replacement_characters() -> None:
    raw = b"\x81\x8d\x8f\x90\x9d.bin"  # undefined in cp1252
    text, charset = decode_name(raw)
    assert "\ufffd" not in text and text.encode(charset) == raw


@pytest.mark.parametrize(
    ("header", "raw", "text"),
    [
        (
            'form-data; name="file"; filename="old.pdf"; filename*=UTF-8\'\'%C3%9Cber%20Ma%C3%9F.pdf',
            "Über Maß.pdf".encode(),
            "Über Maß.pdf",
        ),
        ("form-data; name=\"file\"; filename*=iso-8859-1'de'Stra%DFe.txt", b"Stra\xdfe.txt", "Straße.txt"),
        ("form-data; filename*=utf-8''%E2%82%AC.pdf; name=\"file\"", "€.pdf".encode(), "€.pdf"),
        ("form-data; name=\"file\"; filename*=''%FCber.pdf", b"\xfcber.pdf", "über.pdf"),
    ],
)
def test_the_extended_filename_parameter_wins_and_keeps_its_bytes(header: str, raw: bytes, text: str) -> None:
    name = original_name(header)
    assert name is not None and (name.raw, name.text) == (raw, text)


def test_a_part_without_a_filename_has_none() -> None:
    assert original_name('form-data; name="file"') is None


def test_multipart_keeps_the_name_bytes_of_each_file() -> None:
    boundary = "b0undary"
    names = ["Kündigung.pdf".encode("cp1252"), "Kündigung.pdf".encode()]
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
            + name
            + b'"\r\nContent-Type: application/pdf\r\n\r\nDATA\r\n'
            for name in names
        )
        + f"--{boundary}--\r\n".encode()
    )
    seen = []
    for part in MultipartForm(io.BytesIO(body), boundary, 10**6, 10**6):
        assert isinstance(part, FilePart)
        part.drain()
        seen.append((part.original.raw, part.filename))
    assert seen == [(names[0], "Kündigung.pdf"), (names[1], "Kündigung.pdf")]


@pytest.mark.parametrize(
    ("charset", "encoded"), [("idna", "xn--a"), ("idna", "xn--zz-"), ("zlib", "x%FF"), ("no-such-charset", "a%FF")]
)
def test_a_hostile_declared_charset_falls_back_instead_of_raising(charset: str, encoded: str) -> None:
    name = original_name(f"form-data; name=\"file\"; filename*={charset}''{encoded}")
    assert name is not None and "\ufffd" not in name.text


def test_a_filename_star_inside_a_quoted_name_is_not_obeyed() -> None:
    name = original_name('form-data; name="file"; filename="a;filename*=utf-8\'\'evil.exe"')
    assert name is not None and name.text == "a;filename*=utf-8''evil.exe"
