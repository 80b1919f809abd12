"""Messages libmagic does not recognise by their first header are still messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework_ocr import sniff

BODY = b"From: Rachel <rachel@union.example.org>\r\nTo: a@b.org\r\nSubject: the letter\r\n\r\nHello\r\n"


@pytest.mark.parametrize(
    "first",
    [
        b"Authentication-Results: mx.example.org; dmarc=pass header.from=union.example.org\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=union.example.org;\r\n\tb=abc\r\n",
        b"MIME-Version: 1.0\r\n",
        b"",
    ],
)
def test_a_message_is_a_message_whatever_header_comes_first(tmp_path: Path, first: bytes) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(first + BODY)
    assert sniff.mime_type(path) == "message/rfc822"


@pytest.mark.parametrize(
    "text",
    [
        b"Note: From: the employer, about the meeting\r\n\r\nSee attached.\r\n",
        b"Subject: pay\r\nThis line is prose, not a header\r\nFrom: someone\r\n\r\n",
        b"Minutes of the meeting\r\nFrom: HR\r\nDate: today\r\n\r\n",
    ],
)
def test_text_that_only_looks_a_little_like_headers_stays_text(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(text)
    assert sniff.mime_type(path) == "text/plain"
