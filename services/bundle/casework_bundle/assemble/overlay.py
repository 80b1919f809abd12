"""What is drawn over each document page: the stamped page number and the invisible OCR text layer.

Each page gets two small content streams: a shared ``q`` before its own content (so whatever state the page
leaves behind cannot move or hide the overlay) and one stream after it with ``Q``, the text layer and the
stamp. The two fonts are single objects shared by every page of a volume.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name
from reportlab.pdfbase.pdfmetrics import stringWidth

from casework_bundle.assemble.geometry import Visible, cm, visible
from casework_bundle.assemble.model import PageWords

STAMP_FONT = Name("/CwStamp")
TEXT_FONT = Name("/CwText")
STAMP_SIZE = 10.0
STAMP_BASELINE = 16.0  # points above the bottom edge of the visible page
_PAD_X, _PAD_Y = 5.0, 4.0
_GLYPH_WIDTH = 0.5  # the invisible font's every glyph is half an em wide (its /DW 500)

# Tesseract's glyphless font, the same one its own PDF renderer embeds, when the OCR package is installed;
# without it the invisible font is simply not embedded (viewers substitute; nothing is drawn either way).
_GLYPHLESS_TTF = (
    Path("/usr/share/tesseract-ocr/5/tessdata/pdf.ttf"),
    Path("/usr/share/tesseract-ocr/4.00/tessdata/pdf.ttf"),
    Path("/usr/share/tessdata/pdf.ttf"),
)

# ToUnicode: every two-byte code is the UTF-16 code unit of the same value, so extraction gives back the text
_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def stamp_label(number: int) -> str:
    """The text stamped on a bundle page."""
    return f"Page {number}"


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class Overlays:
    """Stamps and text layers for the pages of one output PDF, sharing their fonts and the ``q`` stream."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self._pdf = pdf
        self._open = pdf.make_stream(b"q\n")
        self._stamp_font = pdf.make_indirect(
            Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica, Encoding=Name.WinAnsiEncoding)
        )
        self._text_font: pikepdf.Object | None = None

    def _glyphless_font(self) -> pikepdf.Object:
        if self._text_font is None:
            pdf = self._pdf
            descriptor = Dictionary(
                Type=Name.FontDescriptor,
                FontName=Name.GlyphLessFont,
                Flags=5,
                FontBBox=Array([0, 0, 500, 1000]),
                ItalicAngle=0,
                Ascent=1000,
                Descent=0,
                CapHeight=1000,
                StemV=80,
            )
            ttf = next((p for p in _GLYPHLESS_TTF if p.is_file()), None)
            if ttf is not None:
                descriptor.FontFile2 = pdf.make_stream(ttf.read_bytes())
            # every code maps to glyph 1 of the glyphless font (as Tesseract's renderer does)
            cid_to_gid = pdf.make_stream(zlib.compress(b"\x00\x01" * 65536), Filter=Name.FlateDecode)
            cid_font = Dictionary(
                Type=Name.Font,
                Subtype=Name.CIDFontType2,
                BaseFont=Name.GlyphLessFont,
                CIDSystemInfo=Dictionary(
                    Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0
                ),
                FontDescriptor=pdf.make_indirect(descriptor),
                DW=int(_GLYPH_WIDTH * 1000),
                CIDToGIDMap=cid_to_gid,
            )
            self._text_font = pdf.make_indirect(
                Dictionary(
                    Type=Name.Font,
                    Subtype=Name.Type0,
                    BaseFont=Name.GlyphLessFont,
                    Encoding=Name("/Identity-H"),
                    DescendantFonts=Array([pdf.make_indirect(cid_font)]),
                    ToUnicode=pdf.make_stream(_TO_UNICODE),
                )
            )
        return self._text_font

    def apply(self, page: pikepdf.Page, number: int, words: PageWords | None) -> None:
        """Stamp ``number`` on ``page`` and, given ``words``, add them as an invisible text layer."""
        view = visible(page)
        parts = [b"Q\nq\n", cm(view.matrix)]
        fonts = {STAMP_FONT: self._stamp_font}
        if words is not None and words.words:
            parts.append(text_layer(words, view))
            fonts[TEXT_FONT] = self._glyphless_font()
        parts.append(stamp(number, view))
        parts.append(b"Q\n")
        _add_fonts(page, fonts)
        page.contents_add(self._open, prepend=True)
        page.contents_add(self._pdf.make_stream(b"".join(parts)), prepend=False)


def _add_fonts(page: pikepdf.Page, fonts: dict[Name, pikepdf.Object]) -> None:
    resources = page.obj.get("/Resources")
    if resources is None:
        resources = page.obj.Resources = Dictionary()
    font_dict = resources.get("/Font")
    if font_dict is None:
        font_dict = resources.Font = Dictionary()
    for name, font in fonts.items():
        font_dict[name] = font


def stamp(number: int, view: Visible) -> bytes:
    """Content (in upright visible coordinates) for the page number: black on a white box, bottom centre."""
    label = stamp_label(number)
    text_w = stringWidth(label, "Helvetica", STAMP_SIZE)
    x = (view.width - text_w) / 2
    box_x, box_y = x - _PAD_X, STAMP_BASELINE - _PAD_Y - 2
    box_w, box_h = text_w + 2 * _PAD_X, STAMP_SIZE + 2 * _PAD_Y
    return (
        f"1 g 0.6 G 0.5 w {_num(box_x)} {_num(box_y)} {_num(box_w)} {_num(box_h)} re B\n"
        # the text state is reset: an invisible text layer drawn before leaves render mode 3 set
        "0 g BT 0 Tr 0 Tc 0 Tw 100 Tz\n"
        f"/CwStamp {_num(STAMP_SIZE)} Tf {_num(x)} {_num(STAMP_BASELINE)} Td ({label}) Tj ET\n"
    ).encode("latin-1")


def text_layer(words: PageWords, view: Visible) -> bytes:
    """Content (in upright visible coordinates) setting each word invisibly (render mode 3) over its box.

    Boxes are scaled from the OCR image's pixels to the visible page; each word is stretched horizontally to its
    box's width and its em is the box's height, so selections and search hits highlight where the word is.
    """
    sx = view.width / words.image_width
    sy = view.height / words.image_height
    top = view.height
    # one format call per word: this loop is most of a bundle's own work (a scanned page has ~300 words)
    place = "{:.2f} 0 0 {:.2f} {:.2f} {:.2f} Tm <{}> Tj\n".format
    out = ["BT 3 Tr /CwText 1 Tf\n"]
    for word in words.words:
        text = word.text
        if not text:
            continue
        if max(text) > "\uffff":
            text = "".join(ch if ord(ch) <= 0xFFFF else "\ufffd" for ch in text)
        size = max(word.height * sy, 1.0)
        # the horizontal scale that stretches the word's glyphs (each half an em) over the box's width
        stretch = word.width * sx / (len(text) * _GLYPH_WIDTH)
        baseline = top - (word.top + word.height) * sy
        out.append(place(stretch, size, word.left * sx, baseline, text.encode("utf-16-be").hex()))
    out.append("ET\n")
    return "".join(out).encode("ascii")
