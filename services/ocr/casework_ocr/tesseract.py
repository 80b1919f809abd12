"""Tesseract OCR: one single-threaded process per page (OMP_THREAD_LIMIT=1 is set at worker start).

One run yields both the text and the word boxes (TSV). Orientation: with "fallback", a page
that reads badly upright is checked with Tesseract's OSD and, if it is rotated, OCR'd again
turned upright; upright pages (nearly all) cost nothing extra. "always" runs OSD first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from PIL import Image

SUSPICIOUS_CONFIDENCE = 55.0  # mean word confidence below which an upright read is doubted
MIN_WORDS = 8


class OcrTimeout(Exception):
    """Tesseract did not finish a page within the configured time."""


@dataclass(frozen=True)
class OcrResult:
    text: str
    words_tsv: str
    confidence: float
    words: int
    rotation: int = 0


def _confidence(tsv: str) -> tuple[float, int]:
    scores = []
    for line in tsv.splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) == 12 and cells[11].strip() and float(cells[10]) >= 0:
            scores.append(float(cells[10]))
    return (sum(scores) / len(scores) if scores else 0.0), len(scores)


def _run(image: Image.Image, workdir: Path, language: str, timeout_s: int) -> OcrResult:
    path = workdir / "page.pgm"  # uncompressed: no PNG encoding/decoding on the hot path
    image.save(path)
    try:
        text, tsv = pytesseract.run_and_get_multiple_output(str(path), ["txt", "tsv"], lang=language, timeout=timeout_s)
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise OcrTimeout(f"OCR of a page took longer than {timeout_s}s") from exc
        raise
    confidence, words = _confidence(tsv.decode("utf-8", "replace") if isinstance(tsv, bytes) else tsv)
    as_text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    as_tsv = tsv.decode("utf-8", "replace") if isinstance(tsv, bytes) else tsv
    return OcrResult(as_text, as_tsv, confidence, words)


def detect_rotation(image: Image.Image, workdir: Path, language: str, timeout_s: int) -> int:
    """Degrees clockwise that turn the page upright (0, 90, 180, 270), from Tesseract OSD."""
    path = workdir / "osd.pgm"
    image.save(path)
    try:
        report = pytesseract.image_to_osd(str(path), timeout=timeout_s)
    except (pytesseract.TesseractError, RuntimeError):
        return 0  # too little text to tell: leave it as it is
    match = re.search(r"Rotate: (\d+)", report)
    return int(match.group(1)) % 360 if match else 0


def ocr_page(image: Image.Image, workdir: Path, language: str, timeout_s: int, orientation: str) -> OcrResult:
    if orientation == "always":
        rotation = detect_rotation(image, workdir, language, timeout_s)
        upright = image.rotate(-rotation, expand=True) if rotation else image
        result = _run(upright, workdir, language, timeout_s)
        return OcrResult(result.text, result.words_tsv, result.confidence, result.words, rotation)
    result = _run(image, workdir, language, timeout_s)
    if orientation == "fallback" and result.words >= MIN_WORDS and result.confidence < SUSPICIOUS_CONFIDENCE:
        rotation = detect_rotation(image, workdir, language, timeout_s)
        if rotation:
            turned = _run(image.rotate(-rotation, expand=True), workdir, language, timeout_s)
            if turned.confidence > result.confidence:
                return OcrResult(turned.text, turned.words_tsv, turned.confidence, turned.words, rotation)
    return result


def available() -> bool:
    try:
        pytesseract.get_tesseract_version()
        return True
    except pytesseract.TesseractNotFoundError:
        return False
