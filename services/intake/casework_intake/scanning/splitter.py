"""Split a scanned batch at its cover sheets. Pure: bytes in, parts out; no database, no network.

Each page is rendered grey at about 150 dpi (pypdfium2 for a PDF, Pillow for a multi-page TIFF)
only to be looked at: a page carrying a genuine cover sheet code starts a part, a page with almost
no ink is a blank (a separator, the back of a sheet) and is dropped, and every other page is
paper. The parts themselves are made of the ORIGINAL pages (pikepdf copies a PDF's page objects;
a TIFF's frames are embedded losslessly), never of the renderings.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pikepdf
import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageSequence, UnidentifiedImageError

from casework_intake.scanning.cover_sheets import SheetToken, is_sheet_code

RENDER_DPI = 150
# Blank detection: the page (less its margins, where scanners leave edge shadows and punch holes
# show) is cut into tiles of about 2.7 mm; a tile is inked when more than INKED_TILE of its pixels
# are darker than the page's own background (its median grey) by more than INK_CONTRAST: faint
# pencil or a pale toner (grey 145-180 on white) is ink, and a grey-tinted paper is not. Scanner
# specks and dust ink no tile (a 3x3-pixel speck is 3.5% of a 16x16 tile); one short handwritten
# line inks dozens. A page with fewer than MIN_INKED_TILES is blank.
TILE = 16
INK_CONTRAST = 40
INKED_TILE = 0.10  # with the relative level a speck's blurred halo counts too: 0.06 let 400 specks ink a page
MIN_INKED_TILES = 4
MARGIN_X, MARGIN_Y = 0.08, 0.05
# A QR code that zxing finds but cannot decode counts as a damaged cover sheet only when it is at
# least this big (the sheets' codes are 6 cm; small damaged codes are some letter's business).
MIN_SHEET_CODE_CM = 3.0
MAX_PAGES = 5000
# A page larger than this (in points, 1/72 inch; 2 m) is refused before it is rendered: rendering an
# absurd page (a hostile or broken MediaBox) would take the mailroom's memory.
MAX_PAGE_PT = 2 * 72 / 0.0254
# A TIFF frame with more pixels than this is refused (A3 at 600 dpi is 7e7)
# before Pillow decodes it.
MAX_FRAME_PIXELS = 200_000_000

Kind = Literal["sheet", "unreadable", "blank", "paper"]


class NotABatch(ValueError):
    """The file is not a PDF or TIFF that can be read; the message says why, for people."""


@dataclass(frozen=True)
class Page:
    """What one page of the batch is (numbers are 1-based)."""

    number: int
    kind: Kind
    token: SheetToken | None = None
    inked_tiles: int = 0


@dataclass(frozen=True)
class Part:
    """Consecutive pages to file together: behind a genuine sheet (``token``), or unfiled with
    ``reason`` (a HOLD_REASONS name: before_first_sheet, unreadable_sheet)."""

    index: int
    pages: tuple[int, ...]
    token: SheetToken | None = None
    reason: str | None = None
    sheet_page: int | None = None

    @property
    def first_page(self) -> int:
        return self.pages[0]

    @property
    def last_page(self) -> int:
        return self.pages[-1]


@dataclass(frozen=True)
class Split:
    """A batch looked at page by page, and the parts it makes."""

    format: Literal["pdf", "tiff"]
    pages: list[Page]
    parts: list[Part] = field(default_factory=list)

    def count(self, kind: Kind) -> int:
        return sum(1 for page in self.pages if page.kind == kind)


def batch_format(data: bytes) -> Literal["pdf", "tiff"]:
    """Which kind of batch ``data`` is, by its first bytes (never by a file name)."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    raise NotABatch("The file is neither a PDF nor a TIFF.")


