"""Comparators and disparators: past cases with similar facts, split by whether they were
treated the same way as this case or differently, each with the reasons it was chosen.

Cases outside the caller's scope are anonymised: only the fields in ``ANONYMOUS_FIELDS``
leave this module for them (no case id, reference or sanction text; dates to the month). So are
erased cases (search.erasure), for everyone: their documents hold only anonymised facts anyway.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch

from casework_common.problems import Problem, forbidden, not_found
from casework_search.indices import CASES, PAGES, Indices
from casework_search.scope import SearchScope

# What an anonymised comparator may show: structured facts, dates and the outcome.
ANONYMOUS_FIELDS = (
    "case_type",
    "region",
    "branch",
    "employer",
    "workplace",
    "sector",
    "allegations",
    "outcome",
    "incident_date",
    "hearing_date",
    "outcome_date",
    "opened_on",
)
IN_SCOPE_FIELDS = ("case_id", "reference", "status", "sanction", *ANONYMOUS_FIELDS)
DATE_FIELDS = ("incident_date", "hearing_date", "outcome_date", "opened_on")
# How much each kind of matching fact counts towards a candidate's score.
WEIGHTS = {"employer": 3.0, "sector": 1.0, "allegations": 2.0, "case_type": 1.0, "evidence": 2.0}
# A candidate is "similar" when at least this many kinds of fact match.
MIN_MATCHED_KINDS = 2
CANDIDATES = 500
TEXT_SAMPLE_CHARS = 20_000


@dataclass(frozen=True)
class Candidate:
    doc: dict[str, Any]
    matched: list[str]
    kinds: int
    score: float


def _evidence_similarity(client: OpenSearch, indices: Indices, case_id: str) -> dict[str, float]:
    """Other cases whose evidence reads like this case's, scored 0..1 (1 = the closest)."""
    own = client.search(
        index=indices.alias(PAGES),
        body={"size": 20, "query": {"term": {"case_id": case_id}}, "_source": ["text"], "sort": [{"doc_id": "asc"}]},
    )
    sample = " ".join(hit["_source"].get("text", "") for hit in own["hits"]["hits"])[:TEXT_SAMPLE_CHARS]
    if not sample.strip():
        return {}
    result = client.search(
        index=indices.alias(PAGES),
        body={
            "size": CANDIDATES,
            "_source": ["case_id"],
            "query": {
                "bool": {
                    "must": [
                        {
                            "more_like_this": {
                                "fields": ["text"],
                                "like": sample,
                                "min_term_freq": 2,
                                "min_doc_freq": 1,
                                "max_query_terms": 25,
                                "minimum_should_match": "30%",
                            }
                        }
                    ],
                    "must_not": [{"term": {"case_id": case_id}}],
                }
            },
        },
    )
    best: dict[str, float] = {}
    for hit in result["hits"]["hits"]:
        other = hit["_source"]["case_id"]
        best[other] = max(best.get(other, 0.0), hit["_score"] or 0.0)
    top = max(best.values(), default=0.0)
    return {k: v / top for k, v in best.items()} if top > 0 else {}


def _explain(subject: dict[str, Any], other: dict[str, Any], text_score: float) -> Candidate:
    matched: list[str] = []
    score = 0.0
    kinds = 0
    if subject.get("employer_key") and subject.get("employer_key") == other.get("employer_key"):
        matched.append(f"employer: {other.get('employer')}")
        score += WEIGHTS["employer"]
        kinds += 1
    elif subject.get("sector") and subject.get("sector") == other.get("sector"):
        matched.append(f"sector: {other.get('sector')}")
        score += WEIGHTS["sector"]
        kinds += 1
    shared = sorted(set(subject.get("allegations") or []) & set(other.get("allegations") or []))
    if shared:
        matched.append("allegations: " + ", ".join(shared))
        score += WEIGHTS["allegations"] * len(shared) / max(len(subject.get("allegations") or []), 1)
        kinds += 1
    if subject.get("case_type") == other.get("case_type"):
        matched.append(f"case type: {other.get('case_type')}")
        score += WEIGHTS["case_type"]
        kinds += 1
    if text_score >= 0.3:
        matched.append(f"evidence text: similar ({round(text_score * 100)}% of the closest match)")
        score += WEIGHTS["evidence"] * text_score
        kinds += 1
    return Candidate(other, matched, kinds, round(score, 3))


def _norm(value: Any) -> str:
    return " ".join(str(value or "").lower().split())


def _differences(candidate: dict[str, Any], outcome: str, sanction: str, in_scope: bool) -> list[str]:
    differed = []
    if outcome and _norm(candidate.get("outcome")) != outcome:
        differed.append(f"outcome: {candidate.get('outcome') or 'none recorded'} (this case: {outcome})")
    if sanction and candidate.get("sanction") and _norm(candidate.get("sanction")) != sanction:
        shown = candidate["sanction"] if in_scope else "differs (details are not shared outside your cases)"
        differed.append(f"sanction: {shown} (this case: {sanction})")
    return differed


