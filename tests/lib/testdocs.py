"""Evidence files generated in the test run itself: scans, photos and PDFs with known words.

Nothing here is a binary fixture: every file can be regenerated from this code.
"""

from __future__ import annotations

import io
import itertools

from PIL import Image, ImageDraw, ImageFont

A4_300DPI = (2480, 3508)

# Search terms that must survive OCR. Tesseract's dictionary reads real words reliably
# (measured: every word below, read from a generated scan), while made-up tokens are misread or split ("BENCH264997 10")
# often enough to make a test flaky.
WORDS = [
    "abacus",
    "accordion",
    "albatross",
    "amethyst",
    "antelope",
    "apricot",
    "armadillo",
    "asparagus",
    "badger",
    "balalaika",
    "banjo",
    "barnacle",
    "bassoon",
    "blackberry",
    "bluebell",
    "bobsleigh",
    "bumblebee",
    "camel",
    "canary",
    "cardigan",
    "cashew",
    "catamaran",
    "cello",
    "chinchilla",
    "clementine",
    "coconut",
    "cormorant",
    "cricket",
    "crocus",
    "cucumber",
    "cuttlefish",
    "dormouse",
    "dromedary",
    "elderberry",
    "ferret",
    "gazelle",
    "gorilla",
    "granite",
    "harmonica",
    "harp",
    "heron",
    "hyacinth",
    "iguana",
    "jackal",
    "jaguar",
    "lemur",
    "macaroni",
    "mango",
    "manatee",
    "mongoose",
    "moose",
    "narwhal",
    "okapi",
    "opossum",
    "panther",
    "papaya",
    "parakeet",
    "pheasant",
    "piccolo",
    "cauliflower",
    "chipmunk",
    "clarinet",
    "cobblestone",
    "cranberry",
    "gingerbread",
    "grasshopper",
    "hopscotch",
    "ladybird",
    "marzipan",
    "origami",
    "penguin",
    "pinecone",
    "snowflake",
    "sunflower",
    "toboggan",
    "walnut",
    "wheelbarrow",
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
    "anchovy",
    "badminton",
    "cinnamon",
    "dolphin",
    "emerald",
    "fiddle",
    "giraffe",
    "hammock",
    "igloo",
    "jasmine",
    "kangaroo",
    "lemonade",
    "meadow",
    "nutmeg",
    "octopus",
    "parsnip",
    "quarry",
    "reindeer",
    "sapphire",
    "tulip",
    "unicorn",
    "volcano",
    "wardrobe",
    "yacht",
    "zebra",
    "almond",
    "biscuit",
    "caravan",
    "dandelion",
    "eucalyptus",
    "falcon",
    "geranium",
    "hedgehog",
    "itinerary",
    "jellyfish",
    "kettle",
    "lighthouse",
    "magnolia",
    "noodle",
    "orchid",
    "pancake",
    "quilt",
    "raccoon",
    "scarecrow",
    "thimble",
    "upholstery",
    "vanilla",
    "waffle",
    "yogurt",
    "acorn",
    "blueberry",
    "cactus",
    "dragonfly",
    "elephant",
    "feather",
    "gooseberry",
    "horizon",
    "ivory",
    "jukebox",
    "kiwi",
    "lantern",
    "mushroom",
    "nostril",
    "ostrich",
    "peppermint",
    "quince",
    "rosemary",
    "sandcastle",
    "toffee",
    "violin",
    "windmill",
    "avocado",
    "bagpipe",
    "chestnut",
    "dumpling",
    "earthworm",
    "fountain",
    "grapefruit",
    "hurricane",
    "inkwell",
    "jigsaw",
    "koala",
    "lobster",
    "meringue",
    "notebook",
    "otter",
    "pineapple",
    "riverbank",
    "seahorse",
    "teapot",
    "vineyard",
    "woodpecker",
    "artichoke",
    "beetroot",
    "candlestick",
    "driftwood",
    "eggplant",
    "firework",
    "goldfish",
    "honeycomb",
    "lollipop",
    "mistletoe",
    "oatmeal",
    "peacock",
    "pumpkin",
    "salamander",
    "tortoise",
    "watermelon",
]
# Phrases are pairs from their own tail of the list: a fresh word that also sat in an earlier
# phrase would be found in that earlier upload too (test_formats saw another test's pack.pdf).
_PHRASE_WORDS = 40
_unused = iter(WORDS[:-_PHRASE_WORDS])
_phrases = itertools.combinations(WORDS[-_PHRASE_WORDS:], 2)


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


