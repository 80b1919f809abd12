"""Splitting a scanned batch at its cover sheets against reading the same pages with Tesseract alone.

Corpus (generated here): a 200-page batch as a copier scans it, 300 dpi grey, every page slightly
skewed and speckled: a cover sheet (the API's PDF, printed and scanned) about every 20 pages, the
letters of that case behind it, now and then a blank separator. One image-only PDF, JPEG pages.

Measured in one run, on the same pages:
  1. the splitter (casework_intake.scanning.splitter): every page rendered at 150 dpi, its codes
     read, blank pages found, and each part written as a PDF of the original pages; no database,
     no object store (what the mailroom adds to that is one S3 write and one transaction per part);
  2. the `tesseract` CLI over the same pages as 300 dpi PNG files, OMP_THREAD_LIMIT=1, one process
     per core, as the OCR workers run it;
and the ratio of the two.

    .venv/bin/python bench/scan_split.py [--pages 200] [--every 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import subprocess
import sys
import tempfile
import time
import types
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lib"))
import copier
import letters

from casework_intake.scanning import cover_sheets, splitter

DPI = 300


def sheet_pdf(signer: cover_sheets.Signer, number: int) -> bytes:
    row = types.SimpleNamespace(
        id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        case_reference=f"CW-2026-{number:06d}",
        visibility="reps",
        printed_by="rachel",
        printed_at=dt.datetime.now(dt.UTC),
    )
    payload = signer.payload(cover_sheets.SheetToken(row.id, row.case_id, row.printed_by))
    return cover_sheets.render_pdf(row, payload, "north-london")


def page_pdf(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=DPI, quality=80)
    return buffer.getvalue()


def make_batch(pages: int, every: int, work: Path, signer: cover_sheets.Signer) -> tuple[bytes, list[Path], int]:
    """The batch PDF, each page's 300 dpi PNG for Tesseract, and how many sheets it has. Pages are
    made one at a time (200 A4 pages at 300 dpi would not fit in memory together)."""
    rng = random.Random(18)
    batch = pikepdf.Pdf.new()
    singles: list[pikepdf.Pdf] = []
    pngs: list[Path] = []
    sheets = 0
    for n in range(pages):
        if n % every == 0:
            sheets += 1
            image = copier.rasterise(sheet_pdf(signer, sheets), DPI, rng)[0]
        elif rng.random() < 0.03:
            image = copier.blank(DPI, rng)
        else:
            image = copier.letter(letters.letter_lines(rng, f"HR/{n:04d}", 20), DPI, rng)
        path = work / f"page-{n + 1:04d}.png"
        image.save(path, dpi=(DPI, DPI))
        pngs.append(path)
        single = pikepdf.Pdf.open(io.BytesIO(page_pdf(image)))
        singles.append(single)
        batch.pages.append(single.pages[0])
    buffer = io.BytesIO()
    batch.save(buffer)
    for single in singles:
        single.close()
    return buffer.getvalue(), pngs, sheets


def split_all(data: bytes, signer: cover_sheets.Signer) -> tuple[float, splitter.Split]:
    started = time.perf_counter()
    result = splitter.split(data, signer.read)
    for part in result.parts:
        splitter.part_document(data, part.pages)
    return time.perf_counter() - started, result


def raw_tesseract(files: list[Path], processes: int) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(path: Path) -> None:
        subprocess.run(["tesseract", str(path), "stdout"], check=True, capture_output=True, env=env)

    started = time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--every", type=int, default=20, help="a cover sheet every N pages")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    signer = cover_sheets.Signer("bench-" + uuid.uuid4().hex)
    with tempfile.TemporaryDirectory(prefix="scan-split-") as tmp:
        started = time.perf_counter()
        data, pngs, sheets = make_batch(args.pages, args.every, Path(tmp), signer)
        print(
            f"batch: {args.pages} pages at {DPI} dpi, {sheets} cover sheets, {len(data) / 1e6:.1f} MB "
            f"(generated in {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        split_s, result = split_all(data, signer)
        print(
            f"split: {split_s:.1f} s ({args.pages / split_s:.1f} pages/s, one process): "
            f"{result.count('sheet')} sheets, {result.count('unreadable')} unreadable, {result.count('blank')} blank, "
            f"{result.count('paper')} paper pages, "
            f"{len(result.parts)} parts written",
            flush=True,
        )
        assert result.count("sheet") == sheets, "every cover sheet must be found"
        tesseract_s = raw_tesseract(pngs, cores)
        print(
            f"raw tesseract: {tesseract_s:.1f} s ({args.pages / tesseract_s:.2f} pages/s, "
            f"{cores} processes, OMP_THREAD_LIMIT=1)",
            flush=True,
        )
        print(
            f"ratio: splitting takes {split_s / tesseract_s:.3f} of the time Tesseract alone needs to read "
            f"the same pages ({tesseract_s / split_s:.1f}x faster)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
