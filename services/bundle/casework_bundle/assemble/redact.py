"""Redaction: a page becomes an image with the redacted words and areas painted black, plus the words that
remain, so its new text layer cannot give the redacted text back.

Words to black out are found in both the page's own text layer (pdfium's character boxes) and the OCR words
given for it, so a name is caught whether it was typed or scanned. A text redaction matches whole words and
phrases case-insensitively; every word a match touches is blacked out whole ("Smith's" for "Smith"). Every
remaining word a black box covers a tenth or more of is dropped from the text layer as well. Not caught: a word
hyphenated across two lines.
"""

from __future__ import annotations

import ctypes
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import ImageDraw

from casework_bundle.assemble.model import PageWords, Word

DPI = 200
JPEG_QUALITY = 80
_PAD = 2  # pixels added around a redacted word's box, so antialiased glyph edges are covered too

Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels of the rendered image


@dataclass(frozen=True)
class RedactedPage:
    """A page's replacement: JPEG bytes of its image, the image's pixel size, the page's visible size in points
    and the words left for its text layer (in the image's pixels)."""

    jpeg: bytes
    width_pt: float
    height_pt: float
    words: PageWords
    blacked: tuple[Box, ...]


def matching_runs(texts: Sequence[str], phrases: Iterable[str]) -> list[list[int]]:
    """Each occurrence of any of ``phrases`` in ``texts`` (words in reading order) as the indices of the words it
    touches, matched case-insensitively as whole words or whole phrases (any run of whitespace between a phrase's
    words). Overlapping occurrences are all found ("a a" twice in "a a a")."""
    normal = [unicodedata.normalize("NFC", t) for t in texts]
    joined = " ".join(normal)
    owner: list[int] = []
    for i, text in enumerate(normal):
        owner.extend([i] * len(text))
        owner.append(-1)  # the joining space
    runs: list[list[int]] = []
    for phrase in phrases:
        tokens = unicodedata.normalize("NFC", phrase).split()
        if not tokens:
            continue
        body = r"\s+".join(re.escape(t) for t in tokens)
        pattern = re.compile(rf"(?=(?<!\w)({body})(?!\w))", re.IGNORECASE)
        for match in pattern.finditer(joined):
            touched = sorted({owner[k] for k in range(match.start(1), match.end(1)) if owner[k] >= 0})
            runs.append(touched)
    return runs


def matching_words(texts: Sequence[str], phrases: Iterable[str]) -> set[int]:
    """Indices of the words in ``texts`` that any occurrence of ``phrases`` touches (see matching_runs)."""
    return {i for run in matching_runs(texts, phrases) for i in run}


def _run_boxes(words: Sequence[Word]) -> list[Box]:
    """Black boxes for one occurrence: words on the same line are covered by one box, the gaps between them too
    (a phrase's word count and lengths stay hidden), a phrase running onto the next line gets a box per line."""
    boxes: list[Box] = []
    for word in words:
        box = _box(word)
        if boxes:
            last = boxes[-1]
            overlap = min(last[3], box[3]) - max(last[1], box[1])
            if overlap > 0.5 * min(last[3] - last[1], box[3] - box[1]) and box[0] >= last[0]:
                boxes[-1] = (last[0], min(last[1], box[1]), max(last[2], box[2]), max(last[3], box[3]))
                continue
        boxes.append(box)
    return boxes


def _text_layer_words(page: pypdfium2.PdfPage, width: int, height: int) -> list[Word]:
    """The page's own text as words with boxes in pixels of a ``width`` x ``height`` rendering."""
    textpage = page.get_textpage()
    try:
        words: list[Word] = []
        chars: list[str] = []
        box: list[int] | None = None
        dx, dy = ctypes.c_int(), ctypes.c_int()

        def to_device(x: float, y: float) -> tuple[int, int]:
            pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, width, height, 0, x, y, dx, dy)
            return dx.value, dy.value

        def flush() -> None:
            nonlocal chars, box
            if chars and box is not None:
                left, top, right, bottom = box
                words.append(Word("".join(chars), left, top, max(right - left, 1), max(bottom - top, 1)))
            chars, box = [], None

        for i in range(textpage.count_chars()):
            ch = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
            if ch.isspace() or not ch.isprintable():
                flush()
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            corners = [to_device(x, y) for x in (left, right) for y in (bottom, top)]
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            char_box = [min(xs), min(ys), max(xs), max(ys)]
            box = char_box if box is None else [*map(min, box[:2], char_box[:2]), *map(max, box[2:], char_box[2:])]
            chars.append(ch)
        flush()
        return words
    finally:
        textpage.close()


def _scaled(words: PageWords, width: int, height: int) -> list[Word]:
    sx, sy = width / words.image_width, height / words.image_height
    return [
        Word(w.text, round(w.left * sx), round(w.top * sy), max(round(w.width * sx), 1), max(round(w.height * sy), 1))
        for w in words.words
    ]


def _box(word: Word) -> Box:
    return (word.left - _PAD, word.top - _PAD, word.left + word.width + _PAD, word.top + word.height + _PAD)


def _covered(word: Word, boxes: Sequence[Box]) -> bool:
    """Whether a tenth or more of ``word``'s box is blacked out (less leaves the word readable on the image, so
    its text is no secret; this keeps the neighbours of a redacted word searchable)."""
    right, bottom = word.left + word.width, word.top + word.height
    area = word.width * word.height
    for b in boxes:
        overlap_w = min(right, b[2]) - max(word.left, b[0])
        overlap_h = min(bottom, b[3]) - max(word.top, b[1])
        if overlap_w > 0 and overlap_h > 0 and overlap_w * overlap_h * 10 >= area:
            return True
    return False


def redact_page(
    document: pypdfium2.PdfDocument,
    index: int,
    ocr_words: PageWords | None,
    phrases: Sequence[str],
    areas: Sequence[tuple[float, float, float, float]],
) -> RedactedPage:
    """Render page ``index`` (0-based) of ``document`` at DPI, black out ``phrases`` and ``areas`` (fractions of
    the visible page from the top-left), and return the image with the words that remain.

    The remaining words are the OCR words when given, else the page's own text layer's words.
    """
    page = document[index]
    try:
        width_pt, height_pt = page.get_size()  # the visible (cropped, rotated) size
        image = page.render(scale=DPI / 72, may_draw_forms=True).to_pil().convert("RGB")
        width, height = image.size
        own = _text_layer_words(page, width, height)
        ocr = _scaled(ocr_words, width, height) if ocr_words is not None else []
        boxes: list[Box] = []
        for source in (own, ocr):
            for run in matching_runs([w.text for w in source], phrases):
                boxes.extend(_run_boxes([source[i] for i in run]))
        for x0, y0, x1, y1 in areas:
            boxes.append((int(x0 * width), int(y0 * height), int(x1 * width) + 1, int(y1 * height) + 1))
        draw = ImageDraw.Draw(image)
        for box in boxes:
            draw.rectangle(box, fill=(0, 0, 0))
        kept = [w for w in (ocr if ocr_words is not None else own) if not _covered(w, boxes)]
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, dpi=(DPI, DPI))
        return RedactedPage(
            jpeg=buffer.getvalue(),
            width_pt=width_pt,
            height_pt=height_pt,
            words=PageWords(width, height, tuple(kept)),
            blacked=tuple(boxes),
        )
    finally:
        page.close()
