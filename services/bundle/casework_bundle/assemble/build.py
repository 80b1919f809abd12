"""Building the bundle: title page, linked index, documents with stamped page numbers, text layers, redactions,
bookmarks and volumes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from casework_bundle.assemble.model import BuiltBundle, BundleOptions, SourceDocument


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
    raise NotImplementedError
