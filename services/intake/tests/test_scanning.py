"""Scanned batches, pure logic: cover-sheet tokens, splitting at sheets, blank pages, drops, who
sees unfiled pages. Batches are generated here as a copier makes them (tests/lib/copier.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import types
import uuid
from pathlib import Path

import copier
import pikepdf
import pytest
import segno
from minio.error import S3Error
from PIL import Image, ImageDraw
from sqlalchemy import Engine, create_engine

from casework_common.auth import Principal
from casework_intake import tables
from casework_intake.scanning import cover_sheets, queues, splitter
from casework_intake.scanning.batches import BatchIntake, BatchOutcome, part_file_name, part_id
from casework_intake.scanning.drops import DirectoryDrop, DropPoller, ignored

SECRET = "unit-test-cover-sheet-secret"
DPI = 200
signer = cover_sheets.Signer(SECRET)


def sheet(reference: str, printed_by: str = "rachel", secret: str = SECRET) -> tuple[bytes, cover_sheets.SheetToken]:
    """A printed cover sheet (the API's PDF) and the token in its code."""
    row = types.SimpleNamespace(
        id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        case_reference=reference,
        visibility="reps",
        printed_by=printed_by,
        printed_at=dt.datetime(2026, 3, 3, 9, 30, tzinfo=dt.UTC),
    )
    token = cover_sheets.SheetToken(row.id, row.case_id, printed_by)
    payload = cover_sheets.Signer(secret).payload(token)
    return cover_sheets.render_pdf(row, payload, "north-london"), token


def qr_page(text: str, rng: random.Random, damage: bool = False) -> Image.Image:
    """A scanned page carrying a 6 cm QR code of ``text`` (scratched through when ``damage``)."""
    width, height = round(210 / 25.4 * DPI), round(297 / 25.4 * DPI)
    page = Image.new("L", (width, height), 255)
    buffer = io.BytesIO()
    qr = segno.make_qr(text, error="q")
    scale = max(1, round(6 / 2.54 * DPI / (qr.symbol_size(scale=1, border=4)[0])))
    qr.save(buffer, kind="png", scale=scale, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    if damage:  # a coffee stain over the data, finder patterns intact
        draw = ImageDraw.Draw(code)
        w, h = code.size
        draw.rectangle((w * 0.22, h * 0.22, w * 0.78, h * 0.78), fill=0)  # beyond what error correction mends
    page.paste(code, ((width - code.width) // 2, height // 3))
    return copier.as_copier_scans(page, rng)


def letter(words: str, rng: random.Random) -> Image.Image:
    return copier.letter(["Metro Transit Ltd", "Dear Ms Okafor,", words, "Yours sincerely, J. Smith"], DPI, rng)


# -- tokens -------------------------------------------------------------------------------


def test_a_token_reads_back_what_was_signed() -> None:
    token = cover_sheets.SheetToken(uuid.uuid4(), uuid.uuid4(), "rachel")
    payload = signer.payload(token)
    assert payload.startswith("CWCS1:") and signer.read(payload) == token


@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: p[:-3] + ("AAA" if not p.endswith("AAA") else "BBB"),  # signature changed
        lambda p: p.replace("CWCS1:", "CWCS2:"),  # another kind of code
        lambda p: p[len("CWCS1:") :],  # no prefix
        lambda p: (
            "CWCS1:"
            + cover_sheets.Signer("another secret").payload(  # another installation's sheet
                cover_sheets.SheetToken(uuid.uuid4(), uuid.uuid4(), "rachel")
            )[len("CWCS1:") :]
        ),
        lambda p: "CWCS1:not-a-token",
    ],
)
def test_a_token_that_is_not_genuine_reads_as_none(mangle) -> None:
    payload = signer.payload(cover_sheets.SheetToken(uuid.uuid4(), uuid.uuid4(), "rachel"))
    assert signer.read(mangle(payload)) is None


def test_a_signed_payload_of_another_shape_reads_as_none() -> None:
    serializer = cover_sheets.URLSafeSerializer(SECRET, salt=cover_sheets.SALT)
    for data in ({"v": 2, "s": str(uuid.uuid4()), "c": str(uuid.uuid4()), "p": "x"}, {"v": 1}, [1, 2], "x"):
        assert signer.read("CWCS1:" + serializer.dumps(data)) is None


def test_no_secret_no_signer() -> None:
    with pytest.raises(ValueError):
        cover_sheets.Signer("")


# -- splitting ------------------------------------------------------------------------------


def test_a_batch_splits_at_each_sheet_and_drops_blank_pages() -> None:
    rng = random.Random(7)
    sheets = [sheet(f"CW-2026-00010{i}") for i in range(3)]
    pages = [letter("before any sheet", rng)]  # 1
    pages += copier.rasterise(sheets[0][0], DPI, rng)  # 2
    pages += [copier.blank(DPI, rng), letter("first case one", rng), letter("first case two", rng)]  # 3 4 5
    pages += copier.rasterise(sheets[1][0], DPI, rng, angle=-1.8)  # 6
    pages += [letter("second case", rng), copier.blank(DPI, rng, specks=400)]  # 7 8
    pages += copier.rasterise(sheets[2][0], DPI, rng, angle=1.6)  # 9
    pages += [copier.blank(DPI, rng)]  # 10: a sheet with nothing behind it makes no part
    data = copier.batch_pdf(pages, DPI)

    result = splitter.split(data, signer.read)

    kinds = [page.kind for page in result.pages]
    assert kinds == ["paper", "sheet", "blank", "paper", "paper", "sheet", "paper", "blank", "sheet", "blank"]
    assert [(p.pages, p.token, p.reason) for p in result.parts] == [
        ((1,), None, "before_first_sheet"),
        ((4, 5), sheets[0][1], None),
        ((7,), sheets[1][1], None),
    ]
    assert result.parts[1].sheet_page == 2 and (result.parts[1].first_page, result.parts[1].last_page) == (4, 5)


def test_a_part_is_made_of_the_original_pages() -> None:
    rng = random.Random(8)
    pdf, _token = sheet("CW-2026-000200")
    pages = [*copier.rasterise(pdf, DPI, rng), letter("one", rng), letter("two", rng), letter("three", rng)]
    data = copier.batch_pdf(pages, DPI)
    part = splitter.part_document(data, (2, 4))
    with pikepdf.Pdf.open(io.BytesIO(data)) as source, pikepdf.Pdf.open(io.BytesIO(part)) as out:
        assert len(out.pages) == 2
        for number, page in zip((2, 4), out.pages, strict=True):
            original = next(iter(source.pages[number - 1].get_images().values()))
            copied = next(iter(page.get_images().values()))
            # The scanned image itself, byte for byte: never rendered again.
            assert copied.read_raw_bytes() == original.read_raw_bytes()


def test_a_tiff_batch_splits_and_its_parts_keep_every_pixel() -> None:
    rng = random.Random(9)
    pdf, token = sheet("CW-2026-000300")
    pages = [*copier.rasterise(pdf, DPI, rng), letter("tiff page", rng), copier.blank(DPI, rng)]
    data = copier.batch_tiff(pages, DPI)
    result = splitter.split(data, signer.read)
    assert [(p.pages, p.token) for p in result.parts] == [((2,), token)]
    part = splitter.part_document(data, (2,))
    with pikepdf.Pdf.open(io.BytesIO(part)) as out:
        image = pikepdf.PdfImage(next(iter(out.pages[0].get_images().values())))
        assert image.as_pil_image().tobytes() == pages[1].convert("L").tobytes()
        width_pt = float(out.pages[0].MediaBox[2])
        assert abs(width_pt - pages[1].width * 72 / DPI) < 0.01  # at the scan's own resolution


def test_a_code_found_but_unreadable_starts_an_unfiled_part_that_keeps_its_page() -> None:
    rng = random.Random(10)
    pdf, token = sheet("CW-2026-000400")
    stained = cover_sheets.SheetToken(uuid.UUID(int=1), uuid.UUID(int=2), "rachel")  # the same code every run
    payload = signer.payload(stained)
    pages = [
        *copier.rasterise(pdf, DPI, rng),  # 1
        letter("filed", rng),  # 2
        qr_page(payload, rng, damage=True),  # 3: a sheet with a stain over its code
        letter("after the stained sheet", rng),  # 4
    ]
    result = splitter.split(copier.batch_pdf(pages, DPI), signer.read)
    assert result.pages[2].kind == "unreadable"
    assert [(p.pages, p.token, p.reason) for p in result.parts] == [
        ((2,), token, None),
        ((3, 4), None, "unreadable_sheet"),
    ]


def test_a_forged_sheet_is_unreadable_and_a_letter_with_its_own_qr_code_is_paper() -> None:
    rng = random.Random(11)
    forged, _ = sheet("CW-2026-000500", secret="not our secret")
    pages = [
        *copier.rasterise(forged, DPI, rng),  # 1: says it is a sheet, signed by someone else
        letter("behind the forged sheet", rng),  # 2
        qr_page("https://parking.example.org/ticket/123456", rng),  # 3: a parking fine's code
    ]
    result = splitter.split(copier.batch_pdf(pages, DPI), signer.read)
    assert [page.kind for page in result.pages] == ["unreadable", "paper", "paper"]
    assert [(p.pages, p.reason) for p in result.parts] == [((1, 2, 3), "unreadable_sheet")]


def test_blank_pages_with_specks_are_blank_and_a_short_note_is_not() -> None:
    rng = random.Random(12)
    for specks in (0, 150, 600):
        page = copier.blank(DPI, rng, specks=specks)
        assert splitter.inked_tiles(page.resize((page.width * 150 // DPI, page.height * 150 // DPI))) < 4, specks
    note = copier.letter(["Received, thanks. JS"], DPI, rng)
    assert splitter.inked_tiles(note.resize((note.width * 150 // DPI, note.height * 150 // DPI))) >= 4
    # Edge shadows and punch holes sit in the margins, which do not count.
    holes = copier.blank(DPI, rng)
    draw = ImageDraw.Draw(holes)
    for y in (holes.height // 3, 2 * holes.height // 3):
        draw.ellipse((40, y - 25, 90, y + 25), fill=30)
    draw.rectangle((0, 0, holes.width, 25), fill=60)
    assert splitter.inked_tiles(holes.resize((holes.width * 150 // DPI, holes.height * 150 // DPI))) < 4


def test_a_faint_page_is_paper_not_blank() -> None:
    # Pale toner or pencil: grey 160 text on white never reaches a fixed "darker than 140" level.
    rng = random.Random(14)
    faint = copier.letter(["Metro Transit Ltd", "Dear Ms Okafor,", "faint toner", "Yours, J. Smith"], DPI, rng)
    faint = faint.point(lambda v: 160 if v < 200 else v)
    assert min(faint.tobytes()) >= 160
    result = splitter.split(copier.batch_pdf([faint, copier.blank(DPI, rng)], DPI), signer.read)
    assert [page.kind for page in result.pages] == ["paper", "blank"]
    assert [p.pages for p in result.parts] == [(1,)]
    # Grey-tinted paper with nothing on it is still blank: ink is measured against the page's own grey.
    tinted = copier.blank(DPI, rng).point(lambda v: max(0, v - 70))
    assert splitter.inked_tiles(tinted) < splitter.MIN_INKED_TILES


def sixteen_bit_tiff(pages: list[Image.Image]) -> bytes:
    """A 16-bit greyscale TIFF (mode I;16), as some copiers save high-quality scans."""
    frames = [Image.frombytes("I;16", page.size, bytes(b for v in page.tobytes() for b in (v, v))) for page in pages]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", dpi=(DPI, DPI), save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def test_a_16_bit_tiff_batch_is_read_and_its_parts_keep_the_pages() -> None:
    rng = random.Random(15)
    pdf, token = sheet("CW-2026-000400")
    pages = [*copier.rasterise(pdf, DPI, rng), letter("sixteen bits", rng), copier.blank(DPI, rng)]
    data = sixteen_bit_tiff(pages)
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "I;16"
    result = splitter.split(data, signer.read)
    assert [page.kind for page in result.pages] == ["sheet", "paper", "blank"]
    assert [(p.pages, p.token) for p in result.parts] == [((2,), token)]
    with pikepdf.Pdf.open(io.BytesIO(splitter.part_document(data, (2,)))) as out:
        image = pikepdf.PdfImage(next(iter(out.pages[0].get_images().values())))
        assert image.as_pil_image().tobytes() == pages[1].convert("L").tobytes()  # v * 257 >> 8 == v


def test_a_page_of_absurd_size_is_refused_before_it_is_rendered() -> None:
    buffer = io.BytesIO()
    with pikepdf.Pdf.new() as pdf:
        pdf.add_blank_page(page_size=(14_400, 14_400))  # 5 m square: the PDF limit, and far beyond a copier
        pdf.save(buffer)
    with pytest.raises(splitter.NotABatch, match="impossible size"):
        splitter.split(buffer.getvalue(), signer.read)


def test_pages_before_the_first_sheet_only() -> None:
    rng = random.Random(13)
    result = splitter.split(
        copier.batch_pdf([letter("a", rng), copier.blank(DPI, rng), letter("b", rng)], DPI), signer.read
    )
    assert [(p.pages, p.reason) for p in result.parts] == [((1, 3), "before_first_sheet")]


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", b"%PDF-1.7\nbroken", b"II*\x00broken tiff", b"PK\x03\x04zip"],
)
def test_what_is_not_a_pdf_or_tiff_is_not_a_batch(data: bytes) -> None:
    with pytest.raises(splitter.NotABatch):
        splitter.split(data, signer.read)


# -- batches: failures ---------------------------------------------------------------------


class _Rows:
    """engine.connect() for resume_unfinished: its one query answers ``rows``."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def __call__(self) -> _Rows:
        return self

    def __enter__(self) -> _Rows:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, _query: object) -> list:
        return self.rows


def bare_intake(**room: object) -> BatchIntake:
    intake = BatchIntake.__new__(BatchIntake)  # no mailroom: these tests reach no server
    intake.room = types.SimpleNamespace(**room)  # type: ignore[assignment]
    return intake


def test_one_batch_that_cannot_be_finished_does_not_stop_the_others() -> None:
    rows = [types.SimpleNamespace(id=n) for n in (1, 2, 3)]
    intake = bare_intake(engine=types.SimpleNamespace(connect=_Rows(rows)))
    tried = []

    def finish(batch, data):
        tried.append(batch.id)
        if batch.id == 1:
            raise pikepdf.PdfError("a broken cross-reference table")
        return BatchOutcome(batch.id, "split")

    intake._finish = finish  # type: ignore[method-assign]
    assert intake.resume_unfinished() == 2 and tried == [1, 2, 3]


class _S3:
    def __init__(self, code: str) -> None:
        self.code = code

    def get_object(self, bucket: str, key: str):
        raise S3Error(None, self.code, "as the store says", key, "r", "h")  # type: ignore[arg-type]


def test_a_brief_object_store_error_is_raised_and_only_a_missing_copy_fails_the_batch() -> None:
    batch = types.SimpleNamespace(id=uuid.uuid4(), bucket="held", object_key="batches/x")
    failed = []
    intake = bare_intake(s3=_S3("SlowDown"))
    intake._fail = lambda batch_id, reason: failed.append(reason)  # type: ignore[method-assign]
    with pytest.raises(S3Error):
        intake._stored_copy(batch)  # the batch stays "splitting": tried again at the next poll
    assert failed == []
    intake.room.s3 = _S3("NoSuchKey")
    assert intake._stored_copy(batch) is None and len(failed) == 1


class _Puts:
    def __init__(self) -> None:
        self.puts: list[tuple[str, str, bytes]] = []

    def put_object(self, bucket: str, key: str, data: io.BytesIO, length: int, content_type: str) -> None:
        self.puts.append((bucket, key, data.read()))


def test_a_batch_failed_for_its_lost_copy_is_stored_again_and_finished_when_it_arrives_again() -> None:
    engine = create_engine("sqlite://")
    tables.metadata.create_all(engine, tables=[tables.scan_batches])
    data = b"%PDF-1 the batch"
    batch_id, sha256 = uuid.uuid4(), hashlib.sha256(data).hexdigest()
    with engine.begin() as conn:
        conn.execute(
            tables.scan_batches.insert().values(
                id=batch_id,
                sha256=sha256,
                source="drop",
                source_name="scan.pdf",
                state="failed",
                reason="The batch's stored copy is gone (NoSuchKey).",
                bucket="held",
                object_key=f"batches/{sha256}",
            )
        )
    s3 = _Puts()
    intake = bare_intake(engine=engine, s3=s3, settings=types.SimpleNamespace(held_bucket="held"))
    finished = []
    intake._finish = lambda batch, data: finished.append((batch.state, data)) or BatchOutcome(batch.id, "split")  # type: ignore[method-assign]
    outcome = intake.take(data, source="drop", source_name="scan.pdf", sender=None, region=None, branch=None)
    assert outcome.state == "split" and not outcome.duplicate
    assert s3.puts == [("held", f"batches/{sha256}", data)] and finished == [("splitting", data)]


def test_a_batch_of_only_blank_pages_fails_instead_of_splitting_into_nothing() -> None:
    rng = random.Random(16)
    data = copier.batch_pdf([copier.blank(DPI, rng), copier.blank(DPI, rng)], DPI)
    failed = []
    intake = bare_intake()
    intake.signer = signer
    intake._fail = lambda batch_id, reason: failed.append(reason)  # type: ignore[method-assign]
    outcome = intake._split_and_file(types.SimpleNamespace(id=uuid.uuid4()), data)  # type: ignore[arg-type]
    assert outcome.state == "failed" and "blank" in (outcome.reason or "") and failed == [outcome.reason]


# -- names, ids -----------------------------------------------------------------------------


def test_part_names_and_ids() -> None:
    assert part_file_name("scans/2026-03-03 batch.pdf", 4, 6) == "2026-03-03 batch (pages 4-6).pdf"
    assert part_file_name("", 2, 2) == "scan (page 2).pdf"
    batch = uuid.uuid4()
    assert part_id(batch, 1) == part_id(batch, 1) != part_id(batch, 2)


# -- drops ------------------------------------------------------------------------------------


class FakeIntake:
    def __init__(self, outcome: BatchOutcome | Exception) -> None:
        self.outcome = outcome
        self.taken: list[tuple[bytes, str, str | None]] = []

    def take(self, data: bytes, *, source: str, source_name: str, sender, region, branch) -> BatchOutcome:
        self.taken.append((data, source_name, region))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def poller(root: Path, intake: FakeIntake, clock: Clock, max_bytes: int = 10_000) -> DropPoller:
    return DropPoller(
        [DirectoryDrop(root)],
        intake,  # type: ignore[arg-type]
        settle_s=2,
        interval_s=1,
        max_bytes=max_bytes,
        region="london",
        branch=None,
        clock=clock,
    )


def test_a_dropped_file_is_taken_once_settled_and_removed_after(tmp_path: Path) -> None:
    intake, clock = FakeIntake(BatchOutcome(uuid.uuid4(), "split", filed=1)), Clock()
    drop = poller(tmp_path, intake, clock)
    (tmp_path / "batch.pdf").write_bytes(b"%PDF-1")
    for name in (".hidden.pdf", "copying.pdf.part", "copying.TMP"):
        (tmp_path / name).write_bytes(b"%PDF-1")
    assert drop.poll_once() == []  # just seen
    clock.now += 1
    (tmp_path / "batch.pdf").write_bytes(b"%PDF-1 still growing")
    clock.now += 1.5
    assert drop.poll_once() == []  # seen changed now
    clock.now += 1.5
    assert drop.poll_once() == []  # unchanged for 1.5 s only
    clock.now += 1
    assert [o.state for o in drop.poll_once()] == ["split"]
    assert intake.taken == [(b"%PDF-1 still growing", "batch.pdf", "london")]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden.pdf", ".taking", "copying.TMP", "copying.pdf.part"]
    assert list((tmp_path / ".taking").iterdir()) == []


def test_a_file_that_is_no_batch_is_set_aside_with_its_reason(tmp_path: Path) -> None:
    intake, clock = (
        FakeIntake(BatchOutcome(uuid.uuid4(), "failed", reason="The file is neither a PDF nor a TIFF.")),
        Clock(),
    )
    drop = poller(tmp_path, intake, clock)
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "huge.pdf").write_bytes(b"x" * 20_000)
    drop.poll_once()
    clock.now += 3
    drop.poll_once()
    assert not (tmp_path / "photo.jpg").exists()
    [photo] = (tmp_path / ".failed").glob("*-photo.jpg")
    assert photo.read_bytes() == b"\xff\xd8"
    assert "neither a PDF" in Path(f"{photo}.reason.txt").read_text()
    [huge] = (tmp_path / ".failed").glob("*-huge.pdf.reason.txt")
    assert "larger than" in huge.read_text()
    assert [name for _data, name, _region in intake.taken] == ["photo.jpg"]  # the huge one is never read


def test_a_batch_that_cannot_be_taken_now_stays_for_the_next_poll(tmp_path: Path) -> None:
    intake, clock = FakeIntake(ConnectionError("workflow is down")), Clock()
    drop = poller(tmp_path, intake, clock)
    (tmp_path / "batch.pdf").write_bytes(b"%PDF-1")
    drop.poll_once()
    clock.now += 3
    assert drop.poll_once() == []
    [claimed] = (tmp_path / ".taking").iterdir()  # claimed, kept for the next try
    assert claimed.read_bytes() == b"%PDF-1"
    intake.outcome = BatchOutcome(uuid.uuid4(), "split")
    clock.now += 3
    assert [o.state for o in drop.poll_once()] == ["split"] and not claimed.exists()
    assert [name for _data, name, _ in intake.taken] == ["batch.pdf", "batch.pdf"]


class SlowIntake(FakeIntake):
    """A split that takes long enough for the copier to drop another batch under the same name."""

    def __init__(self, outcome: BatchOutcome, root: Path) -> None:
        super().__init__(outcome)
        self.root = root

    def take(self, data: bytes, **kwargs) -> BatchOutcome:
        if len(self.taken) == 0:
            (self.root / "scan.pdf").write_bytes(b"%PDF-1 the next batch")
        return super().take(data, **kwargs)


def test_a_file_dropped_under_the_same_name_while_a_batch_is_split_is_kept(tmp_path: Path) -> None:
    intake, clock = SlowIntake(BatchOutcome(uuid.uuid4(), "split"), tmp_path), Clock()
    drop = poller(tmp_path, intake, clock)
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1 the first batch")
    drop.poll_once()
    clock.now += 3
    assert [o.state for o in drop.poll_once()] == ["split"]
    assert (tmp_path / "scan.pdf").read_bytes() == b"%PDF-1 the next batch"  # not removed unread
    assert list((tmp_path / ".taking").iterdir()) == []
    drop.poll_once()  # the next batch seen
    clock.now += 3
    drop.poll_once()
    assert [data for data, name, _ in intake.taken] == [b"%PDF-1 the first batch", b"%PDF-1 the next batch"]
    assert [name for _data, name, _ in intake.taken] == ["scan.pdf", "scan.pdf"]


def test_failed_files_of_the_same_name_are_all_kept(tmp_path: Path) -> None:
    intake, clock = FakeIntake(BatchOutcome(uuid.uuid4(), "failed", reason="no")), Clock()
    drop = poller(tmp_path, intake, clock)
    for content in (b"one", b"two"):
        (tmp_path / "scan.pdf").write_bytes(content)
        drop.poll_once()
        clock.now += 3
        drop.poll_once()
    kept = sorted(path.read_bytes() for path in (tmp_path / ".failed").glob("*-scan.pdf"))
    assert kept == [b"one", b"two"]


def test_ignored_names() -> None:
    assert ignored(".x.pdf") and ignored("a.part") and ignored("dir/a.tmp") and ignored("dir/")
    assert not ignored("scan 1.pdf") and not ignored("dir/scan.tif")


# -- who sees unfiled pages ------------------------------------------------------------------


def person(
    roles: set[str],
    branch: str | None = None,
    region: str | None = None,
    email: str | None = None,
    username: str = "someone",
) -> Principal:
    return Principal(subject="s", username=username, roles=frozenset(roles), branch=branch, region=region, email=email)


@pytest.fixture(scope="module")
def queue_db() -> tuple[Engine, uuid.UUID, uuid.UUID]:
    """The queue's tables in SQLite: a part of ravi's emailed batch, and one of a copier's."""
    engine = create_engine("sqlite://")
    tables.metadata.create_all(engine, tables=[tables.scan_batches, tables.scan_parts])
    parts = []
    with engine.begin() as conn:
        for sender in ("ravi", None):  # a copier's batch keeps no sender (scanning/batches.py)
            batch, part = uuid.uuid4(), uuid.uuid4()
            conn.execute(
                tables.scan_batches.insert().values(
                    id=batch,
                    sha256=batch.hex,
                    source="email",
                    source_name="scan.pdf",
                    sender=sender,
                    region="london",
                    branch="north-london",
                    state="split",
                    bucket="held",
                    object_key=batch.hex,
                )
            )
            conn.execute(
                tables.scan_parts.insert().values(
                    id=part,
                    batch_id=batch,
                    part_index=0,
                    first_page=1,
                    last_page=1,
                    pages=1,
                    state="waiting",
                    reason="before_first_sheet",
                    region="london",
                    branch="north-london",
                )
            )
            parts.append(part)
    return engine, parts[0], parts[1]


@pytest.mark.parametrize(
    ("caller", "sees"),
    [
        (person({"caseworker"}, region="london"), True),
        (person({"caseworker"}, region="north-west"), False),
        (person({"coordinator"}, branch="north-london", region="london"), True),
        (person({"coordinator"}, branch="south-london", region="london"), False),
        (person({"rep"}, branch="north-london", region="london"), False),
        (person({"official"}, region="london"), False),
        (person({"member"}, branch="north-london", region="london"), False),
        (person({"rep"}, branch="south-london", username="ravi"), True),  # emailed the batch
        # An email claim is no identity: ravi's address, or the copier's, shows nothing.
        (person({"rep"}, branch="south-london", email="ravi@union.example.org"), False),
        (person({"rep"}, branch="south-london", email="copier-3@union.example.org"), False),
    ],
)
def test_who_sees_an_unfiled_part(queue_db, caller: Principal, sees: bool) -> None:
    engine, ravis, _copiers = queue_db
    assert (queues.get(engine, str(ravis), caller) is not None) is sees
    assert (ravis in {row.id for row in queues.listing(engine, caller, "waiting", 50)}) is sees


def test_a_copiers_unfiled_part_is_seen_by_region_and_branch_only(queue_db) -> None:
    engine, _ravis, copiers = queue_db
    forged = person({"rep"}, branch="south-london", email="copier-3@union.example.org", username="copier-3")
    assert queues.get(engine, str(copiers), forged) is None
    assert queues.get(engine, str(copiers), person({"caseworker"}, region="london")) is not None
