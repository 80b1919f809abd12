"""ZIP archives: each member becomes an evidence item of the same case, within limits on the
number of members, their total size and the expansion ratio (zip bombs). Sizes are counted
while decompressing, never taken from the archive's own headers."""

from __future__ import annotations

import zipfile
from pathlib import Path

from casework_ocr.extractors.base import Analysis, Child, Context, Extractor, LimitError, UnreadableError

CHUNK = 1024 * 1024


class ZipExtractor(Extractor):
    mime_types = frozenset({"application/zip", "application/x-zip-compressed"})

    def analyse(self, path: Path, context: Context) -> Analysis:
        limits = context.limits
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise UnreadableError(f"The archive cannot be opened ({exc}).") from exc
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > limits.max_archive_members:
                raise LimitError(f"The archive holds {len(members)} files; the limit is {limits.max_archive_members}.")
            budget = min(limits.max_archive_bytes, max(path.stat().st_size, 1) * limits.max_archive_ratio)
            children, notes, written = [], [], 0
            for index, member in enumerate(members):
                if member.flag_bits & 0x1:
                    notes.append(f"{member.filename}: encrypted, not taken out")
                    continue
                target = context.workdir / f"member-{index}"
                try:
                    with archive.open(member) as source, target.open("wb") as sink:
                        while chunk := source.read(CHUNK):
                            written += len(chunk)
                            if written > budget:
                                raise LimitError(
                                    "The archive expands far beyond its size (a zip bomb?); "
                                    "its files were not taken out."
                                )
                            sink.write(chunk)
                except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                    notes.append(f"{member.filename}: unreadable ({exc})")
                    target.unlink(missing_ok=True)
                    continue
                children.append(Child(filename=member.filename, content_type="application/octet-stream", path=target))
        return Analysis(pages=[], children=children, notes=notes)
