"""What kind of document this is: written rules, not a trained model.

Why rules: there is no labelled corpus of real union casework to train on (and the evidence is
confidential), scikit-learn is not a dependency, and a rep must be able to see why a letter was
called a warning. Each kind has weighted phrases (regular expressions) over the text, and
weighted title patterns (the title states what the document is); the text read is the first
two pages, where a document says what it is. The best total wins if it reaches ``THRESHOLD``, else OTHER.

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
        (r"invit\w* you to (?:attend|a|an)\b|\byou are invited to\b", 3),
        (r"\b(?:required|asked|requested|ask you) to attend\b|\bplease attend\b", 3),
        (r"\bcome to (?:a|an|the) (?:\w+ ){0,3}(?:meeting|hearing)\b", 2.5),
        (r"\bwill (?:take place|be held)\b|\b(?:has been )?(?:arranged|scheduled|set up|booked) for\b", 2.5),
        (r"\bright to be accompanied\b|\bentitled to be accompanied\b", 1.5),
        (r"\b(?:accompanied by|bring) (?:a|your) (?:\w+ ){0,2}(?:colleague|representative|rep|companion)\b", 1.5),
        (r"\bconfirm (?:your|that you will) attend|\bif you (?:are unable to|cannot) (?:attend|make)\b", 2),
        (r"\bnotice of (?:a |an )?(?:\w+ )?(?:hearing|meeting)\b", 3),
    ],
    K.DOCUMENT_KIND_OUTCOME_LETTER: [
        (r"\boutcome\b", 1.5),
        (r"\bdecision\b|\bfindings\b", 1),
        (r"\bI have (?:decided|concluded|reached)\b|\b(?:the panel|we) (?:has |have )?(?:decided|concluded)\b", 2.5),
        (r"\bhaving (?:considered|investigated|reviewed|looked)\b|\bI (?:find|found) (?:that|the|there)\b", 2),
        (r"\b(?:not )?upheld\b|\b(?:proven|made out)\b|\b(?:not )?successful\b", 2),
        (
            r"\bsummar(?:il)?y dismiss|\b(?:are|is) (?:therefore )?dismissed\b"
            r"|\bemployment (?:ends|will end|is terminated|will be terminated)\b",
            3,
        ),
        (r"\bno further action\b|\bno case to answer\b|\bno action will be taken\b|\breinstated\b|\boverturn", 2),
        (r"\b(?:you )?(?:may|can) appeal\b|\bright (?:of|to) appeal\b", 2),
        (r"\b(?:decision|sanction) (?:is|will be) (?:final|reduced|confirmed)\b|\bdecision stands\b|\bit stands\b", 2),
        (r"\bthank you for attending\b|\bfollowing (?:the|your) (?:\w+ )?(?:hearing|meeting)\b", 1.5),
    ],
    K.DOCUMENT_KIND_SUSPENSION_LETTER: [
        (r"\bsuspen(?:ded|sion)\b|\brelieved of (?:your )?duties\b|\bsent home\b", 3),
        (
            r"\bon full (?:basic )?pay\b|\b(?:normal|full) pay and (?:contractual )?benefits\b"
            r"|\bpay and (?:contractual )?benefits continue\b",
            2.5,
        ),
        (r"\bprecautionary\b|\bneutral act\b|\bwith immediate effect\b", 1.5),
        (r"\bnot (?:a|an) (?:disciplinary )?(?:sanction|penalty|judge?ment)\b|\bno decision has been made\b", 2),
        (
            r"\b(?:do not|must not|should not|not to) (?:attend|enter|come onto|contact|access)\b|\bstay away from\b",
            1.5,
        ),
    ],
    K.DOCUMENT_KIND_WARNING: [
        (r"\b(?:final |first |second )?written warning\b", 4),
        (r"\bverbal warning\b|\bformal warning\b", 3),
        (r"\b(?:remain|stay|kept|held|placed)\w* on (?:your )?(?:personnel |HR )?(?:file|record)\b|\blive for\b", 2.5),
        (r"\bdisregarded\b|\bissue you with\b", 2),
        (r"\b(?:further|repeat|any more)\b.{0,60}\b(?:dismissal|action|sanction)\b", 1),
    ],
    K.DOCUMENT_KIND_MINUTES: [
        (r"\bminutes\b|\bnotes of (?:the |a |an )?|\brecord of (?:the |a |an )?(?:\w+ ){0,3}(?:meeting|hearing)\b", 3),
        (r"^\s*(?:present|attendees|in attendance|those present|in the room)\s*:", 3),
        (r"\bnote[- ]?taker\b|[-–]\s*(?:chair|notes)\s*$", 2.5),
        (r"\bmeeting (?:opened|closed|ended|finished|adjourned|reconvened)\b|\badjourn", 2),
        (r"(?-i:^\s*[A-Z]{2,3}(?:\s*:\s+| (?:said|asked|explained|confirmed|stated|replied)\b))", 0.5),
        (r"\bagenda\b|\baction points?\b|\bapologies\b", 1.5),
    ],
    K.DOCUMENT_KIND_WITNESS_STATEMENT: [
        (r"\bwitness statement\b|\bI make this statement\b", 4),
        (r"\bstatement of truth\b|\b(?:contents of )?this statement (?:is|are) true\b", 3),
        (r"\bbelieve (?:that )?the (?:facts|contents)\b|\b(?:true|accurate) to the best of my\b", 3),
        (r"\bI (?:am|was|have been) (?:employed|working|a)\b|\bI have worked\b", 1),
        (r"\bI (?:saw|heard|witnessed|recall|noticed)\b", 1.5),
        (r"(?-i:^\s*\d+\.?\s+(?:I|On|At|My)\b)", 0.5),
    ],
    K.DOCUMENT_KIND_POLICY: [
        (r"\bpolicy\b|\bprocedure\b", 1),
        (r"^\s*(?:\d+\.?\s*)?(?:scope|purpose|definitions|responsibilities|introduction|roles)\b", 1.5),
        (
            r"\bthis (?:policy|procedure|document|guidance) (?:applies|sets out|explains)\b"
            r"|\bwho (?:this|it) (?:applies to|covers)\b",
            2.5,
        ),
        (r"\bversion\s*(?:no\.?\s*)?[:\d]", 1.5),
        (r"\breview date\b|\b(?:date of )?next review\b", 1.5),
        (r"\ball (?:employees|staff|workers)\b|\b(?:managers|employees) (?:must|should|will)\b", 1),
    ],
    K.DOCUMENT_KIND_EMAIL: [
        (r"^\s*from\s*:", 1.5),
        (r"^\s*sent\s*:", 2),
        (r"^\s*to\s*:", 1),
        (r"^\s*subject\s*:", 1),
        (r"^\s*cc\s*:", 1),
        (r"\bwrote\s*:\s*$|-----\s*original message", 2),
    ],
    K.DOCUMENT_KIND_MEDICAL: [
        (r"\bfit note\b|\bstatement of fitness for work\b", 5),
        (r"\bnot fit for work\b|\bmay be fit for work\b", 4),
        (r"\boccupational health\b", 3),
        (r"\b(?:GP|general practitioner|clinician|doctor|physician|consultant)\b", 1),
        (r"\bdiagnos\w+|\bcondition\b|\bsymptoms?\b|\bmedication\b|\btreatment\b", 1),
        (r"\bphased return\b|\bamended duties\b|\baltered hours\b|\bworkplace adaptations\b", 2),
        (r"\bpatient\b|\breferral\b", 1),
    ],
    K.DOCUMENT_KIND_PAY_RECORD: [
        (r"\bpay ?slip\b|\bpay advice\b|\b(?:statement of )?earnings(?: statement)?\b", 3),
        (r"\bgross pay\b|\bnet pay\b|^\s*net\b", 2),
        (r"\b(?:NI|national insurance) (?:number|no)\b|\bnational insurance\b", 2),
        (r"\btax code\b|\bPAYE\b|\bincome tax\b", 2),
        (r"\bdeductions\b|\byear to date\b|\bYTD\b", 2),
        (r"\bpay period\b|\bpay(?:ment)? date\b|\bbasic pay\b", 1.5),
    ],
    K.DOCUMENT_KIND_CONTRACT: [
        (r"\bcontract of employment\b|\bemployment (?:contract|agreement)\b", 4),
        (r"\bterms (?:and conditions )?of employment\b|\bterms and conditions\b", 3),
        (r"\bstatement of (?:main )?terms\b|\bstatement of (?:employment )?particulars\b", 4),
        (r"\(the employe[er]\)", 2.5),
        (r"\bnotice period\b|\bhours of work\b|\bplace of work\b|\bholiday(?:s| entitlement)?\b", 1),
        (r"\bprobationary period\b|\bcommencement\b|\bjob title\b|\byour employment (?:begins|will begin)\b", 1),
    ],
    K.DOCUMENT_KIND_GRIEVANCE: [
        (r"\b(?:put in|raise|raising|lodge|submit|bring)\w*\s+(?:a |my )?(?:formal )?grievance\b", 4),
        (r"\bas (?:a|my) (?:formal )?grievance\b|\bunder the (?:formal )?grievance (?:procedure|process|policy)\b", 3),
        (r"\bgrievance\b", 1),
        (r"\bformal complaint\b|\bI wish to complain\b|\bcomplain formally\b|\bcomplain about\b", 3),
        (r"\b(?:bull(?:y|ied|ying)|harass(?:ed|ment)|victimi[sz]\w+|discriminat\w+|singled out|shouted at me)\b", 1.5),
        (r"\btreated (?:me )?unfairly\b|\bI (?:feel|felt|believe) (?:that )?I (?:have been|am being)\b", 1.5),
    ],
    K.DOCUMENT_KIND_APPEAL: [
        (r"\bI (?:wish to |want to |would like to |am writing to )?appeal\b|\bI am appealing\b|\bmy appeal\b", 4),
        (r"\bgrounds (?:of|for) (?:my )?appeal\b|\bnotice of appeal\b|\bletter of appeal\b", 3),
        (r"\bI do not accept\b|\bI disagree with\b|\bask for it to be reconsidered\b", 2.5),
        (r"\bappeal against\b", 1.5),
        (r"\bappeal\b", 1),
    ],
}

# The title states what a document is; these count on the title only.
TITLE_RULES: dict[int, list[Rule]] = {
    K.DOCUMENT_KIND_INVITATION: [
        (r"\b(?:invitation|notification|notice) (?:to|of)\b.*\b(?:meeting|hearing|interview)\b", 4),
        (r"\b(?:meeting|hearing|interview)\b(?!.*\b(?:outcome|decision|notes|minutes|record|result)\b)", 1.5),
    ],
    K.DOCUMENT_KIND_OUTCOME_LETTER: [
        (r"\b(?:outcome|decision|findings|result|response)\b|\btermination of employment\b", 3),
    ],
    K.DOCUMENT_KIND_SUSPENSION_LETTER: [(r"\bsuspen|\bremoval from duties\b", 4)],
    K.DOCUMENT_KIND_WARNING: [(r"\bwarning\b", 3)],
    K.DOCUMENT_KIND_MINUTES: [(r"\b(?:minutes|notes|record)\b", 3)],
    K.DOCUMENT_KIND_WITNESS_STATEMENT: [(r"^\s*(?:witness )?statement\b(?!.*\b(?:terms|particulars|earnings)\b)", 4)],
    K.DOCUMENT_KIND_POLICY: [(r"\b(?:policy|procedure|guidance|code of conduct|handbook|guidelines)\b", 4)],
    K.DOCUMENT_KIND_MEDICAL: [(r"\bfit note\b|\bfitness for work\b|\boccupational health\b|\bmedical\b", 3)],
    K.DOCUMENT_KIND_PAY_RECORD: [(r"\bpay ?slip\b|\bpay (?:advice|statement)\b|\bearnings\b", 3)],
    K.DOCUMENT_KIND_CONTRACT: [(r"\bcontract\b|\bterms\b.*\bemployment\b|\bparticulars\b|\bemployment agreement\b", 4)],
    K.DOCUMENT_KIND_GRIEVANCE: [(r"\bgrievance\b|\bcomplaint\b(?!.*\b(?:outcome|response|decision)\b)", 2)],
    K.DOCUMENT_KIND_APPEAL: [(r"^\s*(?:notice of )?appeal\b(?!.*\b(?:outcome|hearing|decision|result)\b)", 3)],
}

# Phrases that argue against a kind: (kind, pattern, weight subtracted).
AGAINST: list[tuple[int, str, float]] = [
    # An outcome letter offers an appeal; only the member's letter makes one.
    (K.DOCUMENT_KIND_APPEAL, r"\b(?:may|can) appeal\b|\bright (?:of|to) appeal\b|\bif you wish to appeal\b", 3),
    (K.DOCUMENT_KIND_APPEAL, r"\binvit\w* you to\b|\b(?:ask|asked|required) you to attend\b|\bcome to a\b", 3),
    (K.DOCUMENT_KIND_APPEAL, r"\byour appeal\b", 3),
    (K.DOCUMENT_KIND_GRIEVANCE, r"\b(?:your|the) grievance\b|\bgrievance (?:outcome|meeting|hearing)\b", 3),
    (K.DOCUMENT_KIND_GRIEVANCE, r"\binvit\w* you to\b|\boutcome\b|\bI have (?:decided|concluded)\b|\bupheld\b", 2),
    # The member's own letter quotes the decision it contests.
    (
        K.DOCUMENT_KIND_OUTCOME_LETTER,
        r"\bI (?:wish to |want to |am writing to )?appeal\b|\bmy appeal\b|\bI do not accept\b",
        4,
    ),
    (
        K.DOCUMENT_KIND_WARNING,
        r"\bI (?:wish to |want to |am writing to )?appeal\b|\bmy appeal\b|\bI do not accept\b",
        4,
    ),
    # An invitation names the possible results of the meeting it calls.
    (K.DOCUMENT_KIND_OUTCOME_LETTER, r"\bpossible (?:outcomes?|results?)\b|\bcould result in\b|\bmay result in\b", 3),
    (K.DOCUMENT_KIND_INVITATION, r"\bI have (?:decided|concluded)\b|\bthank you for attending\b", 2),
    # Minutes record what was said about warnings and grievances.
    (K.DOCUMENT_KIND_WARNING, r"^\s*(?:present|attendees|in attendance|those present|in the room)\s*:", 3),
    (K.DOCUMENT_KIND_GRIEVANCE, r"^\s*(?:present|attendees|in attendance|those present|in the room)\s*:", 3),
    (K.DOCUMENT_KIND_WITNESS_STATEMENT, r"\(the employe[er]\)|\bparticulars\b", 3),
]

_COMPILED = {
    kind: [(re.compile(p, re.IGNORECASE | re.MULTILINE), w) for p, w in rules] for kind, rules in RULES.items()
}
_TITLE_COMPILED = {kind: [(re.compile(p, re.IGNORECASE), w) for p, w in rules] for kind, rules in TITLE_RULES.items()}
_AGAINST_COMPILED = [(kind, re.compile(p, re.IGNORECASE | re.MULTILINE), w) for kind, p, w in AGAINST]
# Rules that count each matching line (speaker initials in minutes), capped.
_PER_LINE_CAP = 4.0


@dataclass(frozen=True)
class Classified:
    kind: int
    confidence: float
    scores: dict[int, float]


def scores(title: str, text: str) -> dict[int, float]:
    """Each kind's total over the text, plus the title rules over the title."""
    totals: dict[int, float] = {}
    for kind, rules in _COMPILED.items():
        total = 0.0
        for pattern, weight in rules:
            if weight < 1:  # a per-line cue (speaker initials, numbered paragraphs), capped
                total += min(_PER_LINE_CAP, weight * len(pattern.findall(text)))
            elif pattern.search(text):
                total += weight
        for pattern, weight in _TITLE_COMPILED.get(kind, []):
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
