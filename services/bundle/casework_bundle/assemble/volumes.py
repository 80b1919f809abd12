"""Splitting a bundle into volumes at document boundaries."""

from __future__ import annotations

from collections.abc import Sequence


def split_volumes(page_counts: Sequence[int], max_pages: int | None) -> list[list[int]]:
    """Documents (by index) per volume: each volume takes documents while they fit in ``max_pages`` (so each
    split is at the document boundary nearest the limit without exceeding it); a document longer than the
    limit gets a volume of its own. ``None``: one volume."""
    if max_pages is None:
        return [list(range(len(page_counts)))]
    volumes: list[list[int]] = []
    current: list[int] = []
    pages = 0
    for i, count in enumerate(page_counts):
        if current and pages + count > max_pages:
            volumes.append(current)
            current, pages = [], 0
        current.append(i)
        pages += count
    if current:
        volumes.append(current)
    return volumes
