"""Streaming multipart parsing and display-safe filenames (pure logic, no servers)."""

from __future__ import annotations

import hashlib
import io

import pytest
from urllib3 import encode_multipart_formdata

from casework_common.problems import Problem
from casework_intake.filenames import display_name
from casework_intake.multipart import FilePart, FormField, MultipartForm


def form(fields: list[tuple[str, object]], max_file: int = 10**7) -> tuple[MultipartForm, bytes]:
    body, content_type = encode_multipart_formdata(fields)
    boundary = content_type.split("boundary=")[1]
    return MultipartForm(io.BytesIO(body), boundary, max_body_bytes=10**8, max_file_bytes=max_file), body


def test_fields_and_files_stream_in_order_with_hashes() -> None:
    big = bytes(range(256)) * 4000  # ~1 MB, many decoder chunks
    parsed, _ = form(
        [("visibility", "reps"), ("file", ("a.pdf", big, "application/pdf")), ("file", ("b.png", b"tiny", "image/png"))]
    )
    seen = []
    for part in parsed:
        if isinstance(part, FormField):
            seen.append(("field", part.name, part.value))
        else:
            assert isinstance(part, FilePart)
            data = b"".join(iter(lambda p=part: p.read(7919), b""))
            seen.append(
                ("file", part.filename, part.content_type, data == (big if part.filename == "a.pdf" else b"tiny"))
            )
            assert part.sha256.hexdigest() == hashlib.sha256(data).hexdigest() and part.size == len(data)
    assert seen == [
        ("field", "visibility", "reps"),
        ("file", "a.pdf", "application/pdf", True),
        ("file", "b.png", "image/png", True),
    ]


def test_an_unread_file_is_skipped_cleanly() -> None:
    parsed, _ = form([("file", ("a.bin", b"x" * 100_000, "application/octet-stream")), ("visibility", "member")])
    parts = list(parsed)  # never reads the file; the iterator drains it
    assert isinstance(parts[1], FormField) and parts[1].value == "member"


def test_oversized_file_is_refused_with_413() -> None:
    parsed, _ = form([("file", ("big.bin", b"x" * 5000, "application/octet-stream"))], max_file=1000)
    with pytest.raises(Problem) as raised:
        for part in parsed:
            part.read()
    assert raised.value.status == 413


def test_truncated_body_is_a_400_not_a_stored_file() -> None:
    _, body = form([("file", ("a.bin", b"y" * 50_000, "application/octet-stream"))])
    boundary = body.split(b"\r\n", 1)[0][2:].decode()
    truncated = MultipartForm(io.BytesIO(body[: len(body) // 2]), boundary, 10**8, 10**8)
    with pytest.raises(Problem) as raised:
        for part in truncated:
            part.read()
    assert raised.value.status == 400


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("letter.pdf", "letter.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\scan.jpg", "scan.jpg"),
        ("evil\u202egpj.exe", "evilgpj.exe"),  # right-to-left override removed
        ("bell\x07\x00name.txt", "bellname.txt"),
        ("", "unnamed"),
        ("..", "unnamed"),
        (None, "unnamed"),
    ],
)
def test_display_names_are_safe(raw: str | None, expected: str) -> None:
    assert display_name(raw) == expected


def test_long_names_keep_their_extension() -> None:
    name = display_name("a" * 500 + ".pdf")
    assert len(name) <= 200 and name.endswith(".pdf")


def test_a_filename_that_is_not_utf8_is_decoded_and_its_bytes_kept() -> None:
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
        + "Caf\u00e9 r\u00e9sum\u00e9.pdf".encode("latin-1")
        + f'"\r\nContent-Type: application/pdf\r\n\r\nDATA\r\n--{boundary}--\r\n'.encode()
    )
    for part in MultipartForm(io.BytesIO(body), boundary, 10**6, 10**6):
        assert part.read() == b"DATA"
        assert display_name(part.filename) == "Caf\u00e9 r\u00e9sum\u00e9.pdf"
        assert part.original.raw == "Caf\u00e9 r\u00e9sum\u00e9.pdf".encode("latin-1")
