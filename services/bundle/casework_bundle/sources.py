"""Each evidence item of a bundle as a PDF the assembly library takes (a SourceDocument).

- PDFs: the original, from the evidence bucket.
- Word files: the PDF ocr converted them to (``<evidence>/converted.pdf`` in the text bucket), else
  converted here with LibreOffice as ocr does (ocr keeps no conversion for a file it reused).
- Images: every frame a page, turned upright as ocr turned it before reading it, so that its word
  boxes fit.
- Emails and text files: their extracted page texts (text bucket), rendered as pages, an email's
  header lines on top.
- OCR word boxes: every ``<evidence>/pages/<n>.tsv`` ocr wrote (pages it read by OCR), from which
  the library lays an invisible text layer over scanned pages.

The originals are found by intake's key convention (``cases/<case>/<evidence>/original``, the
bucket's newest version) and checked against the SHA-256 intake recorded at upload.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from minio import Minio
from minio.error import S3Error
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
from pillow_heif import register_heif_opener

from casework_bundle.assemble import PageWords, Redaction, SourceDocument, parse_tesseract_tsv, render_text_pdf
from casework_bundle.selection import kind_label
from casework_bundle.worker_settings import WorkerSettings
from casework_common import storage
from casework_common.office import ConversionError, convert_to_pdf

log = logging.getLogger(__name__)
register_heif_opener()

A4_INCHES = (8.27, 11.69)
_WORDS_KEY = re.compile(r"/pages/(\d{5})\.tsv$")
EMAIL_HEADERS = (("from", "From"), ("to", "To"), ("cc", "Cc"), ("date", "Date"), ("subject", "Subject"))


class BundleError(Exception):
    """The bundle cannot be built as asked; the message is the reason shown to the reps."""


def original_key(case_id: str, evidence_id: str) -> str:
    """Where intake keeps an item's original in the evidence bucket."""
    return f"cases/{case_id}/{evidence_id}/original"


class Sources:
    def __init__(self, s3: Minio, settings: WorkerSettings) -> None:
        self.s3 = s3
        self.settings = settings

    def document(self, case_id: str, item: Mapping[str, Any], workdir: Path) -> SourceDocument:
        """The item as a SourceDocument, its files written under ``workdir``."""
        evidence_id = item["evidence_id"]
        folder = workdir / evidence_id
        folder.mkdir(parents=True)
        source = item["source"]
        words: dict[int, PageWords] = {}
        if source in ("email", "text"):
            pdf = self._render_text(item, folder)
        else:
            original = self._original(case_id, item, folder)
            if source == "pdf":
                pdf = original
            elif source == "office":
                pdf = self._converted(evidence_id, original, folder)
            elif source == "image":
                pdf = self._image_pdf(original, folder)
            else:
                raise BundleError(f"{item.get('filename')}: files of this type cannot be put in a bundle.")
            words = self._words(evidence_id)
        return SourceDocument(
            pdf=pdf,
            title=item["title"],
            date=item["date"],
            kind=kind_label(item["kind"]),
            section=item["section"],
            ocr_words=words,
            redactions=tuple(_redaction(r) for r in item.get("redactions") or ()),
        )

    def _original(self, case_id: str, item: Mapping[str, Any], folder: Path) -> Path:
        path = folder / "original"
        try:
            self.s3.fget_object(self.settings.evidence_bucket, original_key(case_id, item["evidence_id"]), str(path))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchVersion"):
                raise BundleError(f"{item.get('filename')}: the stored file was not found.") from exc
            raise
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
        if digest.hexdigest() != item.get("sha256"):
            raise BundleError(f"{item.get('filename')}: the stored file is not the one uploaded (its SHA-256 differs).")
        return path

    def _converted(self, evidence_id: str, original: Path, folder: Path) -> Path:
        path = folder / "converted.pdf"
        try:
            self.s3.fget_object(self.settings.text_bucket, f"{evidence_id}/converted.pdf", str(path))
            return path
        except S3Error as exc:
            if exc.code != "NoSuchKey":
                raise
        log.info("evidence %s: no stored conversion; converting with LibreOffice", evidence_id)
        try:
            timeout_s = self.settings.office_timeout_s
            return convert_to_pdf(self.settings.soffice, original, folder / "conversion", timeout_s)
        except ConversionError as exc:
            raise BundleError(str(exc)) from exc

    def _image_pdf(self, original: Path, folder: Path) -> Path:
        """Every frame as one page, no larger than A4 (the image's resolution is set to fit)."""
        path = folder / "image.pdf"
        try:
            with Image.open(original) as image:
                frames = [ImageOps.exif_transpose(frame).convert("RGB") for frame in ImageSequence.Iterator(image)]
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise BundleError(f"An image could not be read ({exc}).") from exc
        width, height = frames[0].size
        dpi = max(width / A4_INCHES[0], height / A4_INCHES[1], 72.0)
        frames[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=frames[1:])
        return path

    def _render_text(self, item: Mapping[str, Any], folder: Path) -> Path:
        evidence_id = item["evidence_id"]
        pages = []
        for number in range(1, int(item.get("pages_total") or 0) + 1):
            try:
                pages.append(
                    storage.read_text(self.s3, self.settings.text_bucket, storage.page_text_key(evidence_id, number))
                )
            except S3Error as exc:
                if exc.code != "NoSuchKey":
                    raise
                raise BundleError(f"{item.get('filename')}: its text (page {number}) was not found.") from exc
        metadata = item.get("metadata") or {}
        headers = {label: metadata[key] for key, label in EMAIL_HEADERS if metadata.get(key)}
        return render_text_pdf(
            "\n\n".join(pages),
            folder / "text.pdf",
            title=item.get("filename") or "",
            headers=headers if item["source"] == "email" else None,
        )

    def _words(self, evidence_id: str) -> dict[int, PageWords]:
        """The OCR word boxes of every page ocr read by OCR (pages with a text layer have none)."""
        words: dict[int, PageWords] = {}
        for obj in self.s3.list_objects(self.settings.text_bucket, prefix=f"{evidence_id}/pages/"):
            found = _WORDS_KEY.search(obj.object_name)
            if not found:
                continue
            try:
                words[int(found.group(1))] = parse_tesseract_tsv(
                    storage.read_text(self.s3, self.settings.text_bucket, obj.object_name)
                )
            except ValueError:
                log.warning("evidence %s: unreadable word boxes %s skipped", evidence_id, obj.object_name)
        return words


def _redaction(spec: Mapping[str, Any]) -> Redaction:
    box = spec.get("box")
    return Redaction(text=spec.get("text"), page=spec.get("page"), box=tuple(box) if box else None)
