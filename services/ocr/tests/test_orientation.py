"""The quick orientation test and the word boxes of a page read after turning it."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

import testdocs
from casework_ocr import orientation, tesseract

LETTER = testdocs.letter_lines("Reference", "harpsichord")

# PIL's rotate() turns anticlockwise: what each turn of a scan needs to stand upright again.
STAND_UP = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return testdocs.scan(LETTER)


@pytest.mark.parametrize("degrees", sorted(STAND_UP))
def test_a_turned_page_is_found_turned(page: Image.Image, degrees: int) -> None:
    assert orientation.upright_turn(page.rotate(degrees, expand=True, fillcolor=255)) == STAND_UP[degrees]


def test_an_upright_page_a_blank_page_and_a_photo_of_no_text_are_left_as_they_are(page: Image.Image) -> None:
    assert orientation.upright_turn(page) is None
    assert orientation.upright_turn(Image.new("L", page.size, 255)) is None
    shapes = Image.new("RGB", (1200, 900), (200, 220, 240))
    ImageDraw.Draw(shapes).ellipse((200, 150, 900, 700), fill=(30, 60, 90))
    assert orientation.upright_turn(shapes) is None


@pytest.mark.parametrize("turn", list(STAND_UP.values()))
def test_boxes_go_back_to_the_scanned_pages_frame(turn: Image.Transpose) -> None:
    # PIL itself is the oracle: a black box drawn on the original, found again on the turned image.
    size, box = (600, 800), (50, 120, 170, 150)  # left, top, right, bottom
    original = Image.new("L", size, 255)
    ImageDraw.Draw(original).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=0)
    left, top, right, bottom = Image.eval(original.transpose(turn), lambda v: 255 - v).getbbox()
    row = f"5\t1\t1\t1\t1\t1\t{left}\t{top}\t{right - left}\t{bottom - top}\t96.0\tword\n"
    moved = orientation.boxes_back(tesseract.TSV_HEADER + row, turn, size)
    expected = [box[0], box[1], box[2] - box[0], box[3] - box[1]]
    assert moved.splitlines()[1].split("\t")[6:10] == [str(value) for value in expected]


def word_box(tsv: str, word: str) -> tuple[int, int, int, int]:
    cells = next(line.split("\t") for line in tsv.splitlines() if line.endswith("\t" + word))
    return tuple(int(cell) for cell in cells[6:10])


@pytest.mark.parametrize("degrees", [90, 180])
def test_a_page_stood_up_reports_its_words_where_tesseracts_own_detection_does(page: Image.Image, degrees: int) -> None:
    turned = page.rotate(degrees, expand=True, fillcolor=255)
    quick = tesseract.ocr_page(turned, "eng", 120, "fallback")
    tesseracts = tesseract.ocr_page(turned, "eng", 120, "always")
    assert quick.turned and "harpsichord" in quick.text
    ours, theirs = word_box(quick.words_tsv, "harpsichord"), word_box(tesseracts.words_tsv, "harpsichord")
    assert all(abs(a - b) <= 6 for a, b in zip(ours, theirs, strict=True)), (ours, theirs)
