"""Bare words as people type them ("letter from the employer about my hearing on 3 March"),
turned into one clause that finds the pages containing all the words that carry meaning.

Each meaningful word must match the page text or file name, in any order; a date typed in
any common form matches the ways letters spell it (typed_dates). Common words (the, from,
my, should ...) never veto a page: the English analyser drops some of them from the page
text, so a clause requiring one could only ever match a file name, and the others are
words a person adds to a sentence without expecting the page to repeat them. All the words,
common ones included, still count towards a phrase-with-slop clause that ranks pages where
they appear close together and in order first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from casework_common import typed_dates


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What OpenSearch's "english" analyser removes (Lucene's EnglishAnalyzer stop set): a clause
# made only of these has no terms and matches nothing. FUNCTION_WORDS must include them all.
ENGLISH_STOP_WORDS = _words(
    "a an and are as at be but by for if in into is it no not of on or such that the their then"
    " there these they this to was will with"
)
FUNCTION_WORDS = ENGLISH_STOP_WORDS | _words(
    # pronouns and determiners
    "i me my mine myself we us our ours you your yours he him his she her hers its them theirs"
    " who whom whose which what when where why how any all some each every other those here"
    # auxiliaries and modals ("may" is left out: it is also a month)
    " am were been being have has had having do does did can could would should shall might must"
    # prepositions and adverbs that only join a sentence together
    " about above after against along among around before behind below between during from"
    " off onto over through under until up upon within without towards via than so too very"
    " just also"
    # negative contractions, as typed
    " don't doesn't didn't isn't wasn't aren't weren't won't can't couldn't wouldn't"
    " shouldn't haven't hasn't hadn't"
)
_CONTRACTION = re.compile(r"^(?P<base>[a-z]+)'(?:s|m|re|ve|ll|d)$")
_EDGE_PUNCTUATION = ".,;:!?()[]{}'\"«»“”‘’"
# Words within this many positions of each other (in order) rank higher.
PROXIMITY_SLOP = 5


_TYPOGRAPHIC_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc", "'"))


def plain_apostrophes(text: str) -> str:
    """``text`` with typographic apostrophes ("O’Brien", as phones and word processors type it)
    as plain ones, one character for one: done to page text before it is indexed and to queries.
    The analyser's own mapping is not enough on osmem, which drops a possessive ’s only when
    the apostrophe is plain already, and highlights in the wrong place after a char filter that
    rewrites a character into one of another byte length."""
    return text.translate(_TYPOGRAPHIC_APOSTROPHES)


def core(word: str) -> str:
    """The word without surrounding punctuation, lower case, with typographic apostrophes plain."""
    return plain_apostrophes(word).strip(_EDGE_PUNCTUATION).lower()


def core_span(word: str) -> tuple[int, int]:
    """Where the word itself starts and ends in ``word`` as typed: only the surrounding
    punctuation is left out. Positions are in the typed text, which ``core`` may not keep
    ("İ".lower() is two characters), so a replacement uses these and not ``core``'s length."""
    start = len(word) - len(word.lstrip(_EDGE_PUNCTUATION))
    return start, max(start, len(word.rstrip(_EDGE_PUNCTUATION)))


def is_function_word(word: str) -> bool:
    """True for words that carry no meaning of their own (and for bare punctuation)."""
    key = core(word)
    if not re.search(r"\w", key):
        return True
    if key in FUNCTION_WORDS:
        return True
    contraction = _CONTRACTION.match(key)
    return bool(contraction and contraction["base"] in FUNCTION_WORDS)


def _fuzzable(word: str) -> bool:
    # A fuzzy number finds other numbers (2025 for 2026), never the one meant.
    return not re.search(r"\d", word)


@dataclass
class Clauses:
    """The clause for a run of bare words, and the words a fuzzy search loosened (for
    saying what was searched for instead)."""

    query: dict[str, Any] | None
    fuzzed: list[Any] = field(default_factory=list)


def word_clause(word: str, fields: list[str], fuzzy: bool = False) -> dict[str, Any]:
    """The clause one meaningful bare word must match (loosened by an edit or two with ``fuzzy``)."""
    match: dict[str, Any] = {"query": word, "fields": fields, "operator": "and"}
    if fuzzy:
        match["fuzziness"] = "AUTO"
    plain = core(word)
    if re.fullmatch(r"\w+(?:-\w+)+", plain):
        # "e-mail" is two terms (e, mail), "email" one: a hyphenated word finds either spelling.
        as_typed = {"multi_match": {"query": plain, "fields": fields, "type": "phrase"}}
        joined = {"multi_match": {**match, "query": plain.replace("-", "")}}
        return {"bool": {"should": [as_typed, joined], "minimum_should_match": 1}}
    return {"multi_match": match}


def _date_clause(date: typed_dates.TypedDate, fields: list[str]) -> dict[str, Any]:
    spellings = [{"multi_match": {"query": s, "fields": fields, "type": "phrase"}} for s in date.spellings()]
    return {"bool": {"should": spellings, "minimum_should_match": 1}}


def clause(words: list[Any], fields: list[str], fuzzy: bool = False, exact: frozenset[int] = frozenset()) -> Clauses:
    """The clause for bare ``words`` (strings, or lark tokens that keep their position);
    ``query`` is None when none of them carries meaning. With ``fuzzy``, words are loosened
    except those whose position is in ``exact``."""
    texts = [str(w) for w in words]
    dates = typed_dates.find(texts)
    in_dates = {i for date in dates for i in range(date.start, date.end)}
    must = [_date_clause(date, fields) for date in dates]
    fuzzed = []
    for i, word in enumerate(words):
        if i in in_dates or is_function_word(texts[i]):
            continue
        loosen = fuzzy and _fuzzable(texts[i]) and getattr(word, "start_pos", None) not in exact
        must.append(word_clause(texts[i], fields, loosen))
        if loosen:
            fuzzed.append(word)
    if not must:
        return Clauses(None)
    if len(words) == 1:
        return Clauses(must[0], fuzzed)
    near = {"match_phrase": {fields[0]: {"query": " ".join(texts), "slop": PROXIMITY_SLOP}}}
    return Clauses({"bool": {"must": must, "should": [near]}}, fuzzed)
