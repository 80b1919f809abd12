"""The bundle PDF library (casework_bundle.assemble) on real PDFs generated here.

Inputs: born-digital pages drawn with reportlab, image-only "scans" drawn with Pillow (their words placed from
where they were drawn, and one page read by real Tesseract through parse_tesseract_tsv), an email rendered by
render_text_pdf and a page turned by /Rotate. The bundle is read back with pikepdf, pypdfium2 and poppler's
pdftotext, never through the library's own code.
"""

from __future__ import annotations

import functools
import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
import tesserocr
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from casework_bundle.assemble import (
    BuiltBundle,
    BundleOptions,
    PageWords,
    Redaction,
    SourceDocument,
    Word,
    build_bundle,
    order_documents,
    parse_tesseract_tsv,
    render_text_pdf,
)
from casework_bundle.assemble.redact import matching_words
from casework_bundle.assemble.volumes import split_volumes

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SCAN_DPI = 150
SCAN_SIZE = (1240, 1754)  # A4 at 150 dpi
SECTIONS = ("Documents", "Witness statements")
NAME = "Łukasz Wiśniewski"
EMAIL_SENDER = "Zoë Ó Briain"

pdfmetrics.registerFont(TTFont("TestSans", FONT_PATH))


# ---------------------------------------------------------------- input documents


@dataclass(frozen=True)
class Drawn:
    """Where a word was drawn: page (1-based) and box in points from the top-left of the visible page."""

    page: int
    box: tuple[float, float, float, float]


def text_pdf(path: Path, pages: list[list[str]], rotate: int = 0) -> dict[str, Drawn]:
    """A born-digital PDF (DejaVu Sans, real text layer); returns where each line was drawn."""
    canvas = Canvas(str(path), pagesize=A4)
    drawn: dict[str, Drawn] = {}
    for number, lines in enumerate(pages, 1):
        y = A4[1] - 100
        for line in lines:
            canvas.setFont("TestSans", 12)
            canvas.drawString(72, y, line)
            width = pdfmetrics.stringWidth(line, "TestSans", 12)
            drawn[line] = Drawn(number, (72, A4[1] - y - 10, 72 + width, A4[1] - y + 1))
            y -= 40
        canvas.showPage()
    canvas.save()
    if rotate:
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            for page in pdf.pages:
                page.obj.Rotate = rotate
            pdf.save(path)
    return drawn


def scan_image(lines: list[str]) -> tuple[Image.Image, list[Word]]:
    """A greyscale 'scan' of ``lines`` and the box of every word drawn, in its pixels."""
    image = Image.new("L", SCAN_SIZE, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_PATH, 30)
    words: list[Word] = []
    y = 200
    for line in lines:
        x = 120
        for word in line.split():
            left, top, right, bottom = draw.textbbox((x, y), word, font=font)
            draw.text((x, y), word, fill=0, font=font)
            words.append(Word(word, left, top, right - left, bottom - top))
            x += draw.textlength(word + " ", font=font)
        y += 60
    return image, words


def scan_pdf(path: Path, images: list[Image.Image]) -> None:
    """An image-only PDF: one scanned page per image, no text layer."""
    rgb = [image.convert("RGB") for image in images]
    rgb[0].save(path, "PDF", resolution=SCAN_DPI, save_all=True, append_images=rgb[1:])


def tesseract_tsv(image: Image.Image) -> str:
    """The page's TSV as the OCR service writes it (header line + Tesseract's TSV)."""
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    tessdata = sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"))[-1]
    with tesserocr.PyTessBaseAPI(path=str(tessdata), lang="eng") as api:
        api.SetImage(image)
        api.Recognize()
        return header + api.GetTSVText(0)


@dataclass
class Fixture:
    built: BuiltBundle
    docs: dict[str, SourceDocument]
    drawn: dict[str, Drawn]  # redaction-test lines of the "Disciplinary notes" document
    ocr_boxes: dict[str, Word]  # words of the Tesseract-read scan, in its pixels
    progress: list[tuple[int, int]]
    work: Path


