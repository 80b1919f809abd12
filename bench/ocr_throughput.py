"""OCR throughput of the whole pipeline against raw Tesseract, measured in one run.

Corpus (generated here): letters rendered at 300 dpi with scanner noise and slight skew, a few
pages upside down or sideways, delivered as a scanner does: multi-page scanned PDFs (the pipeline
fans their pages out to every worker). Raw Tesseract reads the very same pages as 300 dpi PNG
images. And a "realistic pack" mixing born-digital PDFs, single scans, phone photos and
duplicates (the same letter sent twice, and a pack repeating a page already read).

Printed, all measured in this run:
  1. raw `tesseract` CLI pages/s over the scanned pages, with the same parallelism as the pipeline;
  2. the pipeline's pages/s end to end (upload -> extracted) over the same pages, and the ratio;
  3. the realistic pack's effective ratio: what raw Tesseract would need to OCR every page of the
     pack, over what the pipeline took (text layers and duplicates are never OCR'd);
  4. 1 worker against 2 workers;
  5. where the time went: the OCR stages' times, and the CPU the workers and everything else used;
  6. character accuracy against the source text on the clean (upright) pages.

    .venv/bin/python bench/ocr_throughput.py [--pages 20]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
import pypdfium2 as pdfium
import requests
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lib"))
os.environ["OMP_THREAD_LIMIT"] = "1"  # before Tesseract loads: one thread per engine, as in the workers
import breakdown
import letters

import testdocs
from casework_common import storage
from casework_local import demo
from casework_local.config import StackConfig, resolve_ports
from casework_local.stack import Stack
from casework_ocr import tesseract

UPLOADS_AT_ONCE = 4
PAGES_PER_PDF = 5


@dataclass
class Page:
    image: Image.Image
    text: str  # what was printed
    clean: bool  # upright and lightly noised: used for the accuracy figure


def letter_text(rng: random.Random, marker: str) -> list[str]:
    """The throughput corpus's letter: an invitation to a disciplinary hearing, 22 sentences long."""
    return letters.letter_lines(rng, marker, 22, heading="INVITATION TO A DISCIPLINARY HEARING")


def scanned_page(rng: random.Random, marker: str, rotation: int = 0) -> Page:
    lines = letter_text(rng, marker)
    image = Image.new("L", (2480, 3508), 250)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=38)
    y = 260
    for line in lines:
        draw.text((230, y), line, fill=20, font=font)
        y += 72
    image = image.rotate(rng.uniform(-1.2, 1.2), fillcolor=250, resample=Image.BICUBIC)  # slight skew
    noise = Image.effect_noise(image.size, 18).point(lambda v: 255 if v > 200 else 0)  # speckle
    image = Image.composite(Image.new("L", image.size, 120), image, noise.point(lambda v: 40 if v else 0))
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    if rotation:
        image = image.rotate(rotation, expand=True, fillcolor=250)
    return Page(image, "\n".join(lines), clean=rotation == 0)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(300, 300))
    return buffer.getvalue()


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def scanned_pdfs(pages: list[Page], per_pdf: int) -> list[tuple[str, bytes]]:
    files = []
    for start in range(0, len(pages), per_pdf):
        images = [p.image.convert("RGB") for p in pages[start : start + per_pdf]]
        buffer = io.BytesIO()
        images[0].save(buffer, "PDF", resolution=300, save_all=True, append_images=images[1:])
        files.append((f"scan-{start // per_pdf:02d}.pdf", buffer.getvalue()))
    return files


