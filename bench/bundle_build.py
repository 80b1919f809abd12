"""Bundle building (services/bundle) against plain concatenation: 60 mixed items, 500 pages.

Standalone (no servers). Generates, in a temporary directory: born-digital letters (reportlab), image-only
scans with their OCR word boxes (Pillow, words placed from where they were drawn, ~300 a page) and emails
rendered by render_text_pdf. Then, in the same run, times

  (a) a plain concatenation of the same PDFs with pikepdf (open each, append its pages, save), and
  (b) build_bundle: title page, linked index, page-number stamps, invisible text layers for the scans,
      bookmarks, page labels (no redaction),

each ``--repeat`` times (median), and prints both, the ratio and PASS/MISS against the target ratio <= 3.
Separately it times build_bundle with a few redacted pages (each rasterised), reported per redacted page.

Run: flock /tmp/casework-run.lock .venv/bin/python bench/bundle_build.py
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pikepdf
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from casework_bundle.assemble import (
    BundleOptions,
    PageWords,
    Redaction,
    SourceDocument,
    Word,
    build_bundle,
    order_documents,
    render_text_pdf,
)

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
TARGET_RATIO = 3.0
ITEMS = 60
PAGES = 500
SCAN_SIZE = (1240, 1754)  # A4 at 150 dpi, greyscale
VOCABULARY = [
    "hearing",
    "outcome",
    "letter",
    "member",
    "manager",
    "grievance",
    "appeal",
    "meeting",
    "evidence",
    "statement",
    "policy",
    "procedure",
    "warning",
    "suspension",
    "allegation",
    "conduct",
    "attendance",
    "representative",
    "union",
    "witness",
    "investigation",
    "notes",
    "decision",
    "disciplinary",
    "sickness",
    "absence",
    "contract",
    "payslip",
    "overtime",
    "shift",
    "roster",
    "Łukasz",
    "Zoë",
    "Ó",
    "Briain",
]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(words))


def text_document(path: Path, pages: int, rng: random.Random) -> None:
    canvas = Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        canvas.setFont("BenchSans", 10.5)
        y = A4[1] - 72
        while y > 72:
            canvas.drawString(56, y, sentence(rng, 12))
            y -= 15
        canvas.showPage()
    canvas.save()


def scan_document(path: Path, pages: int, rng: random.Random) -> dict[int, PageWords]:
    font = ImageFont.truetype(FONT, 24)
    images, words_by_page = [], {}
    for number in range(1, pages + 1):
        image = Image.new("L", SCAN_SIZE, 255)
        draw = ImageDraw.Draw(image)
        words: list[Word] = []
        y = 120
        while y < SCAN_SIZE[1] - 140:
            x = 100.0
            for word in sentence(rng, 10).split():
                left, top, right, bottom = draw.textbbox((x, y), word, font=font)
                draw.text((x, y), word, fill=0, font=font)
                words.append(Word(word, left, top, right - left, bottom - top))
                x += draw.textlength(word + " ", font=font)
            y += 48
        images.append(image)
        words_by_page[number] = PageWords(SCAN_SIZE[0], SCAN_SIZE[1], tuple(words))
    images[0].save(path, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return words_by_page


def page_counts(rng: random.Random) -> list[int]:
    """60 page counts summing to 500: mostly short letters, some long minutes and statements."""
    counts = [rng.choice((1, 1, 2, 2, 3, 4, 5, 8, 12, 20)) for _ in range(ITEMS)]
    while sum(counts) != PAGES:
        i = rng.randrange(ITEMS)
        if sum(counts) < PAGES:
            counts[i] += 1
        elif counts[i] > 1:
            counts[i] -= 1
    return counts


def generate(work: Path) -> list[SourceDocument]:
    pdfmetrics.registerFont(TTFont("BenchSans", FONT))
    rng = random.Random(16)
    docs = []
    kinds = ["text"] * 25 + ["scan"] * 20 + ["email"] * 15
    rng.shuffle(kinds)
    for i, (kind, pages) in enumerate(zip(kinds, page_counts(rng), strict=True)):
        path = work / f"item-{i:02d}.pdf"
        ocr: dict[int, PageWords] = {}
        if kind == "text":
            text_document(path, pages, rng)
        elif kind == "scan":
            ocr = scan_document(path, pages, rng)
        else:
            # an email body long enough for its page count (12 words wrap to two lines; ~52 lines a page)
            body = "\n".join(sentence(rng, 12) for _ in range(pages * 27))
            render_text_pdf(body, path, title=sentence(rng, 5), headers={"From": "Zoë Ó Briain", "Subject": "x"})
            with pikepdf.open(path, allow_overwriting_input=True) as pdf:
                del pdf.pages[pages:]
                pdf.save(path)
        docs.append(
            SourceDocument(
                pdf=path,
                title=f"{kind} item {i}: {sentence(rng, 4)}",
                date=f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if rng.random() > 0.1 else "",
                kind={"text": "Letter", "scan": "Minutes", "email": "Email"}[kind],
                section="Witness statements" if i % 10 == 0 else "Documents",
                ocr_words=ocr,
            )
        )
    return docs


def concatenate(docs: list[SourceDocument], out: Path) -> None:
    pdf = pikepdf.new()
    sources = []
    for doc in docs:
        source = pikepdf.open(doc.pdf)
        sources.append(source)
        pdf.pages.extend(source.pages)
    pdf.save(out)
    pdf.close()
    for source in sources:
        source.close()


def fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.3f}" for t in times)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--redacted-pages", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bundle-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        docs = order_documents(generate(work), ("Documents", "Witness statements"))
        pages = sum(len(pikepdf.open(d.pdf).pages) for d in docs)
        scans = sum(len(d.ocr_words) for d in docs)
        words = sum(len(w.words) for d in docs for w in d.ocr_words.values())
        print(
            f"inputs: {len(docs)} items, {pages} pages ({scans} scanned pages with {words} OCR words), "
            f"generated in {time.perf_counter() - started:.1f}s"
        )
        options = BundleOptions(title="Hearing bundle", details=("Case C-1042", "Member v Employer"))
        plain, bundle = [], []
        for round_ in range(args.repeat):
            # alternate which goes first, so neither always reads the files cold
            jobs = [("plain", plain, lambda: concatenate(docs, work / "plain.pdf"))]
            jobs.append(("bundle", bundle, lambda: build_bundle(docs, options, work / "out")))
            for _, times, job in jobs if round_ % 2 == 0 else reversed(jobs):
                times.append(timed(job))
        size_plain = (work / "plain.pdf").stat().st_size
        size_bundle = (work / "out" / "bundle.pdf").stat().st_size
        p, b = statistics.median(plain), statistics.median(bundle)
        ratio = b / p
        verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
        print(f"(a) plain concatenation (pikepdf): median {p:.3f}s of {fmt(plain)}, {size_plain:,} bytes")
        print(f"(b) build_bundle, no redaction:    median {b:.3f}s of {fmt(bundle)}, {size_bundle:,} bytes")
        print(f"ratio bundle / plain: {ratio:.2f} (target <= {TARGET_RATIO:g}: {verdict})")

        # a few redacted pages: each is rasterised at 200 dpi, blacked out and given a new text layer
        redacted = []
        left = args.redacted_pages
        for doc in docs:
            if left and doc.ocr_words:
                page = min(doc.ocr_words)
                word = doc.ocr_words[page].words[0].text
                redacted.append(dataclasses.replace(doc, redactions=(Redaction(text=word, page=page),)))
                left -= 1
            else:
                redacted.append(doc)
        with_redaction = [timed(lambda: build_bundle(redacted, options, work / "red")) for _ in range(args.repeat)]
        r = statistics.median(with_redaction)
        n = args.redacted_pages - left
        print(
            f"(c) build_bundle with {n} redacted pages: median {r:.3f}s "
            f"(+{r - b:.3f}s, {(r - b) / max(n, 1):.3f}s per redacted page)"
        )


if __name__ == "__main__":
    main()