REDACTED_NAME = "John Smith"
AREA_WORD = "vermilion"
AREA = (0.05, 0.30, 0.60, 0.40)  # fractions of the page, around the AREA_WORD line drawn below


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    work = tmp_path_factory.mktemp("bundle")
    docs: dict[str, SourceDocument] = {}

    def add(key: str, **fields: object) -> None:
        docs[key] = SourceDocument(**fields)  # type: ignore[arg-type]

    text_pdf(work / "outcome.pdf", [[f"Dear {NAME},", "The outcome of the hearing is a warning."], ["Page two text"]])
    add(
        "outcome",
        pdf=work / "outcome.pdf",
        title=f"Outcome letter to {NAME}",
        date="2024-05-10",
        kind="Outcome letter",
        section="Documents",
    )

    page1, words1 = scan_image(["Minutes of the investigation meeting", "Present: the manager and the member"])
    page2, words2 = scan_image(["The member said marmalade zeppelin quixotic", "Meeting closed at noon"])
    scan_pdf(work / "minutes.pdf", [page1, page2])
    add(
        "minutes",
        pdf=work / "minutes.pdf",
        title="Investigation minutes",
        date="2024-02-01",
        kind="Minutes",
        section="Documents",
        ocr_words={1: PageWords(*SCAN_SIZE, tuple(words1)), 2: PageWords(*SCAN_SIZE, tuple(words2))},
    )

    render_text_pdf(
        "Please find the outcome attached.\n" + "A long line of the email body. " * 40,
        work / "email.pdf",
        title="Re: hearing",
        headers={
            "From": f"{EMAIL_SENDER} <zoe@example.org>",
            "To": "rep@example.org",
            "Date": "15 Mar 2024",
            "Subject": "Re: hearing",
        },
    )
    add(
        "email",
        pdf=work / "email.pdf",
        title="Email about the hearing",
        date="2024-03-15",
        kind="Email",
        section="Documents",
    )

    text_pdf(work / "policy.pdf", [["Disciplinary policy, section one"]])
    add("policy", pdf=work / "policy.pdf", title="Disciplinary policy", date="", kind="Policy", section="Documents")

    drawn = text_pdf(
        work / "notes.pdf",
        [
            [
                f"Notes by {REDACTED_NAME} of the meeting",
                "Witness gazebo spoke first",
                "",
                "",
                "",
                f"Secret {AREA_WORD} figures",
            ],
            [f"Second page: {REDACTED_NAME}'s conclusion", "Remaining pelican text"],
        ],
    )
    add(
        "notes",
        pdf=work / "notes.pdf",
        title="Disciplinary notes",
        date="2024-01-05",
        kind="Minutes",
        section="Documents",
        redactions=(Redaction(text=REDACTED_NAME.lower()), Redaction(page=1, box=AREA)),
    )

    ocr_image, _ = scan_image(["Suspension letter kaleidoscope labyrinth", "Signed harpsichord manager"])
    scan_pdf(work / "suspension.pdf", [ocr_image])
    ocr_words = parse_tesseract_tsv(tesseract_tsv(ocr_image))
    add(
        "suspension",
        pdf=work / "suspension.pdf",
        title="Suspension letter",
        date="2023-12-01",
        kind="Suspension letter",
        section="Documents",
        ocr_words={1: ocr_words},
        redactions=(Redaction(text="harpsichord"),),
    )

    text_pdf(work / "w_late.pdf", [["Statement of the member"], ["continued"], ["signed"]])
    add(
        "w_late",
        pdf=work / "w_late.pdf",
        title="Member's statement",
        date="2024-06-01",
        kind="Witness statement",
        section="Witness statements",
    )
    text_pdf(work / "w_early.pdf", [["Statement of a colleague"]])
    add(
        "w_early",
        pdf=work / "w_early.pdf",
        title="Colleague's statement",
        date="2024-04-01",
        kind="Witness statement",
        section="Witness statements",
    )

    text_pdf(work / "comparator.pdf", [["Comparator record turned sideways"]], rotate=90)
    add(
        "comparator",
        pdf=work / "comparator.pdf",
        title="Comparator record",
        date="2022-01-01",
        kind="Record",
        section="Comparators",
    )

    progress: list[tuple[int, int]] = []
    ordered = order_documents(list(docs.values()), SECTIONS)
    built = build_bundle(
        ordered,
        BundleOptions(
            title="Hearing bundle", details=("Case C-1042", f"{NAME} v Metro Transit Ltd"), sections=SECTIONS
        ),
        work / "out",
        progress=lambda done, total: progress.append((done, total)),
    )
    return Fixture(built, docs, drawn, {w.text: w for w in ocr_words.words}, progress, work)


