"""Document facts on a held-out set: how well read_facts finds a document's kind, date and title
on documents written apart from its rules (tests/lib/heldout_documents.py).

Prints per-kind precision, recall and F1 with their macro averages, exact date accuracy, title
accuracy (case-insensitive after whitespace normalisation, NFC, en dash as hyphen, edge punctuation
ignored) and a lenient title rate (the found title contains the true one or is contained in it,
both non-empty), each overall and on clean and noisy documents, then the commonest confusions and
an example of each confusion. No servers; a few seconds.

    .venv/bin/python bench/document_facts_heldout.py [--count 560] [--seed 2026] [--examples 10]
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "lib"))

from heldout_documents import KINDS, TODAY, heldout_documents  # noqa: E402

from casework.v1 import events_pb2  # noqa: E402
from casework_ocr.facts import read_facts  # noqa: E402


def kind_name(value: int) -> str:
    return events_pb2.DocumentKind.Name(value).removeprefix("DOCUMENT_KIND_")


def norm_title(text: str) -> str:
    """A title for comparison: NFC, case-folded, spaces collapsed, dashes unified, edges trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().replace("–", "-").split()).strip(" .:-")


def lenient_title(found: str, truth: str) -> bool:
    """The found title holds the true one or sits inside it (both non-empty after normalising)."""
    f, t = norm_title(found), norm_title(truth)
    return bool(f and t) and (t in f or f in t)


def pct(hits: int, total: int) -> str:
    return f"{100 * hits / total:5.1f}% ({hits}/{total})" if total else "   n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=560)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--examples", type=int, default=10, help="confusions to show an example of")
    args = parser.parse_args()

    docs = heldout_documents(args.count, args.seed)
    rows = []
    for doc in docs:
        facts = read_facts(
            doc.pages, doc.metadata, doc.detected_type, pdf_info=doc.pdf_info, exif_date=doc.exif_date, today=TODAY
        )
        rows.append((doc, kind_name(facts.kind), facts.date, facts.title))

    print(f"held-out set: {len(docs)} documents (seed {args.seed}), {sum(d.noisy for d in docs)} with OCR noise")
    print(f"\n{'kind':<18} {'prec':>6} {'recall':>7} {'F1':>6} {'n':>4}")
    f1s, precs, recs = [], [], []
    for kind in KINDS:
        tp = sum(1 for d, k, _, _ in rows if d.kind == kind and k == kind)
        fp = sum(1 for d, k, _, _ in rows if d.kind != kind and k == kind)
        fn = sum(1 for d, k, _, _ in rows if d.kind == kind and k != kind)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        precs.append(p)
        recs.append(r)
        f1s.append(f)
        print(f"{kind:<18} {p:6.2f} {r:7.2f} {f:6.2f} {tp + fn:4d}")
    n = len(KINDS)
    print(f"{'macro':<18} {sum(precs) / n:6.2f} {sum(recs) / n:7.2f} {sum(f1s) / n:6.2f}")

    groups = {
        "all": rows,
        "clean": [r for r in rows if not r[0].noisy],
        "noisy": [r for r in rows if r[0].noisy],
    }
    print(f"\n{'':<8} {'kind':>18} {'date':>18} {'title exact':>18} {'title lenient':>18}")
    for name, group in groups.items():
        kind_hits = sum(1 for d, k, _, _ in group if k == d.kind)
        date_hits = sum(1 for d, _, date, _ in group if date == d.date)
        title_hits = sum(1 for d, _, _, title in group if norm_title(title) == norm_title(d.title))
        titled = [(d, title) for d, _, _, title in group if d.title]
        lenient_hits = sum(1 for d, title in titled if lenient_title(title, d.title))
        print(
            f"{name:<8} {pct(kind_hits, len(group)):>18} {pct(date_hits, len(group)):>18} "
            f"{pct(title_hits, len(group)):>18} {pct(lenient_hits, len(titled)):>18}"
        )
    print("(title lenient: over documents with a true title)")
    undated = [r for r in rows if not r[0].date]
    untitled = [r for r in rows if not r[0].title]
    print(
        f"no true date: {len(undated)} documents, {sum(1 for r in undated if not r[2])} left undated; "
        f"no true title: {len(untitled)}, {sum(1 for r in untitled if not r[3])} left untitled"
    )

    confusions = Counter((d.kind, k) for d, k, _, _ in rows if k != d.kind)
    print("\ncommonest confusions (true -> found):")
    for (truth, found), times in confusions.most_common(15):
        print(f"  {truth:<18} -> {found:<18} {times}")

    # One example of each confusion, commonest first: the widest view of what the rules miss.
    print(f"\nmisclassified examples (one per confusion, up to {args.examples}):")
    for (truth, found), _ in confusions.most_common(args.examples):
        d, k, date, title = next(r for r in rows if r[0].kind == truth and r[1] == found)
        snippet = " | ".join(line.strip() for line in "\n".join(d.pages).splitlines() if line.strip())[:240]
        print(
            f"- true {d.kind}, found {k}; date {d.date or '-'} found {date or '-'}; title {d.title!r} found {title!r}"
        )
        print(f"  {d.detected_type}{' noisy' if d.noisy else ''}: {snippet}")


if __name__ == "__main__":
    main()
