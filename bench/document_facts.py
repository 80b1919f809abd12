"""Document facts: how well read_facts finds a document's kind, date and title.

Generates a labelled set of UK workplace documents (tests/lib/labelled_documents.py, written
apart from the classifier's rules, a quarter with OCR-like errors), runs read_facts on each and
prints per-kind precision, recall and F1, their macro averages, exact date and title accuracy
(overall, on clean and on noisy documents), accuracy per confidence band, and the commonest
confusions. No servers; a few seconds.

    .venv/bin/python bench/document_facts.py [--count 600] [--seed 7]
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "lib"))

from labelled_documents import KINDS, TODAY, Labelled, generate  # noqa: E402

from casework.v1 import events_pb2  # noqa: E402
from casework_ocr.facts import read_facts  # noqa: E402


def kind_name(value: int) -> str:
    return events_pb2.DocumentKind.Name(value).removeprefix("DOCUMENT_KIND_")


def same_title(found: str, truth: str) -> bool:
    """Titles equal up to case, spacing and edge punctuation."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().replace("–", "-").split()).strip(" .:-")

    return norm(found) == norm(truth)


def per_kind(pairs: list[tuple[str, str]]) -> dict[str, tuple[float, float, float, int]]:
    """Precision, recall, F1 and support per kind, from (truth, predicted) pairs."""
    out = {}
    for kind in KINDS:
        tp = sum(1 for t, p in pairs if t == kind and p == kind)
        predicted = sum(1 for _, p in pairs if p == kind)
        actual = sum(1 for t, _ in pairs if t == kind)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[kind] = (precision, recall, f1, actual)
    return out


def evaluate(documents: list[Labelled]) -> dict[str, object]:
    """Run read_facts over the documents and gather the figures the bench and the test use."""
    pairs: list[tuple[str, str]] = []
    dates_right: list[tuple[bool, bool]] = []
    titles_right: list[tuple[bool, bool]] = []
    bands: dict[str, list[bool]] = {"<0.4": [], "0.4-0.6": [], "0.6-0.8": [], ">=0.8": []}
    for doc in documents:
        facts = read_facts(doc.pages, doc.metadata, doc.detected_type, doc.pdf_info, doc.exif_date, today=TODAY)
        predicted = kind_name(facts.kind)
        pairs.append((doc.kind, predicted))
        dates_right.append((facts.date == doc.date, doc.noisy))
        titles_right.append((same_title(facts.title, doc.title), doc.noisy))
        c = facts.kind_confidence
        band = "<0.4" if c < 0.4 else "0.4-0.6" if c < 0.6 else "0.6-0.8" if c < 0.8 else ">=0.8"
        bands[band].append(predicted == doc.kind)
    scores = per_kind(pairs)
    present = [k for k in KINDS if scores[k][3]]
    return {
        "pairs": pairs,
        "per_kind": scores,
        "macro_precision": sum(scores[k][0] for k in present) / len(present),
        "macro_recall": sum(scores[k][1] for k in present) / len(present),
        "macro_f1": sum(scores[k][2] for k in present) / len(present),
        "kind_accuracy": sum(t == p for t, p in pairs) / len(pairs),
        "dates": dates_right,
        "titles": titles_right,
        "bands": bands,
    }


def _share(rows: list[tuple[bool, bool]], noisy: bool | None = None) -> str:
    chosen = [ok for ok, is_noisy in rows if noisy is None or is_noisy == noisy]
    return f"{sum(chosen) / len(chosen):.3f} ({sum(chosen)}/{len(chosen)})" if chosen else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    documents = generate(args.count, seed=args.seed)
    result = evaluate(documents)
    noisy = sum(d.noisy for d in documents)
    print(f"Document facts: {len(documents)} generated documents (seed {args.seed}, {noisy} with OCR errors)\n")
    print(f"{'kind':<18} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>4}")
    for kind, (precision, recall, f1, n) in result["per_kind"].items():
        print(f"{kind:<18} {precision:>9.3f} {recall:>7.3f} {f1:>6.3f} {n:>4}")
    print(
        f"{'macro average':<18} {result['macro_precision']:>9.3f} {result['macro_recall']:>7.3f} "
        f"{result['macro_f1']:>6.3f}"
    )
    print(f"kind accuracy      {result['kind_accuracy']:.3f}\n")
    for label, rows in (("date (exact)", result["dates"]), ("title", result["titles"])):
        print(f"{label:<13} all {_share(rows)}   clean {_share(rows, False)}   noisy {_share(rows, True)}")
    print("\nkind accuracy by confidence band:")
    for band, hits in result["bands"].items():
        if hits:
            print(f"  {band:<8} {sum(hits) / len(hits):.3f} of {len(hits)}")
    confusions = Counter((t, p) for t, p in result["pairs"] if t != p)
    print("\ncommonest confusions (truth -> predicted: count):")
    for (truth, predicted), count in confusions.most_common(12):
        print(f"  {truth} -> {predicted}: {count}")


if __name__ == "__main__":
    main()
