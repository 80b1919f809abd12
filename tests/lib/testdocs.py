"""Evidence files generated in the test run itself: scans, photos and PDFs with known words.

Nothing here is a binary fixture: every file can be regenerated from this code.
"""

from __future__ import annotations

import io
import itertools

from PIL import Image, ImageDraw, ImageFont

A4_300DPI = (2480, 3508)

# Search terms that must survive OCR. Tesseract's dictionary reads real words reliably
# (measured: 40/40 here), while made-up tokens are misread or split ("BENCH264997 10")
# often enough to make a test flaky.
WORDS = [
    "marmalade",
    "zeppelin",
    "quixotic",
    "xylophone",
    "gazebo",
    "harpsichord",
    "kaleidoscope",
    "labyrinth",
    "nectarine",
    "obelisk",
    "pelican",
    "quarantine",
    "rhubarb",
    "saxophone",
    "tambourine",
    "umbrella",
    "vermilion",
    "walrus",
    "yodelling",
    "zucchini",
    "archipelago",
    "buttercup",
    "cathedral",
    "daffodil",
    "escalator",
    "flamingo",
    "gondola",
    "hazelnut",
    "iceberg",
    "juniper",
    "kingfisher",
    "lavender",
    "mandolin",
    "nightingale",
    "orchestra",
    "porcupine",
    "quicksilver",
    "raspberry",
    "sycamore",
    "trombone",
]
_unused = iter(WORDS)
_phrases = itertools.combinations(WORDS, 2)


def fresh_word() -> str:
    """A real word no earlier caller in this process got (one test session = one platform)."""
    return next(_unused)


def fresh_phrase() -> str:
    """Two real words, a combination no earlier caller got (for many uploads to one platform)."""
    return " ".join(next(_phrases))


def letter_lines(*words: str) -> list[str]:
    """A disciplinary invitation whose body carries ``words`` (for searching)."""
    return [
        "Metro Transit Ltd, Human Resources",
        "",
        "Dear Ms Okafor,",
        "INVITATION TO A DISCIPLINARY HEARING",
        "You are required to attend a hearing on 14 March 2026",
        "regarding allegations of persistent lateness.",
        *([" ".join(words)] if words else []),
        "You may be accompanied by your trade union representative.",
        "Yours sincerely, J. Smith",
    ]


def scan(lines: list[str], size: tuple[int, int] = A4_300DPI, font_px: int = 48) -> Image.Image:
    """A clean greyscale 'scan' of ``lines`` at 300 dpi."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_px)
    y = 300
    for line in lines:
        draw.text((250, y), line, fill=0, font=font)
        y += int(font_px * 1.9)
    return image


def png(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    scan(lines).save(buffer, "PNG", dpi=(300, 300))
    return buffer.getvalue()


def jpeg(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    scan(lines).convert("RGB").save(buffer, "JPEG", quality=85, dpi=(300, 300))
    return buffer.getvalue()


def scanned_pdf(pages: list[list[str]]) -> bytes:
    """An image-only PDF (no text layer), one scanned page per entry."""
    images = [scan(lines).convert("RGB") for lines in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=300, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(lines: list[str], invisible: bool = False) -> bytes:
    """A born-digital one-page PDF with a real text layer (Helvetica).

    With ``invisible``, the text is in the layer but not painted (render mode 3, as in
    OCR'd PDFs): only a text-layer extractor can find it; OCR of the page sees nothing.
    """
    ops = ["BT", "/F1 12 Tf", "72 720 Td", "16 TL"] + (["3 Tr"] if invisible else [])
    ops += [f"({_escape(line)}) '" for line in lines] + ["ET"]
    content = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