# ---------------------------------------------------------------- reading the output


def pdftotext(pdf: Path, page: int | None = None, *, crop: tuple[float, float, float, float] | None = None) -> str:
    """Text of ``pdf`` (or one 1-based physical page), optionally of an area (x, y, w, h in points from top-left)."""
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    if crop is not None:
        x, y, w, h = crop
        args += ["-r", "72", "-x", str(int(x)), "-y", str(int(y)), "-W", str(int(w)), "-H", str(int(h))]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@functools.cache
def page_words(pdf: Path) -> list[tuple[float, float, list[tuple[str, float, float, float, float]]]]:
    """Every physical page's size and words with boxes (points, top-left origin, as shown) from pdftotext -bbox."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    # pdftotext gives a turned page's words as shown but its size unturned: the shown size comes from pdfium
    document = pypdfium2.PdfDocument(pdf)
    sizes = [document[i].get_size() for i in range(len(document))]
    document.close()
    pages = []
    for n, match in enumerate(re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S)):
        words = [
            (html.unescape(m.group(5)), float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4)))
            for m in re.finditer(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', match.group(3)
            )
        ]
        pages.append((sizes[n][0], sizes[n][1], words))
    return pages


@functools.cache
def stamps(pdf: Path) -> list[int | None]:
    """The stamped number of every physical page: "Page N" in the bottom 40 points, None where there is none."""
    found: list[int | None] = []
    for _, height, words in page_words(pdf):
        bottom = [w for w in words if w[2] > height - 40]
        text = " ".join(w[0] for w in sorted(bottom, key=lambda w: w[1]))
        match = re.fullmatch(r"Page (\d+)", text)
        found.append(int(match.group(1)) if match else None)
    return found


def front_count(pdf: Path) -> int:
    return stamps(pdf).index(1) if 1 in stamps(pdf) else len(stamps(pdf))


def physical_page(fx: Fixture, key: str, doc_page: int = 1) -> int:
    """1-based physical page of the (only) volume holding ``key``'s ``doc_page``."""
    row = next(r for r in fx.built.index if r.title == fx.docs[key].title)
    return front_count(fx.built.volumes[0]) + row.first_page + doc_page - 1


def render(pdf: Path, page: int, scale: float = 2.0) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[page - 1].render(scale=scale).to_pil().convert("L")
    finally:
        document.close()


def darkness(image: Image.Image, box_pt: tuple[float, float, float, float], scale: float) -> list[int]:
    """Grey values on a 5x3 grid inside ``box_pt`` (points from the top-left), shrunk a little from its edges."""
    x0, y0, x1, y1 = (v * scale for v in box_pt)
    samples = []
    for i in range(5):
        for j in range(3):
            x = x0 + (x1 - x0) * (0.1 + 0.8 * i / 4)
            y = y0 + (y1 - y0) * (0.25 + 0.5 * j / 2)
            samples.append(image.getpixel((int(x), int(y))))
    return samples


# ---------------------------------------------------------------- the bundle


EXPECTED_ORDER = [
    "suspension",
    "notes",
    "minutes",
    "email",
    "outcome",
    "policy",  # Documents, chronological, undated last
    "w_early",
    "w_late",  # Witness statements
    "comparator",  # a section not in the options' list comes last
]


def test_documents_in_order_and_index_lists_them(bundle: Fixture) -> None:
    titles = [bundle.docs[k].title for k in EXPECTED_ORDER]
    assert [r.title for r in bundle.built.index] == titles
    assert [r.number for r in bundle.built.index] == list(range(1, len(titles) + 1))
    # the index pages of the PDF list the documents in the same order
    pdf = bundle.built.volumes[0]
    front_text = "".join(pdftotext(pdf, p) for p in range(2, front_count(pdf) + 1))
    flat = " ".join(front_text.split())
    positions = [flat.find(" ".join(t.split())) for t in titles]
    assert -1 not in positions, flat
    assert positions == sorted(positions)
    assert "undated" in flat
    # each document's first page is where the index says it is: its own first line is on that page
    for key, first_line in (("policy", "Disciplinary policy, section one"), ("w_early", "Statement of a colleague")):
        assert first_line in pdftotext(pdf, physical_page(bundle, key))