def scanned_corpus(count: int, seed: int) -> list[Page]:
    rng = random.Random(seed)
    rotations = {count // 3: 180, (2 * count) // 3: 90}  # "some rotated pages"
    return [scanned_page(rng, f"REF-{seed}-{n:03d}", rotations.get(n, 0)) for n in range(count)]


def raw_tesseract(files: list[Path], processes: int, word_boxes: bool) -> float:
    """Seconds for the tesseract CLI alone to read every file, ``processes`` at a time. With
    ``word_boxes`` it also writes the TSV the pipeline keeps for highlighting: the same work."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(path: Path) -> None:
        outputs = [str(path.with_suffix("")), "txt", "tsv"] if word_boxes else ["stdout"]
        subprocess.run(["tesseract", str(path), *outputs], check=True, capture_output=True, env=env)

    started = time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - started


def _library_page(path: Path) -> None:
    with Image.open(path) as image:
        tesseract.ocr_page(image, "eng", 600, "off")


def raw_library(files: list[Path], processes: int) -> float:
    """Seconds for the Tesseract library the pipeline links (tesserocr, engine loaded once per
    process) to read every file with word boxes, in ``processes`` processes as the workers run (one
    recognition at a time in each): the pipeline's OCR cost with no platform around it, printed for
    reference next to the CLI baseline."""
    started = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(_library_page, files))
    return time.perf_counter() - started


class Platform:
    def __init__(self, workers: int) -> None:
        self.state = Path(tempfile.mkdtemp(prefix="casework-bench-", dir="/tmp"))
        self.stack = Stack(
            StackConfig(state_dir=self.state, ports=resolve_ports(dynamic=True), seed_demo=False, ocr_workers=workers)
        )
        self.stack.start()
        config = self.stack.config
        self.auth = {"Authorization": f"Bearer {demo.password_token(config, 'rachel')}"}
        self.case = requests.post(
            f"{config.url('workflow')}/v1/cases",
            headers=self.auth,
            timeout=10,
            json={**demo.DEMO_CASE, "summary": "benchmark"},
        ).json()["id"]
        # Warm up, untimed: the OCR consumer groups form (the broker holds each join for half the
        # session timeout), connections open, tokens and keys are fetched.
        self.run([("warm-up.png", png(scanned_page(random.Random(0), "WARM-UP").image))])

    def run(self, files: list[tuple[str, bytes]]) -> tuple[float, list[str]]:
        """Upload every file, then wait until all are extracted. Returns seconds from the first upload
        to the last completion as OCR recorded it (upload -> extracted), and the evidence ids.
        Progress is polled lightly, like a browser: the measurement must not compete with the OCR."""
        config = self.stack.config
        started = time.time()
        ids = []
        for name, data in files:
            response = requests.post(
                f"{config.url('intake')}/v1/cases/{self.case}/evidence",
                headers=self.auth,
                files=[("file", (name, data, "application/octet-stream"))],
                timeout=120,
            )
            response.raise_for_status()
            ids.append(response.json()["items"][0]["id"])
        while True:
            time.sleep(0.5)
            with self._db() as conn:
                rows = conn.execute(
                    "SELECT state, reason, extract(epoch FROM completed_at) FROM ocr.documents "
                    "WHERE evidence_id = ANY(%s::uuid[])",
                    (ids,),
                ).fetchall()
            if len(rows) == len(ids) and all(state != "scanning" and state != "extracting" for state, _, _ in rows):
                break
        failed = [(state, reason) for state, reason, _ in rows if state != "complete"]
        if failed:
            raise SystemExit(f"not extracted: {failed}")
        return float(max(done for _, _, done in rows)) - started, ids

    def _db(self) -> psycopg.Connection:
        config = self.stack.config
        return psycopg.connect(
            host="127.0.0.1",
            port=config.ports["postgres"],
            dbname="casework",
            user="postgres",
            password=config.secrets.postgres_password,
        )

    def text(self, evidence_id: str, page: int = 1) -> str:
        client = next(s for s in self.stack.servers if s.name == "s3").client()
        return storage.read_bytes(client, "casework-text", storage.page_text_key(evidence_id, page)).decode()

    def close(self) -> None:
        self.stack.stop()
        shutil.rmtree(self.state, ignore_errors=True)


class CpuMeter:
    """CPU seconds used by the platform's OCR worker processes and by the whole machine from the
    meter's making to its report: where the cores went when two workers fall short of twice one."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.workers_before, self.machine_before = self._read()

    @staticmethod
    def _is_worker(process: psutil.Process) -> bool:
        parent = process.parent()
        return (
            parent is not None
            and "casework_ocr" in " ".join(parent.cmdline())
            and "spawn_main" in " ".join(process.cmdline())
        )

    @classmethod
    def _read(cls) -> tuple[float, float]:
        workers = 0.0
        for process in psutil.Process().children(recursive=True):
            try:
                if cls._is_worker(process):
                    workers += sum(process.cpu_times()[:4])
            except psutil.Error:
                continue
        times = psutil.cpu_times()
        return workers, sum(times) - times.idle - getattr(times, "iowait", 0.0)

    def used(self) -> tuple[float, float]:
        """(core-seconds the whole machine was busy, of which the OCR workers) since the meter was made."""
        workers, machine = self._read()
        return machine - self.machine_before, workers - self.workers_before

    def summary(self, title: str) -> str:
        """The CPU used since the meter was made, as printed."""
        seconds = time.monotonic() - self.started
        used, by_workers = self.used()
        available = (psutil.cpu_count() or 1) * seconds
        return (
            f"  CPU, {title}: {used:.1f} of {available:.1f} core-seconds busy; OCR workers {by_workers:.1f},"
            f" everything else (the platform's other services and servers, this benchmark) {used - by_workers:.1f}"
        )


def scaling_bound(one_seconds: float, used: float, by_workers: float, cores: int, target: float) -> str:
    """What the cores allow two workers, from the CPU the two-worker run needed: its work cannot take
    less than (all busy core-seconds) / cores, so the speed-up over one worker is at most one
    worker's time over that; and for ``target`` everything but the workers must fit in what is left."""
    fastest = used / cores
    room = cores * one_seconds / target - by_workers
    return (
        f"  bound from CPU: the 2-worker run's work needs at least {fastest:.1f} s on {cores} cores, so 2 workers"
        f" can be at most {one_seconds / fastest:.2f}x one here; {target}x needs everything else under"
        f" {max(room, 0.0):.1f} core-seconds (it used {used - by_workers:.1f})"
    )


def accuracy(ocr: str, reference: str) -> float:
    # Imported here so that bench/capacity.py can reuse this corpus without rapidfuzz, which
    # requirements.lock does not pin.
    from rapidfuzz.distance import Levenshtein

    ocr, reference = " ".join(ocr.split()), " ".join(reference.split())
    return 1 - Levenshtein.distance(ocr, reference) / len(reference)


def realistic_pack(seed: int) -> tuple[list[tuple[str, bytes]], int]:
    """Born-digital PDFs, scans, phone photos and duplicates; returns the files and their page count."""
    rng = random.Random(seed)
    files: list[tuple[str, bytes]] = []
    for n in range(3):  # born-digital: text layers only
        files.append((f"policy-{n}.pdf", testdocs.text_pdf(letter_text(rng, f"PACK-{seed}-P{n}"))))
    scans = scanned_pdfs([scanned_page(rng, f"PACK-{seed}-S{n}") for n in range(4)], per_pdf=1)
    files += scans
    for n in range(2):  # phone photos, colour JPEG
        files.append((f"photo-{n}.jpg", jpeg(scanned_page(rng, f"PACK-{seed}-J{n}").image)))
    for n in range(3):  # the same letters sent again
        files.append((f"copy of {scans[n][0]}", scans[n][1]))
    # A bundle that repeats two scanned pages already sent (the very same pages) and adds a new one.
    bundle = pdfium.PdfDocument.new()
    for _, data in (scans[3], scans[0], scanned_pdfs([scanned_page(rng, f"PACK-{seed}-N")], 1)[0]):
        bundle.import_pages(pdfium.PdfDocument(data))
    buffer = io.BytesIO()
    bundle.save(buffer)
    files.append(("bundle.pdf", buffer.getvalue()))
    for n in range(4):  # a longer born-digital document
        files.append((f"minutes-{n}.pdf", testdocs.text_pdf(letter_text(rng, f"PACK-{seed}-M{n}"))))
    return files, 3 + len(scans) + 2 + 3 + 3 + 4


def verdict(met: bool) -> str:
    """How a figure compares with its target, as printed."""
    return "PASS" if met else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    cores = os.cpu_count() or 1

    corpus = scanned_corpus(args.pages, seed=1)
    uploads = scanned_pdfs(corpus, PAGES_PER_PDF)
    with tempfile.TemporaryDirectory() as work:
        # The baseline reads exactly the pages the pipeline OCRs: rendered from the same PDFs at the
        # same resolution, greyscale, saved losslessly.
        files = []
        for name, data in uploads:
            pdf = Path(work, name)
            pdf.write_bytes(data)
            document = pdfium.PdfDocument(str(pdf))
            for index in range(len(document)):
                path = Path(work, f"{pdf.stem}-{index:02d}.png")
                document[index].render(scale=300 / 72, grayscale=True).to_pil().convert("L").save(path)
                files.append(path)
            document.close()
        raw_seconds = raw_tesseract(files, processes=2, word_boxes=True)
        raw_text_only = raw_tesseract(files, processes=2, word_boxes=False)
        library_seconds = raw_library(files, processes=2)

    two = Platform(workers=2)
    try:
        before, meter = breakdown.scrape(two.stack.config.url("ocr")), CpuMeter()
        pipe_seconds, ids = two.run(uploads)
        stages_two = (before, breakdown.scrape(two.stack.config.url("ocr")))
        cpu_two = meter.summary(f"{args.pages} scanned pages, 2 workers")
        used_two = meter.used()
        scores = [
            accuracy(two.text(ids[n // PAGES_PER_PDF], n % PAGES_PER_PDF + 1), page.text)
            for n, page in enumerate(corpus)
            if page.clean
        ]
        pack, pack_pages = realistic_pack(seed=2)
        pack_seconds, _ = two.run(pack)
    finally:
        two.close()

    one = Platform(workers=1)
    try:
        one_uploads = scanned_pdfs(scanned_corpus(args.pages, seed=3), PAGES_PER_PDF)
        before, meter = breakdown.scrape(one.stack.config.url("ocr")), CpuMeter()
        one_seconds, _ = one.run(one_uploads)
        stages_one = (before, breakdown.scrape(one.stack.config.url("ocr")))
        cpu_one = meter.summary(f"{args.pages} scanned pages, 1 worker")
    finally:
        one.close()

    raw_rate, pipe_rate = args.pages / raw_seconds, args.pages / pipe_seconds
    raw_pack_seconds = pack_pages / raw_rate
    print(
        f"OCR throughput: {args.pages} scanned 300 dpi pages ({sum(not p.clean for p in corpus)} rotated) in "
        f"{len(uploads)} PDFs; {cores} cores; 2 OCR workers, and 2 tesseract processes for the baseline"
    )
    print(
        f"  raw tesseract CLI, text + word boxes (the pipeline's work) {raw_rate:5.2f} pages/s "
        f"(text only: {args.pages / raw_text_only:.2f} pages/s)"
    )
    print(
        f"  (for reference: the same pages through the Tesseract library the pipeline links, "
        f"no platform: {args.pages / library_seconds:.2f} pages/s)"
    )
    print(f"  pipeline, upload->extracted {pipe_rate:5.2f} pages/s")
    ratio = pipe_rate / raw_rate
    print(f"  ratio pipeline/raw          {ratio:5.2f}   (target >= 0.95: {verdict(ratio >= 0.95)})")
    print(
        f"  realistic pack: {pack_pages} pages, {len(pack)} files; raw OCR of every page would take "
        f"{raw_pack_seconds:.1f} s, the pipeline took {pack_seconds:.1f} s"
    )
    print(f"  effective ratio             {raw_pack_seconds / pack_seconds:5.2f}   (target >= 2.0)")
    print(
        f"  1 worker {one_seconds:.1f} s vs 2 workers {pipe_seconds:.1f} s: "
        f"{one_seconds / pipe_seconds:.3f}x   (target >= 1.8: {verdict(one_seconds / pipe_seconds >= 1.8)})"
    )
    breakdown.report(*stages_two, f"{args.pages} scanned pages, 2 workers")
    breakdown.report(*stages_one, f"{args.pages} scanned pages, 1 worker")
    print(cpu_two)
    print(cpu_one)
    print(scaling_bound(one_seconds, *used_two, cores, 1.8))
    print(
        f"  character accuracy, {len(scores)} clean pages: mean {100 * sum(scores) / len(scores):.2f}%, "
        f"min {100 * min(scores):.2f}%   (target >= 98%)"
    )


if __name__ == "__main__":
    main()
