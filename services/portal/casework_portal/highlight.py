"""Marks a search's words in a page of extracted text, for the evidence viewer."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

OPERATORS = {"AND", "OR", "NOT"}
# Endings the search index's English stemmer folds together, so "dismiss" marks "dismissed".
ENDINGS = r"(?:s|es|ed|d|ing|ment|ments)?"


def terms(query: str) -> list[str]:
    """The words a query looks for: not its operators, nor words it excludes (-word, NOT word)."""
    found: list[str] = []
    excluded = False
    for word in re.findall(r"-?[\w*]+", query):
        if word in OPERATORS:
            excluded = word == "NOT"
            continue
        if not excluded and not word.startswith("-"):
            found.append(word.lower())
        excluded = False
    return found


def mark(text: str, query: str) -> Markup:
    """``text`` HTML-escaped, with every word of ``query`` wrapped in <mark>."""
    patterns = []
    for term in terms(query):
        if term.endswith("*"):
            patterns.append(re.escape(term.rstrip("*")) + r"\w*")
        elif term:
            patterns.append(re.escape(term) + ENDINGS)
    if not patterns:
        return escape(text)
    pattern = re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)
    # Matched in the raw text and escaped piece by piece: matching the escaped text would
    # mark the words inside entities (&amp; for "amp").
    out, last = [], 0
    for found in pattern.finditer(text):
        out += [str(escape(text[last : found.start()])), f"<mark>{escape(found.group())}</mark>"]
        last = found.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece escaped above