def render(data: bytes, dpi: int = RENDER_DPI) -> Iterator[Image.Image]:
    """Each page of the batch as a greyscale image at about ``dpi``."""
    kind = batch_format(data)
    if kind == "pdf":
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise NotABatch(f"The PDF cannot be read ({exc}).") from exc
        try:
            if len(document) == 0:
                raise NotABatch("The PDF has no pages.")
            if len(document) > MAX_PAGES:
                raise NotABatch(f"The PDF has more than {MAX_PAGES} pages.")
            for index in range(len(document)):
                page = document[index]
                try:
                    width, height = page.get_size()
                    if not (0 < width <= MAX_PAGE_PT and 0 < height <= MAX_PAGE_PT):
                        raise NotABatch(
                            f"Page {index + 1} of the PDF has an impossible size ({width:.0f} x {height:.0f} pt)."
                        )
                    yield page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
                finally:
                    page.close()
        finally:
            document.close()
        return
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise NotABatch(f"The TIFF cannot be read ({exc}).") from exc
    with image:
        try:
            for number, frame in enumerate(ImageSequence.Iterator(image), 1):
                if number > MAX_PAGES:
                    raise NotABatch(f"The TIFF has more than {MAX_PAGES} pages.")
                if frame.width * frame.height > MAX_FRAME_PIXELS:
                    raise NotABatch(f"Page {number} of the TIFF is too large ({frame.width} x {frame.height} pixels).")
                grey = grey_of(frame)
                scale = dpi / float(_dpi(frame))
                if scale < 1:
                    grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))))
                yield grey
        except (OSError, Image.DecompressionBombError) as exc:
            raise NotABatch(f"The TIFF cannot be read ({exc}).") from exc


def grey_of(frame: Image.Image) -> Image.Image:
    """An 8-bit grey copy of a TIFF frame. A 16-bit frame (mode I;16, values 0-65535) is scaled
    down by 256: Pillow's convert("L") clips it instead, so every page would come out white."""
    if frame.mode.startswith("I;16") or frame.mode == "I":
        # convert("I") keeps the 16-bit values; point() scales them (v / 256 = v >> 8) and then they
        # fit "L" (point() straight into "L" kept mode "I" for a frame read from a file).
        return frame.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return frame.convert("L")


def _dpi(frame: Image.Image) -> float:
    dpi = frame.info.get("dpi") or (200, 200)
    return float(dpi[0]) if dpi[0] else 200.0


def inked_tiles(page: Image.Image) -> int:
    """How many tiles of the page (margins excluded) carry ink: 0 for a blank page with specks."""
    width, height = page.size
    box = (int(width * MARGIN_X), int(height * MARGIN_Y), int(width * (1 - MARGIN_X)), int(height * (1 - MARGIN_Y)))
    inner = page.crop(box)
    if inner.width == 0 or inner.height == 0:
        return 0
    counts, half, seen = inner.histogram(), inner.width * inner.height / 2, 0
    background = next(value for value, count in enumerate(counts) if (seen := seen + count) >= half)  # median
    level = background - INK_CONTRAST
    ink = inner.point(lambda v: 255 if v < level else 0)
    # reduce() averages each TILE x TILE block: a tile's value is 255 x its share of dark pixels.
    tiles = ink.reduce(TILE)
    return sum(count for value, count in enumerate(tiles.histogram()) if value > 255 * INKED_TILE)


def classify(page: Image.Image, number: int, read_token: Callable[[str], SheetToken | None], dpi: int) -> Page:
    """Is this page a cover sheet, a damaged one, blank, or paper?"""
    unreadable = False
    for code in zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode, return_errors=True):
        if code.format != zxingcpp.BarcodeFormat.QRCode:
            continue  # Micro QR and the like: never a cover sheet
        if code.valid and is_sheet_code(code.text):
            token = read_token(code.text)
            if token is not None:
                return Page(number, "sheet", token)
            unreadable = True  # says it is a sheet, but is not genuine (or not ours)
        elif not code.valid and (is_sheet_code(code.text) or _code_cm(code, dpi) >= MIN_SHEET_CODE_CM):
            unreadable = True
    if unreadable:
        return Page(number, "unreadable")
    tiles = inked_tiles(page)
    return Page(number, "blank" if tiles < MIN_INKED_TILES else "paper", inked_tiles=tiles)