def test_stamped_numbers_run_1_to_n_without_gap(bundle: Fixture) -> None:
    pdf = bundle.built.volumes[0]
    found = stamps(pdf)
    front = front_count(pdf)
    assert front >= 2  # title page and index
    assert found[:front] == [None] * front  # title and index pages are not numbered
    assert found[front:] == list(range(1, bundle.built.pages_total + 1))
    assert bundle.built.pages_total == sum(r.last_page - r.first_page + 1 for r in bundle.built.index)
    with pikepdf.open(pdf) as opened:
        assert len(opened.pages) == front + bundle.built.pages_total
        # the viewer's page labels agree: i, ii for the front, then the stamped numbers
        labels = [page.label for page in opened.pages]
    assert labels[:2] == ["i", "ii"]
    assert labels[front:] == [str(n) for n in range(1, bundle.built.pages_total + 1)]


def test_stamp_is_at_the_bottom_of_a_rotated_page(bundle: Fixture) -> None:
    pdf = bundle.built.volumes[0]
    page = physical_page(bundle, "comparator")
    width, height, words = page_words(pdf)[page - 1]
    assert width > height  # shown landscape
    stamp_words = [w for w in words if w[0] == "Page"]
    assert len(stamp_words) == 1
    _, x0, y0, x1, _ = stamp_words[0]
    assert y0 > height - 40
    assert abs((x0 + x1) / 2 - width / 2) < 40


def test_each_index_link_lands_on_the_page_its_row_names(bundle: Fixture) -> None:
    pdf_path = bundle.built.volumes[0]
    found = stamps(pdf_path)
    layout = page_words(pdf_path)
    links = 0
    with pikepdf.open(pdf_path) as pdf:
        page_index = {page.objgen: i for i, page in enumerate(pdf.pages)}
        for i in range(1, front_count(pdf_path)):
            _, height, words = layout[i]
            pages_x = next(w[1] for w in words if w[0] == "Pages")
            for annot in pdf.pages[i].obj.get("/Annots", []):
                assert annot.Subtype == "/Link" and annot.A.S == "/GoTo"
                target = page_index[annot.A.D[0].objgen]
                x0, y0, _, y1 = (float(v) for v in annot.Rect)
                top, bottom = height - y1, height - y0
                row = sorted((w for w in words if top <= (w[2] + w[4]) / 2 <= bottom), key=lambda w: (w[2], w[1]))
                number = int(next(w[0] for w in row if w[1] < x0 + 5))
                pages = next(w[0] for w in row if abs(w[1] - pages_x) < 2)
                # the page range the row shows starts at the stamped number of the page the link opens
                assert found[target] == int(pages.split("–")[0]), (number, pages)
                assert bundle.built.index[number - 1].first_page == found[target]
                links += 1
    assert links == len(bundle.built.index)


def test_bookmarks_match_documents(bundle: Fixture) -> None:
    pdf_path = bundle.built.volumes[0]
    found = stamps(pdf_path)
    with pikepdf.open(pdf_path) as pdf:
        page_index = {page.objgen: i for i, page in enumerate(pdf.pages)}

        def target(item: pikepdf.OutlineItem) -> int:
            dest = item.destination if item.destination is not None else item.action.D
            return page_index[dest[0].objgen]

        with pdf.open_outline() as outline:
            top = outline.root
            assert top[0].title == "Index" and target(top[0]) == 1
            sections = top[1:]
            assert [s.title for s in sections] == ["Documents", "Witness statements", "Comparators"]
            children = [c for s in sections for c in s.children]
            assert len(children) == len(bundle.built.index)
            for child, row in zip(children, bundle.built.index, strict=True):
                assert child.title.startswith(f"{row.number}. {row.title}")
                assert found[target(child)] == row.first_page
            for section in sections:
                assert target(section) == target(section.children[0])


