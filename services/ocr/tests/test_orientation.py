"""The quick orientation test and the word boxes of a page read after turning it."""

from __future__ import annotations

import random

import pytest
from PIL import Image, ImageDraw
from prometheus_client import REGISTRY

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


def readings() -> float:
    """Tesseract readings so far in this process (each is timed as a stage)."""
    return REGISTRY.get_sample_value("casework_ocr_stage_seconds_count", {"stage": "page: tesseract"}) or 0.0


def scribbles() -> Image.Image:
    """Rows of letter-like marks that are no letters: read badly whichever way up."""
    rnd = random.Random(1)
    image = Image.new("L", testdocs.A4_300DPI, 255)
    draw = ImageDraw.Draw(image)
    for row in range(30):
        x, y = 200, 300 + row * 90
        while x < 2200:
            width = rnd.randint(60, 200)
            for k in range(width // 20):
                left = x + k * 20
                if k % 2:
                    draw.ellipse((left, y + 10, left + 15, y + 40), outline=0, width=3)
                else:
                    draw.line((left + 5, y, left + 12, y + 40), fill=0, width=3)
            x += width + 40
    return image


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_page_stood_up_is_read_once_and_reports_its_words_where_tesseracts_own_detection_does(
    page: Image.Image, degrees: int
) -> None:
    turned = page.rotate(degrees, expand=True, fillcolor=255)
    before = readings()
    quick = tesseract.ocr_page(turned, "eng", 120, "fallback")
    assert readings() - before == 1
    tesseracts = tesseract.ocr_page(turned, "eng", 120, "always")
    assert quick.turned and "harpsichord" in quick.text
    ours, theirs = word_box(quick.words_tsv, "harpsichord"), word_box(tesseracts.words_tsv, "harpsichord")
    assert all(abs(a - b) <= 6 for a, b in zip(ours, theirs, strict=True)), (ours, theirs)


@pytest.mark.parametrize("hard", [False, True])
def test_a_wrong_quick_answer_costs_one_more_reading_at_most(
    page: Image.Image, hard: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The quick test's decision logic with a wrong answer from it (it has not given one on any page
    # tried): an upright letter is still read right, and a page that reads badly every way up is
    # read twice, not three times (the claim on a page image being read lasts for two readings).
    monkeypatch.setattr(orientation, "upright_turn", lambda image: Image.Transpose.ROTATE_180)
    before = readings()
    result = tesseract.ocr_page(scribbles() if hard else page, "eng", 120, "fallback")
    assert readings() - before == 2
    if not hard:
        assert "harpsichord" in result.text
        assert word_box(result.words_tsv, "harpsichord") == word_box(
            tesseract.ocr_page(page, "eng", 120, "off").words_tsv, "harpsichord"
        )
