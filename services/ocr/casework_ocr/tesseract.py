"""Tesseract OCR: one single-threaded process per page (OMP_THREAD_LIMIT=1 is set at worker start).

One run yields both the text and the word boxes (TSV). Orientation (Tesseract's OSD):
- "fallback" (default): read the page as it is; only if that reads badly (low word confidence)
  read it again with ``--psm 1``, which detects the orientation and turns the page first.
  Upright pages, nearly all of them, cost nothing extra; a rotated page costs one more pass.
- "always": ``--psm 1`` for every page (about 20% slower per page, measured here).
- "off": never.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytesseract
from PIL import Image

SUSPICIOUS_CONFIDENCE = 55.0  # mean word confidence below which an upright read is doubted
MIN_WORDS = 8
AUTO = "--psm 3"  # automatic page segmentation, no orientation detection
AUTO_WITH_OSD = "--psm 1"  # the same, after orientation and script detection


class OcrTimeout(Exception):
    """Tesseract did not finish a page within the configured time."""


@dataclass(frozen=True)
class OcrResult:
    text: str
    words_tsv: str
    confidence: float
    words: int
    turned: bool = False  # read with orientation detection


def _confidence(tsv: str) -> tuple[float, int]:
    scores = []
    for line in tsv.splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) == 12 and cells[11].strip() and float(cells[10]) >= 0:
            scores.append(float(cells[10]))
    return (sum(scores) / len(scores) if scores else 0.0), len(scores)


def _run(path: Path, language: str, timeout_s: int, mode: str) -> OcrResult:
    base = path.with_name(f"{path.stem}-{mode.split()[-1]}")
    try:
        pytesseract.pytesseract.run_tesseract(
            str(path), str(base), "txt tsv", language, config=f"{mode} -c tessedit_create_tsv=1", timeout=timeout_s
        )
    except RuntimeError as exc:  # pytesseract's timeout
        if "timeout" in str(exc).lower():
            raise OcrTimeout(f"OCR of a page took longer than {timeout_s}s") from exc
        raise
    text = base.with_suffix(".txt").read_text(encoding="utf-8", errors="replace")
    tsv = base.with_suffix(".tsv").read_text(encoding="utf-8", errors="replace")
    confidence, words = _confidence(tsv)
    return OcrResult(text, tsv, confidence, words, turned=mode == AUTO_WITH_OSD)


def ocr_page(image: Image.Image, workdir: Path, language: str, timeout_s: int, orientation: str) -> OcrResult:
    # BMP: written in milliseconds (PNG takes ~120 ms a page) and read fastest by Tesseract
    # (measured here: PGM input made every page ~7% slower).
    path = workdir / "page.bmp"
    image.save(path)
    if orientation == "always":
        return _run(path, language, timeout_s, AUTO_WITH_OSD)
    result = _run(path, language, timeout_s, AUTO)
    if orientation == "fallback" and result.words >= MIN_WORDS and result.confidence < SUSPICIOUS_CONFIDENCE:
        turned = _run(path, language, timeout_s, AUTO_WITH_OSD)
        if turned.confidence > result.confidence:
            return turned
    return result


def available() -> bool:
    try:
        pytesseract.get_tesseract_version()
        return True
    except pytesseract.TesseractNotFoundError:
        return False