def test_scanned_page_phrase_is_found_on_the_right_bundle_page(bundle: Fixture) -> None:
    pdf = bundle.built.volumes[0]
    page = physical_page(bundle, "minutes", 2)
    assert "marmalade zeppelin quixotic" in pdftotext(pdf, page)
    assert "marmalade" not in pdftotext(pdf, page - 1)
    assert "Minutes of the investigation meeting" in pdftotext(pdf, page - 1)
    # the scan itself has no text: the words come from the invisible layer, which paints nothing
    assert pdftotext(bundle.docs["minutes"].pdf).strip() == ""
    # a page read by real Tesseract (parse_tesseract_tsv) is searchable too
    assert "kaleidoscope labyrinth" in pdftotext(pdf, physical_page(bundle, "suspension"))


def test_invisible_words_sit_over_their_image(bundle: Fixture) -> None:
    pdf = bundle.built.volumes[0]
    page = physical_page(bundle, "minutes", 2)
    width, _, words = page_words(pdf)[page - 1]
    box = next(w for w in words if w[0] == "zeppelin")
    drawn = next(w for w in scan_image(["The member said marmalade zeppelin quixotic"])[1] if w.text == "zeppelin")
    scale = width / SCAN_SIZE[0]
    assert abs(box[1] - drawn.left * scale) < 3
    assert abs(box[3] - (drawn.left + drawn.width) * scale) < 3
    # vertically: extractors add their own ascent and descent around the baseline; the centres agree
    assert abs((box[2] + box[4]) / 2 - (drawn.top + drawn.height / 2) * scale) < drawn.height * scale / 2


def test_redacted_words_are_gone_from_text_and_pixels(bundle: Fixture) -> None:
    pdf = bundle.built.volumes[0]
    everything = pdftotext(pdf)
    assert "Smith" not in everything
    assert "harpsichord" not in everything
    assert AREA_WORD not in everything
    first = physical_page(bundle, "notes", 1)
    second = physical_page(bundle, "notes", 2)
    # the words around the redactions stay searchable
    assert "gazebo" in pdftotext(pdf, first)
    assert "pelican" in pdftotext(pdf, second)
    assert "conclusion" in pdftotext(pdf, second)
    scale = 2.0
    for page, line in (
        (first, f"Notes by {REDACTED_NAME} of the meeting"),
        (second, f"Second page: {REDACTED_NAME}'s conclusion"),
    ):
        drawn = bundle.drawn[line]
        x0, y0, x1, y1 = drawn.box
        # the name's part of the line, from its measured offset within the drawn line
        prefix = line.split(REDACTED_NAME)[0]
        start = x0 + pdfmetrics.stringWidth(prefix, "TestSans", 12)
        end = start + pdfmetrics.stringWidth(REDACTED_NAME, "TestSans", 12)
        image = render(pdf, page, scale)
        assert max(darkness(image, (start, y0, end, y1), scale)) < 60
        # the same place in the original is not black (the check can fail)
        original = render(bundle.docs["notes"].pdf, drawn.page, scale)
        assert max(darkness(original, (start, y0, end, y1), scale)) > 200
    # the area: black over the whole box
    image = render(pdf, first, scale)
    x0, y0, x1, y1 = AREA
    area_pt = (x0 * A4[0], y0 * A4[1], x1 * A4[0], y1 * A4[1])
    assert max(darkness(image, area_pt, scale)) < 60
    assert AREA_WORD in pdftotext(bundle.docs["notes"].pdf)  # it was in the source's text
    # the Tesseract-read scan: black where Tesseract found the word
    word = bundle.ocr_boxes["harpsichord"]
    page = physical_page(bundle, "suspension")
    px = A4[0] / SCAN_SIZE[0]
    box = (word.left * px, word.top * px, (word.left + word.width) * px, (word.top + word.height) * px)
    assert max(darkness(render(pdf, page, scale), box, scale)) < 60
    assert "kaleidoscope" in pdftotext(pdf, page)


def test_unicode_names_survive(bundle: Fixture) -> None:
    pdf = bundle.built.volumes[0]
    assert NAME in pdftotext(pdf, physical_page(bundle, "outcome"))
    assert EMAIL_SENDER in pdftotext(pdf, physical_page(bundle, "email"))
    assert NAME in pdftotext(pdf, 1)  # title page details
    front = " ".join(pdftotext(pdf, 2).split())
    assert f"Outcome letter to {NAME}" in front


