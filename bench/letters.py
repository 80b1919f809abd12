"""The letter the OCR benchmarks print on their generated pages: an employer's HR letter about a
disciplinary hearing, its body drawn at random from stock sentences, so that every page differs
but reads like the evidence members upload. Used by ocr_throughput.py (and capacity.py through
it) and scan_split.py."""

from __future__ import annotations

import random

SENTENCES = [
    "We write further to the investigation meeting held on {d} regarding your attendance record.",
    "The allegation is that you failed to follow the absence reporting procedure on three occasions.",
    "You are entitled to be accompanied at the hearing by a trade union representative or colleague.",
    "Please bring any documents you wish the panel to consider, including medical certificates.",
    "The possible outcomes include no further action, a written warning or a final written warning.",
    "If you are unable to attend on this date please contact the Human Resources team immediately.",
    "The panel will consist of the Area Manager and an independent manager from another depot.",
    "Witness statements obtained during the investigation are enclosed with this letter for reference.",
]


def letter_lines(rng: random.Random, reference: str, sentences: int, heading: str | None = None) -> list[str]:
    """One letter's lines: letterhead, ``reference``, greeting, ``heading`` if given, then
    ``sentences`` stock sentences (each with a March 2026 date where it has one), and the sign-off.
    The same ``rng`` state gives the same letter."""
    lines = ["Metro Transit Ltd", "Human Resources Department", f"Our reference: {reference}", "", "Dear Ms Okafor,"]
    if heading is not None:
        lines.append(heading)
    lines += [rng.choice(SENTENCES).format(d=f"{rng.randint(1, 28)} March 2026") for _ in range(sentences)]
    return [*lines, "", "Yours sincerely,", "J. Smith, HR Business Partner"]
