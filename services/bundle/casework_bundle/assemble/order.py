"""The bundle's default document order: by section, then chronological."""

from __future__ import annotations

from collections.abc import Sequence

from casework_bundle.assemble.model import SourceDocument


def section_rank(section: str, sections: Sequence[str]) -> int:
    """A section's place in ``sections``; sections not listed come after every listed one."""
    try:
        return list(sections).index(section)
    except ValueError:
        return len(sections)


def order_documents(docs: Sequence[SourceDocument], sections: Sequence[str]) -> list[SourceDocument]:
    """Documents in tribunal order: by section (in the order of ``sections``; unknown sections last, in the order
    they first appear), then chronological by date (undated last), ties by kind then title. Stable: documents
    equal on all of these keep the order they were given in.
    """
    first_seen: dict[str, int] = {}
    for doc in docs:
        first_seen.setdefault(doc.section, len(first_seen))

    def key(doc: SourceDocument) -> tuple[int, int, int, str, str, str]:
        rank = section_rank(doc.section, sections)
        unknown_order = first_seen[doc.section] if rank == len(sections) else 0
        # ISO dates sort as strings; "" (undated) goes after every date
        return (rank, unknown_order, 0 if doc.date else 1, doc.date, doc.kind.casefold(), doc.title.casefold())

    return sorted(docs, key=key)