def test_progress_reports_each_document(bundle: Fixture) -> None:
    total = bundle.built.pages_total
    assert bundle.progress[0] == (0, total)
    assert bundle.progress[-1] == (total, total)
    assert len(bundle.progress) == len(bundle.built.index) + 1
    done = [d for d, _ in bundle.progress]
    assert done == sorted(done)


def test_volumes_split_at_document_boundaries(tmp_path: Path) -> None:
    counts = [2, 3, 1, 6, 2, 2, 1]
    docs = []
    for i, count in enumerate(counts):
        path = tmp_path / f"d{i}.pdf"
        text_pdf(path, [[f"Document {i} page {p + 1}"] for p in range(count)])
        docs.append(
            SourceDocument(
                pdf=path, title=f"Document {i}", date=f"2024-01-{i + 10}", kind="Letter", section="Documents"
            )
        )
    limit = 5
    built = build_bundle(docs, BundleOptions(title="Long bundle", max_pages_per_volume=limit), tmp_path / "out")
    assert built.pages_total == sum(counts)
    # greedy at document boundaries: [2,3] [1] [6] [2,2,1]
    assert [r.volume for r in built.index] == [1, 1, 2, 3, 4, 4, 4]
    assert len(built.volumes) == 4
    numbers: list[int] = []
    for v, path in enumerate(built.volumes, 1):
        rows = [r for r in built.index if r.volume == v]
        found = stamps(path)
        front = found.index(rows[0].first_page)
        stamped = found[front:]
        assert stamped == list(range(rows[0].first_page, rows[-1].last_page + 1))
        assert len(stamped) <= limit or len(rows) == 1  # only a document longer than the limit exceeds it
        numbers += stamped
        # each document is whole in its volume: its first and last page lines are there
        text = pdftotext(path)
        for row in rows:
            i = int(row.title.split()[1])
            assert f"Document {i} page 1" in text and f"Document {i} page {counts[i]}" in text
        with pikepdf.open(path) as pdf:
            page_index = {page.objgen: n for n, page in enumerate(pdf.pages)}
            targets = [
                found[page_index[a.A.D[0].objgen]] for n in range(1, front) for a in pdf.pages[n].obj.get("/Annots", [])
            ]
            # links only to this volume's documents, one per document
            assert targets == [r.first_page for r in rows]
            with pdf.open_outline() as outline:
                assert sum(len(s.children) for s in outline.root[1:]) == len(rows)
        # the full index (with the volume column) is in every volume
        index_text = " ".join(pdftotext(path, 2).split())
        assert all(f"Document {i}" in index_text for i in range(len(counts)))
    assert numbers == list(range(1, sum(counts) + 1))  # numbering continues across volumes


def test_render_text_pdf_wraps_and_keeps_unicode(tmp_path: Path) -> None:
    body = "Ωmega Привет " + "word " * 1500 + "x" * 200
    out = render_text_pdf(body, tmp_path / "t.pdf", title="Ärger", headers={"From": EMAIL_SENDER})
    pages = page_words(out)
    assert len(pages) >= 2
    for width, _, words in pages:
        assert all(w[3] <= width - 40 for w in words)  # nothing runs off the right margin
    text = pdftotext(out)
    assert "Ωmega Привет" in text and "Ärger" in text and EMAIL_SENDER in text
    assert "".join(text.split()).count("x" * 50) >= 1 and text.count("x") == 200


# ---------------------------------------------------------------- pure functions


def test_parse_tesseract_tsv() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n"
        "4\t1\t1\t1\t1\t0\t250\t300\t900\t60\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t250\t300\t200\t60\t95.5\tHello\n"
        "5\t1\t1\t1\t1\t2\t470\t300\t10\t60\t10\t \n"
        "5\t1\t1\t1\t1\t3\t500\t302\t250\t58\t91\tŁukasz\n"
    )
    words = parse_tesseract_tsv(tsv)
    assert (words.image_width, words.image_height) == (2480, 3508)
    assert words.words == (Word("Hello", 250, 300, 200, 60), Word("Łukasz", 500, 302, 250, 58))
    with pytest.raises(ValueError):
        parse_tesseract_tsv("5\t1\t1\t1\t1\t1\t250\t300\t200\t60\t95.5\tHello\n")