def anonymise(doc: dict[str, Any]) -> dict[str, Any]:
    """The facts of a case outside the caller's scope that may be shown to them."""
    shown = {k: doc[k] for k in ANONYMOUS_FIELDS if doc.get(k)}
    for field in DATE_FIELDS:  # to the month: enough to compare, less to recognise someone by
        if field in shown:
            shown[field] = str(shown[field])[:7]
    return shown


class Comparators:
    def __init__(self, client: OpenSearch, indices: Indices, key_secret: bytes) -> None:
        self.client = client
        self.indices = indices
        self.key_secret = key_secret

    def key(self, case_id: str, other_id: str) -> str:
        """An opaque handle on a comparator of ``case_id``: reveals nothing about the other case."""
        return hmac.new(self.key_secret, f"{case_id}:{other_id}".encode(), hashlib.sha256).hexdigest()[:32]

    def _subject(self, scope: SearchScope, case_id: str) -> dict[str, Any]:
        found = self.client.get(index=self.indices.alias(CASES), id=case_id, ignore=[404])
        doc = found["_source"] if found.get("found") else None
        branch = doc.get("branch", "") if doc else ""
        # An erased case can no longer be opened: only its anonymised count remains.
        if not scope.sees(case_id, branch) or (doc is not None and doc.get("erased")):
            raise not_found("case")
        if not scope.sees_fully(case_id, branch):
            raise forbidden("Comparators are for the reps and officials working on the case.")
        if doc is None:
            raise Problem(409, "not-indexed-yet", "Not indexed yet", "The case is not in the search index yet.")
        return doc

    def find(self, scope: SearchScope, case_id: str, size: int) -> dict[str, Any]:
        """Comparators (treated alike) and disparators (treated differently) for a case."""
        subject = self._subject(scope, case_id)
        text = _evidence_similarity(self.client, self.indices, case_id)
        should: list[dict[str, Any]] = [{"terms": {"case_id": sorted(text)}}] if text else []
        for field in ("employer_key", "sector", "case_type"):
            if subject.get(field):
                should.append({"term": {field: subject[field]}})
        if subject.get("allegations"):
            should.append({"terms": {"allegations": subject["allegations"]}})
        result = self.client.search(
            index=self.indices.alias(CASES),
            body={
                "size": CANDIDATES,
                "query": {
                    "bool": {
                        "should": should,
                        "minimum_should_match": 1,
                        # Past cases: only those with an outcome say how someone was treated.
                        "filter": [{"exists": {"field": "outcome"}}],
                        "must_not": [{"ids": {"values": [case_id]}}],
                    }
                },
            },
        )
        similar = [
            c
            for c in (_explain(subject, hit["_source"], text.get(hit["_id"], 0.0)) for hit in result["hits"]["hits"])
            if c.kinds >= MIN_MATCHED_KINDS
        ]
        similar.sort(key=lambda c: (-c.score, c.doc["case_id"]))
        outcome, sanction, source = _norm(subject.get("outcome")), _norm(subject.get("sanction")), "this case"
        if not outcome and not sanction:
            common = Counter(_norm(c.doc.get("outcome")) for c in similar).most_common(1)
            outcome, source = (common[0][0], "most common among similar cases") if common else ("", "")
        comparators: list[dict[str, Any]] = []
        disparators: list[dict[str, Any]] = []
        for c in similar:
            # An erased case is shown as anonymised facts to everyone, with nothing to open it by.
            in_scope = not c.doc.get("erased") and scope.sees(c.doc["case_id"], c.doc.get("branch", ""))
            differed = _differences(c.doc, outcome, sanction, in_scope)
            target = disparators if differed else comparators
            if len(target) >= size:
                continue
            target.append(
                {
                    "key": self.key(case_id, c.doc["case_id"]),
                    "in_scope": in_scope,
                    "case": {k: c.doc[k] for k in IN_SCOPE_FIELDS if c.doc.get(k)} if in_scope else anonymise(c.doc),
                    "matched": c.matched,
                    "differed": differed,
                    "score": c.score,
                }
            )
        return {
            "case_id": case_id,
            "reference_outcome": outcome,
            "reference_sanction": sanction,
            "reference_source": source,
            "comparators": comparators,
            "disparators": disparators,
        }

    def lookup(self, scope: SearchScope, case_id: str, key: str) -> dict[str, Any]:
        """The comparator or disparator of ``case_id`` with ``key``, as ``find`` returns it."""
        found = self.find(scope, case_id, CANDIDATES)
        for kind in ("comparators", "disparators"):
            for item in found[kind]:
                if hmac.compare_digest(item["key"], key):
                    return {**item, "disparator": kind == "disparators"}
        raise not_found("comparator (it is no longer among this case's comparators)")
