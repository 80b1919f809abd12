"""A document's title: what a bundle index would call it.

In order: an email's Subject header ("subject"); a letter's "Re:"/"Subject:" line
("subject-line"); the short line a letter puts after "Dear ..." in place of a "Re:" line, or a
document's first heading ("heading"). Letterheads, address blocks, contact lines, references,
dates, salutations and "Private & Confidential" marks are never titles. A letter with none of
these gets no title (the rep writes one) rather than the employer's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

MAX_LENGTH = 120

_SUBJECT_LINE = re.compile(r"^\s*(?:re|subject|subj)\s*[:.-]\s*(?P<rest>.*)$", re.IGNORECASE)
_DEAR = re.compile(r"^\s*dear\b", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_STREET = re.compile(
    r"^\s*(?:flat|unit|suite)?\s*\d+[a-z]?\b|\b(?:road|rd|street|st|lane|avenue|ave|close|drive|way|place|"
    r"crescent|court|gardens|square|terrace|park|house|estate|business park|industrial estate)\.?,?\s*$",
    re.IGNORECASE,
)
_NOT_TITLE = re.compile(
    r"^\s*(?:private|strictly|confidential|personal|by (?:e-?mail|hand|post)|our ref|your ref|ref(?:erence)?\b|"
    r"tel|telephone|phone|mobile|fax|e-?mail|web|www\.|https?:|date|page \d|employee (?:no|number|id)|"
    r"payroll|to:|from:|cc:|sent:|mr\b|mrs\b|ms\b|miss\b|mx\b|dr\b|sir\b|dame\b|yours|kind regards|regards|"
    r"signed|signature|name:)",
    re.IGNORECASE,
)
_ORGANISATION = re.compile(
    r"\b(?:ltd|limited|plc|llp|group|council|nhs|trust|university|college|school|services|holdings|"
    r"partnership|authority|company|co\.|inc|foundation|association)\b\.?\s*$",
    re.IGNORECASE,
)
# Words a document heading carries ("Notes of investigation meeting", "Dignity at Work Policy").
_HEADING_WORD = re.compile(
    r"\b(?:minutes|notes|record|statement|policy|procedure|code|handbook|guidance|contract|terms|"
    r"particulars|payslip|pay ?slip|pay advice|earnings|fit note|fitness|report|letter|notice|invitation|"
    r"outcome|decision|warning|suspension|grievance|appeal|complaint|agenda|meeting|hearing|investigation|"
    r"summary|confirmation)\b",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"^\W*(?:\w+day,?\s+)?\d{1,2}(?:st|nd|rd|th)?\s+\w+\s+\d{2,4}\W*$|^[\d/.\s:-]+$")


def tidy(text: str) -> str:
    """Whitespace collapsed, edge punctuation dropped, cut at a word near MAX_LENGTH."""
    text = " ".join(text.split()).strip(" -–:;,*_#=")
    if len(text) <= MAX_LENGTH:
        return text
    cut = text[:MAX_LENGTH].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def _words(line: str) -> int:
    return len(line.split())


def _could_be_heading(line: str) -> bool:
    stripped = line.strip()
    if not (3 <= len(stripped) <= 100) or _words(stripped) > 14 or not re.search(r"[A-Za-z]{3}", stripped):
        return False
    if _NOT_TITLE.match(stripped) or _DEAR.match(stripped) or _DATE_LIKE.match(stripped):
        return False
    if _POSTCODE.search(stripped) or _STREET.search(stripped) or _ORGANISATION.search(stripped):
        return False
    # A sentence is not a heading; nor is a line ending in a comma (an address line).
    return not stripped.endswith((".", ",", ";")) or stripped.endswith("etc.")


def _lines(pages: Iterable[str], limit: int) -> list[str]:
    out: list[str] = []
    for page in pages:
        out.extend(page.splitlines())
        if len(out) >= limit:
            break
    return out[:limit]


def read_title(pages: list[str], metadata: Mapping[str, str]) -> tuple[str, str]:
    """The title and its source ("subject", "subject-line", "heading"), or ("", "")."""
    subject = tidy(metadata.get("subject", ""))
    if subject:
        return subject, "subject"
    lines = _lines(pages, 60)
    for index, line in enumerate(lines[:45]):
        match = _SUBJECT_LINE.match(line)
        if not match:
            continue
        rest = match["rest"].strip()
        if not rest:  # "Re:" alone, the subject on the next line
            rest = next((ln.strip() for ln in lines[index + 1 : index + 3] if ln.strip()), "")
        if rest:
            return tidy(rest), "subject-line"
    dear = next((i for i, line in enumerate(lines[:40]) if _DEAR.match(line)), None)
    if dear is not None:
        # A letter: a short line straight after the salutation is its subject ("Invitation to a
        # hearing"); before the salutation only a line that reads as a heading counts.
        after = [line.strip() for line in lines[dear + 1 : dear + 4] if line.strip()]
        if after and _could_be_heading(after[0]) and _words(after[0]) <= 12:
            return tidy(after[0]), "heading"
        for line in lines[:dear]:
            if _could_be_heading(line) and _HEADING_WORD.search(line):
                return tidy(line), "heading"
        return "", ""
    candidates = [line for line in lines[:25] if _could_be_heading(line)]
    worded = [line for line in candidates if _HEADING_WORD.search(line)]
    if worded:
        return tidy(worded[0]), "heading"
    if candidates:
        return tidy(candidates[0]), "heading"
    return "", ""
