"""Reading Tesseract's TSV output (the OCR pipeline's ``words_key`` files) into PageWords."""

from __future__ import annotations

from casework_bundle.assemble.model import PageWords, Word

_COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width", "height")


def parse_tesseract_tsv(tsv: str) -> PageWords:
    """One page's Tesseract TSV as PageWords.

    Level 1 (the page row) gives the image size; level 5 rows are words (blank words and rows with a confidence
    of -1 that carry no text are skipped). A missing header line is tolerated: the standard column order is
    assumed. Raises ValueError when there is no page row.
    """
    lines = [line for line in tsv.splitlines() if line.strip()]
    if lines and lines[0].startswith("level"):
        header = lines[0].split("\t")
        lines = lines[1:]
    else:
        header = [*_COLUMNS, "conf", "text"]
    col = {name: i for i, name in enumerate(header)}
    width = height = None
    words: list[Word] = []
    for line in lines:
        cells = line.split("\t")
        if len(cells) < len(_COLUMNS):
            continue
        level = int(cells[col["level"]])
        left, top, w, h = (int(cells[col[name]]) for name in ("left", "top", "width", "height"))
        if level == 1:
            if width is None:
                width, height = left + w, top + h
        elif level == 5:
            text = cells[col["text"]].strip() if len(cells) > col["text"] else ""
            if text and w > 0 and h > 0:
                words.append(Word(text=text, left=left, top=top, width=w, height=h))
    if width is None or height is None:
        raise ValueError("the TSV has no page row (level 1), so the image size is unknown")
    return PageWords(image_width=width, image_height=height, words=tuple(words))
