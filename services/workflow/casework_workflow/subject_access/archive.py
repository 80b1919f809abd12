"""The subject-access ZIP: the records grouped in JSON files per case and kind, evidence originals as
received, extracted texts, and an index a person can read (index.html, index.md) and a program can
read (index.json), listing every item released: what it is, where it came from, its date, its file.

Withheld items are left out entirely; the index says only that items were withheld and how many.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from typing import IO, Any

from jinja2 import Environment

from casework_workflow.subject_access.gather import KINDS, Item, Record

_env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)

INDEX_HTML = _env.from_string(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem; line-height: 1.4; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #767676; padding: .3rem .5rem; text-align: left; vertical-align: top; }
caption { text-align: left; font-weight: bold; margin: .5rem 0; }
code { word-break: break-all; }
</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p>Membership number <strong>{{ number }}</strong>. Produced {{ produced }} by the Casework platform.
{{ scope_text }}</p>
<p>{{ released }} item(s) released{% if withheld %}; {{ withheld }} item(s) were withheld from this copy{% endif %}.
Records are in the JSON files named below; evidence originals are exactly as received (their SHA-256 is
given); extracted texts are in <code>text.txt</code> beside each original.</p>
{% for kind, label, items in groups %}
<table>
<caption>{{ label }} ({{ items|length }})</caption>
<thead><tr><th scope="col">Item</th><th scope="col">What</th><th scope="col">Case</th>
<th scope="col">Date</th><th scope="col">Came from</th><th scope="col">File</th></tr></thead>
<tbody>
{% for i in items %}
<tr><td><code>{{ i.id }}</code></td><td>{{ i.description }}</td><td>{{ i.case_reference or "" }}</td>
<td>{{ i.date or "" }}</td><td>{{ i.source }}</td>
<td><a href="{{ (i.content_file or i.file)|urlencode }}">{{ i.content_file or i.file }}</a>
{% if i.content_file %}<br>record: <a href="{{ i.file|urlencode }}">{{ i.file }}</a>{% endif %}</td></tr>
{% endfor %}
</tbody>
</table>
{% endfor %}
</main>
</body>
</html>
"""
)

SCOPE_TEXT = {
    "full": "This is everything the platform holds about the member: case records, the full timeline "
    "(reps-only entries included), referrals, support requests, enquiries, deadlines, information requests, "
    "evidence and its extracted text, notifications, audit records, and recruitment records (entries on "
    "branches' target lists and the conversations logged against them).",
    "member": "This is the member's own record as the member sees it: their cases, the timeline entries and "
    "deadlines shown to them, the evidence they can see and its extracted text, and their notifications.",
}


@dataclass(frozen=True)
class Written:
    """An archive on disk (a temporary file, deleted when closed) and what went into it."""

    file: IO[bytes]
    size: int
    released: int
    withheld: int
    counts: dict[str, int]


def _markdown(record: Record, produced: str, released: list[Item], withheld: int) -> str:
    def cell(text: Any) -> str:
        # Escaped as well as separated: a file name is the sender's text, and Markdown viewers render HTML.
        text = str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# Subject access: membership number {record.membership_number}",
        "",
        f"Produced {produced} by the Casework platform. {SCOPE_TEXT[record.view]}",
        "",
        f"{len(released)} item(s) released"
        + (f"; {withheld} item(s) were withheld from this copy." if withheld else "."),
    ]
    for _kind, label, items in _groups(released):
        lines += [
            "",
            f"## {label} ({len(items)})",
            "",
            "| Item | What | Case | Date | Came from | File |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| `{i.id}` | {cell(i.description)} | {cell(i.case_reference)} | {cell(i.date)} | {cell(i.source)} "
            f"| {cell(i.content_file or i.file)} |"
            for i in items
        ]
    return "\n".join(lines) + "\n"


def _groups(items: list[Item]) -> list[tuple[str, str, list[Item]]]:
    by_kind: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    return [(kind, label, by_kind[kind]) for kind, label in KINDS.items() if by_kind.get(kind)]


def _dump(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True).encode()


def write(record: Record, withheld_ids: set[str]) -> Written:
    """Write the archive of ``record`` without the items in ``withheld_ids``."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
    try:
        return _write(record, withheld_ids, out)
    except BaseException:
        out.close()  # a failed archive leaves nothing behind
        raise


def _write(record: Record, withheld_ids: set[str], out: IO[bytes]) -> Written:
    released = [i for i in record.items if i.id not in withheld_ids]
    withheld = len(record.items) - len(released)
    produced = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    files: dict[str, list[dict[str, Any]]] = defaultdict(list)
    index_items = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in released:
            files[item.file].append(item.record)
            entry = {**item.preview(), "file": item.file}
            chunks = item.content() if item.content is not None and item.content_file else None
            if item.content is not None and chunks is None:
                entry["content_missing"] = True  # erased from the store since the record was listed
            if chunks is not None and item.content_file:
                digest = hashlib.sha256()
                # Originals are stored as they are (most are already compressed); texts are deflated.
                method = zipfile.ZIP_STORED if item.kind == "evidence" else zipfile.ZIP_DEFLATED
                info = zipfile.ZipInfo(item.content_file, _zip_time())
                info.compress_type = method
                with archive.open(info, "w", force_zip64=True) as target:
                    for chunk in chunks:
                        digest.update(chunk)
                        target.write(chunk)
                entry["content_file"] = item.content_file
                entry["content_sha256"] = digest.hexdigest()
                if item.sha256:
                    entry["matches_recorded_sha256"] = digest.hexdigest() == item.sha256
            index_items.append(entry)
        for name, records in files.items():
            body: Any = records[0] if name.endswith("/case.json") else records
            archive.writestr(name, _dump(body))
        index = {
            "membership_number": record.membership_number,
            "view": record.view,
            "produced_at": produced,
            "released": len(released),
            "withheld": withheld,
            "counts": _counts(released),
            "items": index_items,
        }
        archive.writestr("index.json", _dump(index))
        archive.writestr("index.md", _markdown(record, produced, released, withheld).encode())
        archive.writestr(
            "index.html",
            INDEX_HTML.render(
                title=f"Subject access: membership number {record.membership_number}",
                number=record.membership_number,
                produced=produced,
                scope_text=SCOPE_TEXT[record.view],
                released=len(released),
                withheld=withheld,
                groups=_groups(released),
            ).encode(),
        )
    size = out.tell()
    out.seek(0)
    return Written(out, size, len(released), withheld, _counts(released))


def _counts(items: list[Item]) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in items:
        found[item.kind] = found.get(item.kind, 0) + 1
    return found


def _zip_time() -> tuple[int, int, int, int, int, int]:
    now = dt.datetime.now(dt.UTC)
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)