def test_order_documents() -> None:
    def doc(title: str, date: str, kind: str = "Letter", section: str = "Documents") -> SourceDocument:
        return SourceDocument(pdf=Path(title), title=title, date=date, kind=kind, section=section)

    docs = [
        doc("late", "2024-03-01"),
        doc("undated", ""),
        doc("statement", "2020-01-01", section="Witness statements"),
        doc("comparator", "2019-01-01", section="Comparators"),
        doc("b-email", "2024-01-01", kind="Email"),
        doc("a-letter", "2024-01-01", kind="Letter"),
        doc("same-1", "2024-02-01"),
        doc("same-2", "2024-02-01"),
    ]
    ordered = order_documents(docs, SECTIONS)
    assert [d.title for d in ordered] == [
        "b-email",
        "a-letter",
        "same-1",
        "same-2",
        "late",
        "undated",
        "statement",
        "comparator",
    ]


def test_split_volumes() -> None:
    assert split_volumes([3, 3, 3], None) == [[0, 1, 2]]
    assert split_volumes([3, 3, 3], 6) == [[0, 1], [2]]
    assert split_volumes([2, 9, 2], 5) == [[0], [1], [2]]
    assert split_volumes([5, 5], 5) == [[0], [1]]


def test_matching_words() -> None:
    words = ["Dear", "John", "Smith's", "letter.", "JOHN", "SMITH", "Smithson", "a", "a", "a"]
    assert matching_words(words, ["john smith"]) == {1, 2, 4, 5}
    assert matching_words(words, ["Smith"]) == {2, 5}
    assert matching_words(words, ["a a"]) == {7, 8, 9}
    assert matching_words(words, ["ohn"]) == set()


def test_redaction_needs_text_or_a_box() -> None:
    with pytest.raises(ValueError):
        Redaction()
    with pytest.raises(ValueError):
        Redaction(box=(0.1, 0.1, 0.2, 0.2))  # an area names its page
    with pytest.raises(ValueError):
        Redaction(page=1, box=(0.5, 0.1, 0.2, 0.2))


def test_input_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        build_bundle([], BundleOptions(title="x"), tmp_path)
    path = tmp_path / "one.pdf"
    text_pdf(path, [["one page"]])
    bad = SourceDocument(
        pdf=path, title="t", date="", kind="k", section="Documents", redactions=(Redaction(text="x", page=2),)
    )
    with pytest.raises(ValueError):
        build_bundle([bad], BundleOptions(title="x"), tmp_path / "out")


def test_active_content_of_a_source_document_does_not_reach_the_bundle(tmp_path: Path) -> None:
    """A hostile PDF's scripts, launch actions and automatic page actions are removed; its web link stays."""
    path = tmp_path / "hostile.pdf"
    text_pdf(path, [["A letter with tricks in it"]])
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        script = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
        page.obj.AA = pikepdf.Dictionary(O=script)

        def link(action: pikepdf.Dictionary) -> pikepdf.Dictionary:
            return pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 50, 50], A=action)

        page.obj.Annots = pdf.make_indirect(
            pikepdf.Array(
                [
                    link(pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))),
                    link(script),
                    link(pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org/policy"))),
                ]
            )
        )
        pdf.save(path)
    doc = SourceDocument(pdf=path, title="Letter", date="2026-03-03", kind="Letter", section="Documents")
    built = build_bundle([doc], BundleOptions(title="x"), tmp_path / "out")
    with pikepdf.open(built.volumes[0]) as out:
        page = out.pages[front_count(built.volumes[0])]
        assert "/AA" not in page.obj
        actions = [annot.A.S for annot in page.obj.get("/Annots", [])]
        assert actions == [pikepdf.Name.URI]


def test_a_worker_without_its_fonts_is_not_ready(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from casework_bundle.assemble import fonts

    assert fonts.available()
    monkeypatch.setattr(fonts, "_SEARCH_DIRS", ())
    monkeypatch.setenv("CASEWORK_BUNDLE_FONT_DIR", str(tmp_path))
    assert not fonts.available()
