"""Tesseract OCR, in-process through its C++ API (tesserocr), one single-threaded engine per process.

The engine and its language model are loaded once per worker process, before it takes any work
(``preload``), and reused for every page by whichever of its threads reads one, one at a time: the
``tesseract`` CLI pays that start-up (about 0.1 s) on each page, a worker's first page paid it
too (0.5 s), and a page image needs no round trip through a file. One recognition yields both the
text and the word boxes (TSV).
Orientation:
- "fallback" (default): Leptonica's quick test (casework_ocr.orientation, about 25 ms) says whether
  the page lies turned; a turned page is stood upright and read once. Any page that then reads
  badly (low word confidence) is read again with page segmentation mode 1, Tesseract's own
  orientation detection, which turns the page first, and the better reading is kept: a rotated
  page the quick test missed costs one more pass, as before it had; no page is read three times.
- "always": mode 1 for every page (about 20% slower per page, measured here).
- "off": never.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
import threading
from dataclasses import dataclass, replace

import tesserocr
from PIL import Image

from casework_ocr import orientation
from casework_ocr.stages import timed

SUSPICIOUS_CONFIDENCE = 55.0  # mean word confidence below which an upright read is doubted
MIN_WORDS = 8
AUTO = tesserocr.PSM.AUTO  # automatic page segmentation, no orientation detection
AUTO_WITH_OSD = tesserocr.PSM.AUTO_OSD  # the same, after orientation and script detection

# The CLI's TSV starts with a header row; the API's does not. Stored TSV keeps the CLI's shape.
TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"

log = logging.getLogger(__name__)
_engines: dict[tuple[str, int], tesserocr.PyTessBaseAPI] = {}  # used under _one_at_a_time only
# One recognition at a time per process, whichever thread asks (the page consumer, or the document
# consumer reading a one-page scan itself): a worker process uses one core, as sized.
_one_at_a_time = threading.Lock()


class OcrTimeout(Exception):
    """Tesseract did not finish a page within the configured time."""


@dataclass(frozen=True)
class OcrResult:
    text: str
    words_tsv: str
    confidence: float
    words: int
    turned: bool = False  # read with orientation detection


def tessdata_dir() -> str:
    """Where the language models are: ``TESSDATA_PREFIX`` if set, else Debian's location."""
    if os.environ.get("TESSDATA_PREFIX"):
        return os.environ["TESSDATA_PREFIX"]
    found = sorted(glob.glob("/usr/share/tesseract-ocr/*/tessdata"))
    return found[-1] if found else "/usr/share/tesseract-ocr/5/tessdata"


def _engine(language: str, mode: int) -> tesserocr.PyTessBaseAPI:
    key = (language, mode)
    if key not in _engines:
        _engines[key] = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang=language, psm=mode)
    return _engines[key]


def preload(language: str) -> None:
    """Load the engine a page is first read with, so that a worker's first page does not wait for it.
    A model that cannot load is left to readiness (``available``) to report."""
    with _one_at_a_time:
        try:
            _engine(language, AUTO)
        except RuntimeError:
            log.warning("Tesseract cannot load the %r model; pages will fail until it can", language)


def _confidence(tsv: str) -> tuple[float, int]:
    scores = []
    for line in tsv.splitlines()[1:]:  # after the header
        cells = line.split("\t")
        if len(cells) == 12 and cells[11].strip() and float(cells[10]) >= 0:
            scores.append(float(cells[10]))
    return (sum(scores) / len(scores) if scores else 0.0), len(scores)


def _run(image: Image.Image, language: str, timeout_s: float, mode: int) -> OcrResult:
    engine = _engine(language, mode)
    with timed("page: tesseract"):  # once per reading: a page read twice counts twice
        engine.SetImage(image)
        try:
            if not engine.Recognize(timeout=max(1, int(timeout_s * 1000))):
                raise OcrTimeout(f"OCR of a page took longer than {timeout_s}s")
            text = engine.GetUTF8Text()
            tsv = TSV_HEADER + engine.GetTSVText(0)
        finally:
            engine.Clear()
    confidence, words = _confidence(tsv)
    return OcrResult(text, tsv, confidence, words, turned=mode == AUTO_WITH_OSD)


def ocr_page(image: Image.Image, language: str, timeout_s: float, mode: str) -> OcrResult:
    """Text and word boxes of one page image, turned upright first if it lies turned or reads badly
    as it is."""
    with _one_at_a_time:
        return _read(image, language, timeout_s, mode)


def _suspicious(result: OcrResult) -> bool:
    return result.words >= MIN_WORDS and result.confidence < SUSPICIOUS_CONFIDENCE


def _read(image: Image.Image, language: str, timeout_s: float, mode: str) -> OcrResult:
    """At most two readings a page (the claim on a page image being read lasts for two)."""
    if mode == "always":
        return _run(image, language, timeout_s, AUTO_WITH_OSD)
    turn = None
    if mode == "fallback":
        with timed("page: orientation test"):
            turn = orientation.upright_turn(image)
    if turn is not None:
        stood = _run(image.transpose(turn), language, timeout_s, AUTO)
        # Boxes in the scanned page's frame, as Tesseract's own detection reports them.
        stood = replace(stood, words_tsv=orientation.boxes_back(stood.words_tsv, turn, image.size), turned=True)
        if stood.words >= MIN_WORDS and not _suspicious(stood):
            return stood
        # Few words, or they read badly: the quick test may have been wrong. Tesseract's own
        # detection reads the page as scanned, and the better-read of the two is kept.
        detected = _run(image, language, timeout_s, AUTO_WITH_OSD)
        return stood if stood.confidence > detected.confidence else detected
    result = _run(image, language, timeout_s, AUTO)
    if mode == "fallback" and _suspicious(result):
        turned = _run(image, language, timeout_s, AUTO_WITH_OSD)
        if turned.confidence > result.confidence:
            return turned
    return result


@functools.cache
def _loads(language: str) -> bool:
    try:
        with tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang=language):
            return True
    except RuntimeError:
        return False


def available(language: str = "eng") -> bool:
    """Can an engine load this language's model? (Readiness: without it a worker reads nothing.)"""
    if _loads(language):
        return True
    _loads.cache_clear()  # a model installed later is found on the next check
    return False
