"""Scanned batches, pure logic: cover-sheet tokens, splitting at sheets, blank pages, drops, who
sees unfiled pages. Batches are generated here as a copier makes them (tests/lib/copier.py)."""

from __future__ import annotations

import datetime as dt
import io
import random
import types
import uuid
from pathlib import Path

import copier
import pikepdf
import pytest
import segno
from PIL import Image, ImageDraw

from casework_common.auth import Principal
from casework_intake.scanning import cover_sheets, queues, splitter
from casework_intake.scanning.batches import BatchOutcome, part_file_name, part_id
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
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden.pdf", "copying.TMP", "copying.pdf.part"]


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
    assert (tmp_path / ".failed" / "photo.jpg").read_bytes() == b"\xff\xd8"
    assert "neither a PDF" in (tmp_path / ".failed" / "photo.jpg.reason.txt").read_text()
    assert "larger than" in (tmp_path / ".failed" / "huge.pdf.reason.txt").read_text()
    assert [name for _data, name, _region in intake.taken] == ["photo.jpg"]  # the huge one is never read


def test_a_batch_that_cannot_be_taken_now_stays_for_the_next_poll(tmp_path: Path) -> None:
    intake, clock = FakeIntake(ConnectionError("workflow is down")), Clock()
    drop = poller(tmp_path, intake, clock)
    (tmp_path / "batch.pdf").write_bytes(b"%PDF-1")
    drop.poll_once()
    clock.now += 3
    assert drop.poll_once() == []
    assert (tmp_path / "batch.pdf").exists()
    intake.outcome = BatchOutcome(uuid.uuid4(), "split")
    assert [o.state for o in drop.poll_once()] == ["split"] and not (tmp_path / "batch.pdf").exists()


def test_ignored_names() -> None:
    assert ignored(".x.pdf") and ignored("a.part") and ignored("dir/a.tmp") and ignored("dir/")
    assert not ignored("scan 1.pdf") and not ignored("dir/scan.tif")


# -- who sees unfiled pages ------------------------------------------------------------------


def person(
    roles: set[str], branch: str | None = None, region: str | None = None, email: str | None = None
) -> Principal:
    return Principal(subject="s", username="someone", roles=frozenset(roles), branch=branch, region=region, email=email)


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
        (person({"rep"}, branch="south-london", email="Ravi@Union.example.org"), True),  # emailed the batch
    ],
)
def test_who_sees_an_unfiled_part(caller: Principal, sees: bool) -> None:
    part = types.SimpleNamespace(region="london", branch="north-london", sender="ravi@union.example.org")
    assert queues.may_see(caller, part) is sees
