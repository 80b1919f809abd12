"""The query language people type into the search box, parsed into an OpenSearch query.

Words must all match (``dismissal hearing``), ``"quoted phrases"`` match in order,
``prefix*`` matches word beginnings, ``AND``/``OR``/``NOT`` (or ``-word``) combine,
parentheses group. Parsing it ourselves (rather than passing it to ``query_string``)
means a typo gets a precise message with its position, and a query can only ever
search the text fields named here, never pick another field or a regular expression.
"""

from __future__ import annotations

from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedInput, VisitError

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


@v_args(inline=True)
class _ToOpenSearch(Transformer):
    def __init__(self, fields: list[str]) -> None:
        super().__init__()
        self.fields = fields
        self.clauses = 0

    def _count(self) -> None:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise QuerySyntaxError(f"The query has more than {MAX_CLAUSES} terms; shorten it.")

    def word(self, token: Token) -> dict[str, Any]:
        self._count()
        return {"multi_match": {"query": str(token), "fields": self.fields, "operator": "and"}}

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

    def negate(self, inner: dict[str, Any]) -> dict[str, Any]:
        return {"bool": {"must_not": [inner]}}

    def and_expr(self, *parts: dict[str, Any]) -> dict[str, Any]:
        return {"bool": {"must": list(parts)}}

    def or_expr(self, *parts: dict[str, Any]) -> dict[str, Any]:
        return {"bool": {"should": list(parts), "minimum_should_match": 1}}


def parse(query: str, fields: list[str]) -> dict[str, Any]:
    """The OpenSearch query for ``query`` over ``fields``; raises QuerySyntaxError."""
    if not query.strip():
        raise QuerySyntaxError("The query is empty.")
    try:
        tree = _PARSER.parse(query)
    except UnexpectedInput as exc:
        near = query[max(exc.column - 1, 0) :][:15] if exc.column > 0 else ""
        where = f"at column {exc.column} (near '{near}')" if near else "at the end"
        raise QuerySyntaxError(f"The query cannot be read {where}: check quotes, brackets and AND/OR/NOT.") from exc
    try:
        result = _ToOpenSearch(fields).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, QuerySyntaxError):
            raise exc.orig_exc from None
        raise
    if _only_negative(result):
        raise QuerySyntaxError("The query only excludes words; add at least one word to look for.")
    return result


def _only_negative(node: dict[str, Any]) -> bool:
    """True when nothing in the query is positive (a pure NOT would match every page)."""
    bool_ = node.get("bool")
    if bool_ is None:
        return False
    if "must_not" in bool_:
        return True
    return all(_only_negative(part) for part in bool_.get("must", []) + bool_.get("should", []))
