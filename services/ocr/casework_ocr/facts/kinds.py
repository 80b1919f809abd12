"""What kind of document this is: written rules, not a trained model.

Why rules: there is no labelled corpus of real union casework to train on (and the evidence is
confidential), scikit-learn is not a dependency, and a rep must be able to see why a letter was
called a warning. Each kind has weighted phrases (regular expressions); the title counts twice,
as it states what the document is; the text read is the first two pages, where a document says
what it is. The best total wins if it reaches ``THRESHOLD``, else OTHER.

Some phrases count against a kind: "right to be accompanied" is an invitation's, but an outcome
letter mentions the hearing it followed, so "outcome"/"decision" words outweigh it; "appeal" in
"you have the right to appeal" is an outcome letter's closing line, not an appeal.

Where kinds overlap, the document's purpose decides:
- a letter that issues or confirms a warning is a WARNING, even after a hearing; other hearing,
  grievance and appeal decisions are OUTCOME_LETTERs;
- invitations to any meeting (investigation, disciplinary, grievance, appeal) are INVITATIONs;
- GRIEVANCE and APPEAL are the member's own letters raising them;
- an email (its container: message/rfc822, an Outlook file, or email header lines given) is an
  EMAIL whatever it says: a bundle lists correspondence by its form ("Email from A to B"), and
  its attachments are separate items classified in their own right. A printed email (a PDF
  whose text starts with From/Sent/To/Subject lines) is found by the rules as well.

Confidence: ``strength × (0.5 + 0.5 × margin)``, where strength = 1 − e^(−best/4) grows with
the evidence and margin = (best − second)/best is how clearly the best beat the runner-up. An
email by container is 0.95. OTHER's confidence falls as the best (failed) kind nears the
threshold. The bench prints accuracy per confidence band, so the numbers can be checked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from casework.v1 import events_pb2

K = events_pb2
THRESHOLD = 2.0
EMAIL_TYPES = frozenset({"message/rfc822", "application/vnd.ms-outlook", "application/x-ole-storage-msg"})

Rule = tuple[str, float]

RULES: dict[int, list[Rule]] = {
    K.DOCUMENT_KIND_INVITATION: [
        (r"invit\w* you to (?:attend|a|an)\b", 3),
        (r"\binvitation to\b", 3),
        (r"\b(?:required|asked|requested) to attend\b", 3),
        (r"\bplease attend\b", 2),
        (r"\bwill (?:take place|be held)\b", 2),
        (r"\bright to be accompanied\b", 1.5),
        (r"\baccompanied by a (?:trade union|work(?:place)? colleague|companion)", 1),
        (r"\bconfirm (?:your|that you will) attend", 2),
        (r"\bnotice of (?:a |an )?(?:disciplinary|investigat|grievance|appeal|capability)\w* (?:hearing|meeting)", 3),
        (r"\b(?:hearing|meeting) (?:has been )?(?:arranged|scheduled)\b", 2),
        (r"\bif you are unable to attend\b", 2),
    ],
    K.DOCUMENT_KIND_OUTCOME_LETTER: [
        (r"\boutcome\b", 2),
        (r"\bdecision\b", 1),
        (r"\bI have (?:decided|concluded|reached)\b", 2.5),
        (r"\b(?:the panel|we) (?:has |have )?(?:decided|concluded)\b", 2.5),
        (r"\b(?:not )?upheld\b", 2),
        (r"\bsummar(?:il)?y dismiss", 3),
        (r"\b(?:decision|decided) to dismiss\b|\byour employment (?:is|will be) terminated\b", 3),
        (r"\bno further action\b", 2),
        (r"\bno case to answer\b", 2),
        (r"\bright (?:of|to) appeal\b|\bwish to appeal (?:against )?this\b", 2),
        (r"\bfollowing (?:the|your) (?:disciplinary |grievance |appeal )?(?:hearing|meeting)\b", 1.5),
    ],
    K.DOCUMENT_KIND_SUSPENSION_LETTER: [
        (r"\bsuspen(?:ded|sion)\b", 2.5),
        (r"\bon full (?:basic )?pay\b", 2.5),
        (r"\bprecautionary\b", 1.5),
        (r"\bnot (?:a|an) (?:disciplinary )?(?:sanction|penalty)\b", 2),
        (r"\b(?:must not|should not|not to) (?:attend|enter|contact|access)\b", 1.5),
        (r"\bpending (?:the|an) (?:outcome of (?:the|an) )?investigation\b", 1.5),
    ],
    K.DOCUMENT_KIND_WARNING: [
        (r"\b(?:final |first |second )?written warning\b", 4),
        (r"\bverbal warning\b|\bformal warning\b", 3),
        (r"\bwarning (?:will )?remain(?:s)? (?:live|on (?:your|file))", 3),
        (r"\b(?:disregarded|expire) (?:for disciplinary purposes|after)\b", 2),
        (r"\bfurther (?:misconduct|incidents?)\b.{0,80}\b(?:dismissal|action)\b", 1.5),
    ],
    K.DOCUMENT_KIND_MINUTES: [
        (r"\bminutes\b", 3),
        (r"\bnotes of (?:the |a |an )?", 3),
        (r"^\s*(?:present|attendees|in attendance)\s*:", 3),
        (r"\bnote[- ]?taker\b", 2.5),
        (r"\bmeeting (?:opened|closed|ended|adjourned|reconvened)\b|\badjourn", 2),
        (r"^\s*[A-Z]{2,3}\s*:\s+\S", 0.5),  # speaker initials, counted per line
        (r"\bagenda\b|\baction points?\b|\bapologies\b", 1.5),
    ],
    K.DOCUMENT_KIND_WITNESS_STATEMENT: [
        (r"\bwitness statement\b", 4),
        (r"\bstatement of (?:truth|\w+ \w+)\b", 2),
        (r"\bI make this statement\b", 4),
        (r"\bbelieve (?:that )?the facts (?:stated|set out)\b|\btrue to the best of my\b", 3),
        (r"\bI (?:am|was) employed\b|\bI have worked\b", 1),
        (r"\bI (?:saw|heard|witnessed|recall)\b", 1),
    ],
    K.DOCUMENT_KIND_POLICY: [
        (r"\bpolicy\b", 2),
        (r"\bprocedure\b", 1.5),
        (r"^\s*(?:\d+\.?\s*)?(?:scope|purpose|definitions|responsibilities)\b", 2),
        (r"\bthis (?:policy|procedure) applies\b", 3),
        (r"\bversion\s*(?:no\.?\s*)?\d", 1.5),
        (r"\breview date\b|\bdate of next review\b", 1.5),
    ],
    K.DOCUMENT_KIND_EMAIL: [
        (r"^\s*from\s*:.+@|^\s*from\s*:", 1.5),
        (r"^\s*sent\s*:", 2),
        (r"^\s*to\s*:", 1),
        (r"^\s*subject\s*:", 1.5),
        (r"^\s*cc\s*:", 1),
        (r"\bwrote\s*:\s*$|-----\s*original message", 2),
    ],
    K.DOCUMENT_KIND_MEDICAL: [
        (r"\bfit note\b|\bstatement of fitness for work\b", 5),
        (r"\bnot fit for work\b|\bmay be fit for work\b", 4),
        (r"\boccupational health\b", 3),
        (r"\b(?:GP|general practitioner|clinician|doctor|physician|consultant)\b", 1),
        (r"\bdiagnos\w+|\bcondition\b|\bsymptoms?\b|\bmedication\b", 1),
        (r"\bphased return\b|\bamended duties\b|\baltered hours\b|\bworkplace adaptations\b", 2),
        (r"\bpatient\b|\bNHS\b", 1),
    ],
    K.DOCUMENT_KIND_PAY_RECORD: [
        (r"\bpay ?slip\b|\bpay advice\b|\bstatement of earnings\b", 4),
        (r"\bgross pay\b|\bnet pay\b", 3),
        (r"\b(?:NI|national insurance) (?:number|no)\b", 2),
        (r"\btax code\b|\bPAYE\b", 2),
        (r"\bdeductions\b|\byear to date\b|\bYTD\b", 2),
        (r"\bpay period\b|\bpay date\b", 1.5),
    ],
    K.DOCUMENT_KIND_CONTRACT: [
        (r"\bcontract of employment\b|\bemployment contract\b", 4),
        (r"\bterms and conditions\b", 2.5),
        (r"\bstatement of (?:main )?terms\b|\bwritten statement of (?:employment )?particulars\b", 4),
        (r"\bnotice period\b|\bhours of work\b|\bplace of work\b|\bholiday entitlement\b", 1.5),
        (r"\bprobationary period\b|\bcommencement\b|\bjob title\b", 1),
    ],
    K.DOCUMENT_KIND_GRIEVANCE: [
        (r"\b(?:raise|raising|lodge|submit)\w* (?:a |my )?(?:formal )?grievance\b", 4),
        (r"\bgrievance\b", 1.5),
        (r"\bformal complaint\b|\bI wish to complain\b", 3),
        (r"\b(?:bull(?:y|ied|ying)|harass(?:ed|ment)|victimi[sz]\w+|discriminat\w+)\b", 1),
        (r"\btreated (?:me )?unfairly\b|\bI (?:feel|felt) (?:that )?I have been\b", 1),
    ],
    K.DOCUMENT_KIND_APPEAL: [
        (r"\bappeal against\b|\bI (?:wish|want|would like) to appeal\b|\bI am appealing\b", 4),
        (r"\bgrounds (?:of|for) (?:my )?appeal\b", 3),
        (r"\bnotice of appeal\b|\bletter of appeal\b", 3),
        (r"\bappeal\b", 1),
    ],
}

# Phrases that argue against a kind: (kind, pattern, weight subtracted).
AGAINST: list[tuple[int, str, float]] = [
    # An outcome letter offers an appeal; only the member's letter makes one.
    (K.DOCUMENT_KIND_APPEAL, r"\bright (?:of|to) appeal\b|\bif you wish to appeal\b", 3),
    (K.DOCUMENT_KIND_APPEAL, r"\binvit\w* you to (?:attend|an? appeal)", 3),
    (K.DOCUMENT_KIND_GRIEVANCE, r"\b(?:your|the) grievance (?:hearing|meeting|outcome)\b|\bgrievance outcome\b", 3),
    (K.DOCUMENT_KIND_GRIEVANCE, r"\binvit\w* you to\b|\boutcome\b|\bI have (?:decided|concluded)\b", 2),
    (K.DOCUMENT_KIND_SUSPENSION_LETTER, r"\b(?:your|the) suspension (?:is|has been) (?:lifted|ended)\b", 2),
    (K.DOCUMENT_KIND_INVITATION, r"\boutcome\b|\bI have (?:decided|concluded)\b|\bupheld\b", 2),
    (K.DOCUMENT_KIND_OUTCOME_LETTER, r"\bwritten warning\b", 1),
]

_COMPILED = {
    kind: [(re.compile(p, re.IGNORECASE | re.MULTILINE), w) for p, w in rules] for kind, rules in RULES.items()
}
_AGAINST_COMPILED = [(kind, re.compile(p, re.IGNORECASE | re.MULTILINE), w) for kind, p, w in AGAINST]
# Rules that count each matching line (speaker initials in minutes), capped.
_PER_LINE_CAP = 4.0


@dataclass(frozen=True)
class Classified:
    kind: int
    confidence: float
    scores: dict[int, float]


def scores(title: str, text: str) -> dict[int, float]:
    """Each kind's total over the title (counted twice) and text."""
    totals: dict[int, float] = {}
    for kind, rules in _COMPILED.items():
        total = 0.0
        for pattern, weight in rules:
            if weight < 1:  # a per-line cue
                total += min(_PER_LINE_CAP, weight * len(pattern.findall(text)))
                continue
            if pattern.search(text):
                total += weight
            if title and pattern.search(title):
                total += weight
        totals[kind] = total
    for kind, pattern, weight in _AGAINST_COMPILED:
        if pattern.search(text):
            totals[kind] = max(0.0, totals[kind] - weight)
    return totals


def is_email(metadata: Mapping[str, str], detected_type: str) -> bool:
    """An email by its container: the sniffed type, or the header lines an email extractor gives."""
    return detected_type in EMAIL_TYPES or bool(
        metadata.get("from") and (metadata.get("subject") or metadata.get("date"))
    )


def classify(title: str, pages: list[str], metadata: Mapping[str, str], detected_type: str) -> Classified:
    """The document's kind and a 0..1 confidence (see the module docstring)."""
    text = "\n".join(pages[:2])[:6000]
    totals = scores(title, text)
    if is_email(metadata, detected_type):
        return Classified(K.DOCUMENT_KIND_EMAIL, 0.95, totals)
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    (best_kind, best), (_, second) = ranked[0], ranked[1]
    if best < THRESHOLD:
        return Classified(K.DOCUMENT_KIND_OTHER, round(0.2 + 0.6 * (1 - best / THRESHOLD), 3), totals)
    strength = 1 - math.exp(-best / 4)
    margin = (best - second) / best
    return Classified(best_kind, round(strength * (0.5 + 0.5 * margin), 3), totals)