def text_pdf(lines: list[str], invisible: bool = False, info: dict[str, str] | None = None) -> bytes:
    """A born-digital one-page PDF with a real text layer (Helvetica).

    With ``invisible``, the text is in the layer but not painted (render mode 3, as in
    OCR'd PDFs): only a text-layer extractor can find it; OCR of the page sees nothing.
    ``info`` is its document information dictionary (e.g. ``{"CreationDate": "D:20260303120000Z"}``).
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
    if info:
        entries = " ".join(f"/{key} ({_escape(value)})" for key, value in info.items())
        objects.append(f"<< {entries} >>".encode("latin-1"))
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
    info_ref = b" /Info %d 0 R" % len(objects) if info else b""
    out.write(b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info_ref, xref))
    return out.getvalue()


# -- more formats, each generated by a real tool or library -------------------------------------------


def tiff(pages: list[list[str]]) -> bytes:
    """A multi-page TIFF scan."""
    frames = [scan(lines, size=(1700, 2200), font_px=40) for lines in pages]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate", dpi=(200, 200))
    return buffer.getvalue()


def heic(lines: list[str]) -> bytes:
    """A phone photo as an iPhone saves it (HEIC)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    scan(lines).convert("RGB").save(buffer, "HEIF", quality=90)
    return buffer.getvalue()


def rotated_photo(lines: list[str], degrees: int) -> bytes:
    """A scan photographed sideways or upside down, with no EXIF hint to fix it."""
    buffer = io.BytesIO()
    scan(lines).rotate(degrees, expand=True).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def office(kind: str, lines: list[str], password: str | None = None) -> bytes:
    """A word-processor file (docx, odt, rtf, doc), or a PDF with ``kind="pdf"``, made by LibreOffice
    from plain text; with ``password``, an encrypted PDF."""
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "letter.txt"
        source.write_text("\n".join(lines) + "\n")
        target = kind
        if password:
            options = (
                '{"EncryptFile":{"type":"boolean","value":"true"},'
                f'"DocumentOpenPassword":{{"type":"string","value":"{password}"}}}}'
            )
            target = f"pdf:writer_pdf_Export:{options}"
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation={Path(work, 'profile').as_uri()}",
                "--convert-to",
                target,
                "--outdir",
                work,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return (Path(work) / f"letter.{kind.split(':')[0]}").read_bytes()


def html(lines: list[str]) -> bytes:
    body = "".join(f"<p>{line}</p>" for line in lines)
    return (
        f"<!doctype html><html><head><title>Letter</title><style>p {{color: red}}</style>"
        f"<script>var secret = 'scriptword';</script></head><body>{body}</body></html>"
    ).encode()


def eml(subject: str, body_lines: list[str], attachments: list[tuple[str, bytes, str]] = ()) -> bytes:
    """An email as a mail client saves it, with attachments (name, bytes, MIME type)."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "hr@metrotransit.example.org"
    message["To"] = "maria@union.example.org"
    message["Subject"] = subject
    message["Date"] = "Mon, 02 Mar 2026 09:00:00 +0000"
    message.set_content("\n".join(body_lines))
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/")
        if mime == "message/rfc822":
            from email import message_from_bytes, policy

            message.add_attachment(message_from_bytes(data, policy=policy.default), filename=name)
        else:
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def msg(subject: str, body: str, attachments: list[tuple[str, bytes, str]] = ()) -> bytes:
    """An Outlook .msg file (written with aspose-email-foss, a pure-Python MSG writer)."""
    import tempfile
    from pathlib import Path

    from aspose.email_foss import msg as outlook

    message = outlook.MapiMessage.create(subject, body)
    for name, data, mime in attachments:
        message.add_attachment(name, data, mime_type=mime)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "message.msg"
        message.save(str(path))
        return path.read_bytes()


def zip_of(members: list[tuple[str, bytes]], compression: int | None = None) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED if compression is None else compression) as z:
        for name, data in members:
            z.writestr(name, data)
    return buffer.getvalue()


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
