"""The query language people type into the search box, parsed into an OpenSearch query.

Words that carry meaning must all match, in any order, and common words never veto a page
(``letter from the employer``: see natural.py), ``"quoted phrases"`` match exactly,
``prefix*`` matches word beginnings, ``AND``/``OR``/``NOT`` (or ``-word``) combine,
parentheses group. Parsing it ourselves (rather than passing it to ``query_string``)
means a typo gets a precise message with its position, and a query can only ever
search the text fields named here, never pick another field or a regular expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedInput, VisitError

from casework_search import natural

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: not_expr (_AND? not_expr)*
?not_expr: _NOT not_expr  -> negate
         | "-" atom       -> negate
         | atom
?atom: PHRASE             -> phrase
     | PREFIX             -> prefix
     | WORD               -> word
     | "(" or_expr ")"

_OR.2: /OR(?![^\s()"])/
_AND.2: /AND(?![^\s()"])/
_NOT.2: /NOT(?![^\s()"])/
PHRASE: /"[^"]*"/
PREFIX: /[^\s()"*-][^\s()"*]*\*/
WORD: /[^\s()"*-][^\s()"*]*/

%import common.WS
%ignore WS
"""

_PARSER = Lark(GRAMMAR, parser="lalr")
MAX_CLAUSES = 64


class QuerySyntaxError(ValueError):
    """The query cannot be parsed; the message says where and why, for the user."""


@dataclass
class _Words:
    """Bare words not yet turned into a clause: those of one AND-run become one clause."""

    tokens: list[Token]


Node = dict[str, Any] | _Words | None  # None: a part with no searchable words, which drops out


@v_args(inline=True)
class _ToOpenSearch(Transformer):
    def __init__(self, fields: list[str], fuzzy: bool, negated: frozenset[int], exact: frozenset[int]) -> None:
        super().__init__()
        self.fields = fields
        self.fuzzy = fuzzy
        # Start positions of the words under a NOT / -: loosening one would exclude more
        # pages than the user asked to, and "correcting" it would misreport the query.
        self.negated = negated
        self.exact = exact  # start positions of words not to loosen (found as typed)
        self.fuzzed: list[Token] = []
        self.clauses = 0

    def finish(self, node: Node) -> dict[str, Any] | None:
        """The clause for ``node``, turning a run of bare words into its natural clause."""
        if not isinstance(node, _Words):
            return node
        fuzzy = self.fuzzy and not any(token.start_pos in self.negated for token in node.tokens)
        result = natural.clause(node.tokens, self.fields, fuzzy, self.exact)
        self.fuzzed += result.fuzzed
        return result.query

    def _count(self) -> None:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise QuerySyntaxError(f"The query has more than {MAX_CLAUSES} terms; shorten it.")

    def word(self, token: Token) -> _Words:
        self._count()
        return _Words([token])

    def phrase(self, token: Token) -> dict[str, Any]:
        self._count()
        text = str(token)[1:-1].strip()
        if not text:
            raise QuerySyntaxError(f'Empty quotes at column {token.column}: put words between the "".')
        return {"multi_match": {"query": text, "fields": self.fields, "type": "phrase"}}

    def prefix(self, token: Token) -> dict[str, Any]:
        self._count()
        stem = str(token)[:-1].lower()
        if len(stem) < 2:
            raise QuerySyntaxError(f"'{token}' at column {token.column}: a prefix needs at least 2 letters before *.")
        return {"multi_match": {"query": stem, "fields": self.fields, "type": "phrase_prefix"}}

    def negate(self, inner: Node) -> dict[str, Any] | None:
        clause = self.finish(inner)
        return {"bool": {"must_not": [clause]}} if clause else None

    def and_expr(self, *parts: Node) -> Node:
        words = _Words([token for part in parts if isinstance(part, _Words) for token in part.tokens])
        others = [part for part in parts if part is not None and not isinstance(part, _Words)]
        if not others:
            return words
        clauses = [c for c in [self.finish(words) if words.tokens else None, *others] if c]
        return clauses[0] if len(clauses) == 1 else {"bool": {"must": clauses}}

    def or_expr(self, *parts: Node) -> dict[str, Any] | None:
        clauses = [c for c in map(self.finish, parts) if c]
        if len(clauses) <= 1:
            return clauses[0] if clauses else None
        return {"bool": {"should": clauses, "minimum_should_match": 1}}


@dataclass(frozen=True)
class Parsed:
    """An OpenSearch query, and the typed words a fuzzy one loosened (with their positions)."""

    query: dict[str, Any]
    fuzzed: list[Token]


def parse(query: str, fields: list[str]) -> dict[str, Any]:
    """The OpenSearch query for ``query`` over ``fields`` (the page text first); raises
    QuerySyntaxError."""
    return compile_query(query, fields).query


def compile_query(query: str, fields: list[str], fuzzy: bool = False, exact: frozenset[int] = frozenset()) -> Parsed:
    """``query`` as an OpenSearch query; with ``fuzzy``, its words (not phrases, prefixes,
    numbers, negated words, nor the words starting at a position in ``exact``) also match terms
    within an edit or two (fuzziness AUTO)."""
    if not query.strip():
        raise QuerySyntaxError("The query is empty.")
    try:
        tree = _PARSER.parse(query)
    except UnexpectedInput as exc:
        near = query[max(exc.column - 1, 0) :][:15] if exc.column > 0 else ""
        where = f"at column {exc.column} (near '{near}')" if near else "at the end"
        raise QuerySyntaxError(f"The query cannot be read {where}: check quotes, brackets and AND/OR/NOT.") from exc
    transformer = _ToOpenSearch(fields, fuzzy, _negated_positions(tree), exact)
    try:
        result = transformer.finish(transformer.transform(tree))
    except VisitError as exc:
        if isinstance(exc.orig_exc, QuerySyntaxError):
            raise exc.orig_exc from None
        raise
    if result is None:
        raise QuerySyntaxError(
            "The query has no words to search for: words such as 'the', 'from' and 'of' are too common"
            " to search on their own. Add a word the document contains."
        )
    if _only_negative(result):
        raise QuerySyntaxError("The query only excludes words; add at least one word to look for.")
    return Parsed(result, transformer.fuzzed)


def _negated_positions(tree: Tree) -> frozenset[int]:
    """Start positions of the tokens anywhere under a negation. The transformer works
    bottom-up, so a word inside ``-(a OR b)`` is turned into a clause before the negation
    around it is reached: which words are negated has to be known beforehand."""
    return frozenset(
        token.start_pos
        for negation in tree.find_data("negate")
        for token in negation.scan_values(lambda value: isinstance(value, Token))
    )


def _only_negative(node: dict[str, Any]) -> bool:
    """True when nothing in the query is positive (a pure NOT would match every page)."""
    bool_ = node.get("bool")
    if bool_ is None:
        return False
    if "must_not" in bool_:
        return True
    return all(_only_negative(part) for part in bool_.get("must", []) + bool_.get("should", []))
