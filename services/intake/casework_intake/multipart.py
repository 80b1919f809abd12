"""Streaming multipart/form-data: files are read part by part straight from the socket.

Werkzeug's sans-IO decoder does the parsing; this module turns its events into a
pull interface (``read(n)``) that the S3 client consumes, so an upload is never held
in memory or spooled to local disk, whatever its size.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from werkzeug.datastructures import Headers
from werkzeug.sansio.multipart import NEED_DATA, Data, Epilogue, Field, File, MultipartDecoder, Preamble

from casework_common.problems import Problem, bad_request
from casework_intake.filenames import OriginalName, original_name

CHUNK = 64 * 1024
MAX_FIELD_BYTES = 16 * 1024


def too_large(limit: int) -> Problem:
    return Problem(413, "too-large", "Upload too large", f"Files may be at most {limit:,} bytes.", limit_bytes=limit)


@dataclass
class FormField:
    name: str
    value: str


class FilePart(io.RawIOBase):
    """One file of the form, readable once, hashing and counting as it goes."""

    def __init__(self, form: MultipartForm, name: str, headers: Headers, max_bytes: int) -> None:
        super().__init__()
        self._form = form
        self.name = name
        self.original = original_name(headers.get("Content-Disposition", "")) or OriginalName(b"", "utf-8", "")
        self.filename = self.original.text
        self.content_type = headers.get("Content-Type", "application/octet-stream")
        self.max_bytes = max_bytes
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.done = False
        self._buffer = bytearray()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self.done and (size < 0 or len(self._buffer) < size):
            event = self._form.next_event()
            if not isinstance(event, Data):
                raise bad_request("The multipart body is malformed.")
            self._buffer.extend(event.data)
            self.size += len(event.data)
            if self.size > self.max_bytes:
                raise too_large(self.max_bytes)
            self.sha256.update(event.data)
            self.done = not event.more_data
        if size < 0:
            size = len(self._buffer)
        chunk = bytes(self._buffer[:size])
        del self._buffer[:size]
        return chunk

    def is_empty(self) -> bool:
        """Whether the file has no bytes at all; reads ahead only to its first byte, which stays unread."""
        first = self.read(1)
        self._buffer[:0] = first
        return not first

    def readinto(self, target: bytearray) -> int:  # type: ignore[override]
        chunk = self.read(len(target))
        target[: len(chunk)] = chunk
        return len(chunk)

    def drain(self) -> None:
        while not self.done:
            self.read(CHUNK)


class _TolerantDecoder(MultipartDecoder):
    """Part headers are read one byte one character (Latin-1), so headers that are not UTF-8 (old
    mail clients' file names) neither fail the upload nor lose a byte: filenames.original_name
    reads the name's bytes back and decodes them by the charset that fits."""

    def _parse_headers(self, data: bytes | bytearray) -> Headers:
        return super()._parse_headers(bytes(data).decode("latin-1").encode("utf-8"))


class MultipartForm:
    """Iterates the fields and files of a multipart body read from ``stream``."""

    def __init__(self, stream: BinaryIO, boundary: str, max_body_bytes: int, max_file_bytes: int) -> None:
        self._stream = stream
        self._decoder = _TolerantDecoder(boundary.encode(), max_form_memory_size=4 * CHUNK)
        self._received = 0
        self._max_body = max_body_bytes
        self._max_file = max_file_bytes

    def next_event(self) -> object:
        while True:
            try:
                event = self._decoder.next_event()
            except ValueError as exc:
                raise bad_request("The multipart body ended early or is malformed.") from exc
            if event is not NEED_DATA:
                return event
            chunk = self._stream.read(CHUNK)
            self._received += len(chunk)
            if self._received > self._max_body:
                raise too_large(self._max_body)
            self._decoder.receive_data(chunk or None)

    def __iter__(self) -> Iterator[FormField | FilePart]:
        """Yields each part in order; a FilePart must be read to its end before the next."""
        while True:
            event = self.next_event()
            if isinstance(event, Preamble):
                continue
            if isinstance(event, Epilogue):
                return
            if isinstance(event, Field):
                value = bytearray()
                while True:
                    data = self.next_event()
                    if not isinstance(data, Data):
                        raise bad_request("The multipart body is malformed.")
                    value.extend(data.data)
                    if len(value) > MAX_FIELD_BYTES:
                        raise bad_request(f"Form field '{event.name}' is too long.")
                    if not data.more_data:
                        break
                yield FormField(event.name, value.decode("utf-8", "replace"))
            elif isinstance(event, File):
                part = FilePart(self, event.name, event.headers, self._max_file)
                yield part
                part.drain()
            else:
                raise bad_request("The multipart body is malformed.")
