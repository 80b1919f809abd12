"""A finished document's facts (date, title, kind): its page texts from the text bucket, with what
was read from the file itself, handed to :func:`casework_ocr.facts.read_facts`.

Called by the store when the last page is recorded, inside that transaction, so the facts go out
with ``evidence.extracted`` exactly once. A failure to read a page text raises (the page record is
retried, as for any object-store outage); a failure inside the fact readers only costs the facts:
they are a nicety, and a document must never fail for them.
"""

from __future__ import annotations

import logging
from typing import Any

from minio import Minio

from casework.v1 import events_pb2
from casework_common import storage
from casework_ocr.facts import read_facts

log = logging.getLogger(__name__)

# A document's date, title and kind are on its first pages; reading every page of a 500-page
# disclosure bundle under the document's row lock would buy nothing.
MAX_PAGES = 10


class FactsReader:
    """The store's ``facts`` callable (see store.FactsReader)."""

    def __init__(self, s3: Minio, text_bucket: str, max_pages: int = MAX_PAGES) -> None:
        self.s3 = s3
        self.text_bucket = text_bucket
        self.max_pages = max_pages

    def __call__(
        self, detected_type: str, metadata: dict[str, str], file_facts: dict[str, Any], text_keys: list[str]
    ) -> events_pb2.DocumentFacts | None:
        """The facts of a document whose pages' texts are at ``text_keys`` (in page order)."""
        pages = [storage.read_text(self.s3, self.text_bucket, key) for key in text_keys[: self.max_pages]]
        pdf_info = file_facts.get("pdf_info") or None
        exif_date = file_facts.get("exif_date") or None
        try:
            return read_facts(pages, metadata, detected_type, pdf_info=pdf_info, exif_date=exif_date)
        except Exception:
            log.exception("document facts could not be read (%s); the item goes on without them", detected_type)
            return None
