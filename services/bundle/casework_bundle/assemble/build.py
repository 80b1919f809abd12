"""Building the bundle: title page, linked index, documents with stamped page numbers, text layers, redactions,
bookmarks and volumes."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2
from pikepdf import Array, Dictionary, Name

from casework_bundle.assemble.front import display_date, render_front
from casework_bundle.assemble.model import BuiltBundle, BundleOptions, IndexRow, SourceDocument
from casework_bundle.assemble.order import section_rank
from casework_bundle.assemble.overlay import Overlays
from casework_bundle.assemble.redact import redact_page
from casework_bundle.assemble.volumes import split_volumes


@dataclass(frozen=True)
class _Planned:
    doc: SourceDocument
    row: IndexRow


def group_by_section(docs: Sequence[SourceDocument], sections: Sequence[str]) -> list[SourceDocument]:
    """``docs`` grouped by section in the order of ``sections`` (unknown sections last, in the order they first
    appear), keeping the given order within each section."""
    first_seen: dict[str, int] = {}
    for doc in docs:
        first_seen.setdefault(doc.section, len(first_seen))
    return sorted(docs, key=lambda d: (section_rank(d.section, sections), first_seen[d.section]))


def _page_count(doc: SourceDocument) -> int:
    with pikepdf.open(doc.pdf) as pdf:
        count = len(pdf.pages)
    if count == 0:
        raise ValueError(f"{doc.pdf} has no pages")
    for page in doc.ocr_words:
        if not 1 <= page <= count:
            raise ValueError(f"OCR words for page {page} of {doc.pdf}, which has {count} pages")
    for redaction in doc.redactions:
        if redaction.page is not None and not 1 <= redaction.page <= count:
            raise ValueError(f"redaction on page {redaction.page} of {doc.pdf}, which has {count} pages")
    return count


def _redactions_by_page(doc: SourceDocument, count: int) -> dict[int, tuple[list[str], list]]:
    plan: dict[int, tuple[list[str], list]] = {}
    for redaction in doc.redactions:
        pages = [redaction.page] if redaction.page is not None else range(1, count + 1)
        for page in pages:
            phrases, areas = plan.setdefault(page, ([], []))
            if redaction.text is not None:
                phrases.append(redaction.text)
            if redaction.box is not None:
                areas.append(redaction.box)
    return plan


# Actions a PDF viewer runs or follows by itself, or that reach outside the file: a hostile
# source document must not carry them to the tribunal or the solicitors through the bundle.
ACTIVE_ACTIONS = frozenset(
    Name(n)
    for n in (
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/ResetForm",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/Sound",
        "/Movie",
    )
)


def _sanitise_annotations(page: pikepdf.Page) -> None:
    """Remove the page's automatic actions, annotations that run active content, and links that point
    inside their source document (their targets are not in the bundle). Form fields and their shown
    values stay; external web links stay (they are part of the evidence)."""
    if "/AA" in page.obj:
        del page.obj["/AA"]
    annots = page.obj.get("/Annots")
    if not isinstance(annots, Array):
        return
    kept = []
    for annot in annots:
        if not isinstance(annot, Dictionary):
            continue
        action = annot.get("/A")
        kind = action.get("/S") if isinstance(action, Dictionary) else None
        if kind in ACTIVE_ACTIONS:
            continue
        internal = "/Dest" in annot or kind == Name.GoTo
        if annot.get("/Subtype") == Name.Link and internal:
            continue
        if "/AA" in annot:
            del annot["/AA"]
        kept.append(annot)
    page.obj.Annots = Array(kept)


def _image_page(
    pdf: pikepdf.Pdf, jpeg: bytes, size: tuple[int, int], width_pt: float, height_pt: float
) -> pikepdf.Page:
    image = pdf.make_stream(
        jpeg,
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=size[0],
        Height=size[1],
        ColorSpace=Name.DeviceRGB,
        BitsPerComponent=8,
        Filter=Name.DCTDecode,
    )
    content = pdf.make_stream(f"q {width_pt:.3f} 0 0 {height_pt:.3f} 0 0 cm /CwImage Do Q\n".encode())
    page = Dictionary(
        Type=Name.Page,
        MediaBox=Array([0, 0, width_pt, height_pt]),
        Resources=Dictionary(XObject=Dictionary(CwImage=image)),
        Contents=content,
    )
    return pikepdf.Page(pdf.make_indirect(page))


def _outline_title(row: IndexRow) -> str:
    return f"{row.number}. {row.title or '(untitled)'} ({display_date(row.date)})"


def build_bundle(
    docs: Sequence[SourceDocument],
    options: BundleOptions,
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
) -> BuiltBundle:
    """Assemble ``docs`` into one or more bundle volumes written to ``out_dir``.

    Order: the documents are grouped by section in the order of ``options.sections`` (unknown sections last) and
    keep the order they were given in within a section, so a rep's own order is respected; pass
    ``order_documents(docs, options.sections)`` for the default chronological order.

    Each volume is ``bundle.pdf`` (one volume) or ``bundle-volume-<n>.pdf`` and holds: a title page; the full
    index (every document: number, date, title, kind, pages, and volume when there are several), where each row
    of a document in this volume is a link to its first page; then its documents. Document pages carry a stamped
    number ("Page 12", bottom centre, in a white box) running 1..N across the whole bundle and continuing across
    volumes; title and index pages are not stamped and are labelled i, ii, ... in the PDF's page labels
    (document pages are labelled with their stamped number). Bookmarks: one per section, with one per document
    under it. Pages with ``ocr_words`` get an invisible text layer at the words' boxes; pages with redactions
    are replaced by an image of the page with the redacted words and areas blacked out and an invisible text
    layer of the remaining words only (annotations of those pages are dropped).

    Volumes (``options.max_pages_per_volume``): split only between documents, each volume as full as possible
    without exceeding the limit; a document longer than the limit gets a volume of its own.

    ``progress(pages_done, pages_total)`` is called once before the first document and after each document.
    Raises ValueError for no documents or a document with no pages.
    """
    if not docs:
        raise ValueError("a bundle needs at least one document")
    ordered = group_by_section(docs, options.sections)
    counts = [_page_count(doc) for doc in ordered]
    split = split_volumes(counts, options.max_pages_per_volume)
    volume_of = {i: v for v, members in enumerate(split, 1) for i in members}
    planned: list[_Planned] = []
    next_page = 1
    for i, (doc, count) in enumerate(zip(ordered, counts, strict=True)):
        row = IndexRow(
            number=i + 1,
            section=doc.section,
            date=doc.date,
            title=doc.title,
            kind=doc.kind,
            volume=volume_of[i],
            first_page=next_page,
            last_page=next_page + count - 1,
        )
        planned.append(_Planned(doc, row))
        next_page += count
    total = next_page - 1
    sections = list(dict.fromkeys(doc.section for doc in ordered))
    out_dir.mkdir(parents=True, exist_ok=True)
    done = 0
    if progress is not None:
        progress(0, total)

    paths: list[Path] = []
    for v, members in enumerate(split, 1):
        path = out_dir / ("bundle.pdf" if len(split) == 1 else f"bundle-volume-{v}.pdf")

        def report(pages: int) -> None:
            nonlocal done
            done += pages
            if progress is not None:
                progress(done, total)

        _write_volume(path, options, [planned[i] for i in members], planned, sections, v, len(split), report)
        paths.append(path)
    return BuiltBundle(volumes=tuple(paths), index=tuple(p.row for p in planned), pages_total=total)


def _write_volume(
    path: Path,
    options: BundleOptions,
    members: list[_Planned],
    everything: list[_Planned],
    sections: list[str],
    volume: int,
    volumes: int,
    report: Callable[[int], None],
) -> None:
    first, last = members[0].row.first_page, members[-1].row.last_page
    front_bytes, front_count, links = render_front(
        options, [p.row for p in everything], sections, volume, volumes, (first, last)
    )
    pdf = pikepdf.new()
    sources: list[pikepdf.Pdf] = []
    try:
        front = pikepdf.open(io.BytesIO(front_bytes))
        sources.append(front)
        pdf.pages.extend(front.pages)
        overlays = Overlays(pdf)
        for item in members:
            doc, row = item.doc, item.row
            source = pikepdf.open(doc.pdf)
            sources.append(source)
            plan = _redactions_by_page(doc, len(source.pages))
            rendered: pypdfium2.PdfDocument | None = None
            try:
                for p, source_page in enumerate(source.pages, 1):
                    words = doc.ocr_words.get(p)
                    if p in plan:
                        if rendered is None:
                            rendered = pypdfium2.PdfDocument(doc.pdf)
                        phrases, areas = plan[p]
                        redacted = redact_page(rendered, p - 1, words, phrases, areas)
                        pdf.pages.append(
                            _image_page(
                                pdf,
                                redacted.jpeg,
                                (redacted.words.image_width, redacted.words.image_height),
                                redacted.width_pt,
                                redacted.height_pt,
                            )
                        )
                        words = redacted.words
                    else:
                        pdf.pages.append(source_page)
                    page = pdf.pages[-1]
                    _sanitise_annotations(page)
                    overlays.apply(page, row.first_page + p - 1, words)
            finally:
                if rendered is not None:
                    rendered.close()
            report(row.last_page - row.first_page + 1)

        def physical(bundle_page: int) -> int:
            return front_count + bundle_page - first

        for link in links:
            if link.row.volume != volume:
                continue  # a row of another volume is listed but not linked: links stay within the volume
            target = pdf.pages[physical(link.row.first_page)]
            annot = Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array(list(link.rect)),
                Border=Array([0, 0, 0]),
                A=Dictionary(S=Name.GoTo, D=Array([target.obj, Name.Fit])),
            )
            index_page = pdf.pages[link.page]
            if "/Annots" not in index_page.obj:
                index_page.obj.Annots = Array()
            index_page.obj.Annots.append(pdf.make_indirect(annot))

        with pdf.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem("Index", 1))
            current_section: pikepdf.OutlineItem | None = None
            for item in members:
                row = item.row
                if current_section is None or current_section.title != row.section:
                    current_section = pikepdf.OutlineItem(row.section, physical(row.first_page))
                    outline.root.append(current_section)
                current_section.children.append(pikepdf.OutlineItem(_outline_title(row), physical(row.first_page)))

        pdf.Root.PageLabels = Dictionary(
            Nums=Array([0, Dictionary(S=Name.r), front_count, Dictionary(S=Name.D, St=first)])
        )
        pdf.Root.PageMode = Name.UseOutlines
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = options.title if volumes == 1 else f"{options.title}, volume {volume} of {volumes}"
        pdf.docinfo[Name.Creator] = "Casework bundle"
        pdf.save(path)
    finally:
        pdf.close()
        for source in sources:
            source.close()