def _code_cm(code: zxingcpp.Barcode, dpi: int) -> float:
    p = code.position
    side = max(abs(p.top_right.x - p.top_left.x), abs(p.bottom_left.y - p.top_left.y), 1)
    return side / dpi * 2.54


def split(data: bytes, read_token: Callable[[str], SheetToken | None], dpi: int = RENDER_DPI) -> Split:
    """Look at every page of the batch and cut it into parts: a part starts at each genuine sheet
    (the sheet itself is not in it) and at each damaged or forged one (that page is kept, so a
    person sees what was scanned); pages before the first sheet make a part of their own; blank
    pages are dropped, and a part left with no page is no part."""
    pages = [classify(image, n, read_token, dpi) for n, image in enumerate(render(data, dpi), 1)]
    parts: list[Part] = []
    current: dict | None = None

    def close() -> None:
        if current is not None and current["pages"]:
            parts.append(Part(index=len(parts), **{**current, "pages": tuple(current["pages"])}))

    for page in pages:
        if page.kind == "sheet":
            close()
            current = {"pages": [], "token": page.token, "reason": None, "sheet_page": page.number}
        elif page.kind == "unreadable":
            close()
            current = {"pages": [page.number], "token": None, "reason": "unreadable_sheet", "sheet_page": page.number}
        elif page.kind == "paper":
            if current is None:
                current = {"pages": [], "token": None, "reason": "before_first_sheet", "sheet_page": None}
            current["pages"].append(page.number)
    close()
    return Split(batch_format(data), pages, parts)


def part_document(data: bytes, pages: Sequence[int]) -> bytes:
    """A PDF of the batch's original ``pages`` (1-based), in order."""
    if batch_format(data) == "pdf":
        try:
            source = pikepdf.Pdf.open(io.BytesIO(data))
        except pikepdf.PdfError as exc:  # pdfium read it, qpdf does not: no batch either
            raise NotABatch(f"The PDF cannot be read ({exc}).") from exc
        with source, pikepdf.Pdf.new() as part:
            for number in pages:
                part.pages.append(source.pages[number - 1])
            buffer = io.BytesIO()
            part.save(buffer)
            return buffer.getvalue()
    with Image.open(io.BytesIO(data)) as image, pikepdf.Pdf.new() as part:
        for number in pages:
            image.seek(number - 1)  # ImageSequence yields one object seeked along: take each frame now
            _add_frame(part, image)
        buffer = io.BytesIO()
        part.save(buffer)
        return buffer.getvalue()


def _add_frame(pdf: pikepdf.Pdf, frame: Image.Image) -> None:
    """Embed a TIFF frame as a page, pixel for pixel (Flate, lossless), at its own resolution."""
    if frame.mode == "1":
        pixels, colour, bits = frame, pikepdf.Name.DeviceGray, 1
    elif frame.mode in ("L", "LA") or frame.mode.startswith("I;16") or frame.mode == "I":
        pixels, colour, bits = grey_of(frame), pikepdf.Name.DeviceGray, 8
    else:
        pixels, colour, bits = frame.convert("RGB"), pikepdf.Name.DeviceRGB, 8
    image = pikepdf.Stream(pdf, zlib.compress(pixels.tobytes()))
    image.Type = pikepdf.Name.XObject
    image.Subtype = pikepdf.Name.Image
    image.Width, image.Height = pixels.size
    image.ColorSpace = colour
    image.BitsPerComponent = bits
    image.Filter = pikepdf.Name.FlateDecode
    dpi = _dpi(frame)
    width_pt, height_pt = pixels.width * 72 / dpi, pixels.height * 72 / dpi
    contents = pikepdf.Stream(pdf, f"q {width_pt:.2f} 0 0 {height_pt:.2f} 0 0 cm /Im0 Do Q".encode())
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, width_pt, height_pt],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=contents,
    )
    pdf.pages.append(pikepdf.Page(page))
