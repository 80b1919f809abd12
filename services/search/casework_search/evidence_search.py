"""Full-text search over evidence pages: query syntax, filters, facets, highlights and
pagination, always inside the caller's scope.

Date order pages with ``search_after`` on (upload time, page id): both immutable, so a
page boundary never moves while documents are added. Relevance order pages by offset
instead: scores themselves shift as documents are added (term statistics change), so a
score cursor is no more stable than an offset, and osmem compares ``search_after`` scores
at a different precision than it returns them (it repeats or skips pages).

A query that finds nothing is tried once more with its words loosened to terms within an
edit or two (OCR noise, misspellings), and the answer says so: ``fuzzy`` and
``showing_results_for``, the query with each loosened word replaced by the word it matched.
The replacements come from the highlighted words of the pages found, which the caller may
see, and never from the index's whole vocabulary (a term suggester), which would reveal
words in other people's documents.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import html
import json
import re
from typing import Annotated, Any, Literal

from opensearchpy import OpenSearch
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

from casework_common import typed_dates
from casework_common.problems import bad_request, invalid
from casework_common.vocabulary import DOCUMENT_KIND_LABELS, DOCUMENT_KINDS
from casework_search import natural, query_syntax
from casework_search.index_documents import DOC_TYPE_NAMES, employer_key
from casework_search.indices import CASES, PAGES, Indices
from casework_search.scope import SearchScope


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


MAX_TYPED_DAY = 60


def _as_split_list(value: Any) -> Any:
    """Repeated or comma-separated: ``kind=email&kind=warning`` or ``kind=email,warning``."""
    values = _as_list(value)
    if not isinstance(values, list):
        return values
    return [part.strip() for v in values for part in (v.split(",") if isinstance(v, str) else [v])]


def _typed_day(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) > MAX_TYPED_DAY:
            raise ValueError(f"A date of at most {MAX_TYPED_DAY} characters, such as 3 March 2026.")
        return typed_dates.parse_day(value)  # its ValueError is the 422's sentence
    return value


Values = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], BeforeValidator(_as_list)]
DocType = Literal[DOC_TYPE_NAMES]  # type: ignore[valid-type]
Kind = Literal[tuple(DOCUMENT_KINDS)]  # type: ignore[valid-type]
# A day as people type it; the schema says string, since "3 March 2026" is as good as "2026-03-03".
TypedDay = Annotated[
    dt.date,
    BeforeValidator(_typed_day),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": MAX_TYPED_DAY,
            "description": "A day as people type it: 3 March 2026, 3rd March 2026, March 3, 2026, "
            "03/03/2026 (day first), 3.3.2026 or 2026-03-03; with its year.",
        }
    ),
]
TEXT_FIELDS = ["text", "filename", "headers"]
SORTS = {
    "relevance": ["_score", {"doc_id": "asc"}],
    "date": [{"uploaded_at": {"order": "desc", "missing": "_last"}}, {"doc_id": "asc"}],
}
PAGE_FACETS = ("doc_type", "branch", "region")
MAX_OFFSET = 10_000 - 500  # OpenSearch's default max_result_window, less a page
MAX_MATCHING_CASES = 10_000  # cases an employer / case type filter can select (max_result_window)
CASE_FACET_SIZE = 200  # cases listed in the case facet (those with the most matching pages)


class SearchParams(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    q: str = Field(min_length=1, max_length=1000)
    case_id: Values = Field(default_factory=list, max_length=100)
    employer: Values = Field(default_factory=list, max_length=20)
    case_type: Values = Field(default_factory=list, max_length=20)
    doc_type: Annotated[list[DocType], BeforeValidator(_as_list)] = Field(default_factory=list)
    branch: Values = Field(default_factory=list, max_length=50)
    region: Values = Field(default_factory=list, max_length=20)
    uploaded_from: dt.date | None = None
    uploaded_to: dt.date | None = None
    document_from: TypedDay | None = Field(default=None, description="Documents dated on or after this day.")
    document_to: TypedDay | None = Field(default=None, description="Documents dated on or before this day.")
    kind: Annotated[list[Kind], BeforeValidator(_as_split_list)] = Field(
        default_factory=list, description="Kinds of document (repeat it, or separate them with commas)."
    )
    sort: Literal["relevance", "date"] = "relevance"
    size: int = Field(default=20, ge=1)
    cursor: str | None = Field(default=None, max_length=2000)

    @field_validator("document_to")
    @classmethod
    def _not_before_from(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("document_from")
        if value is not None and start is not None and value < start:
            raise ValueError("The end of the document date range is before its start.")
        return value


def encode_cursor(sort: str, values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([sort, values]).encode()).decode()


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    """The search_after values in a cursor this API issued for the same sort order."""
    try:
        issued_for, values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise bad_request("The cursor is not one this API issued.") from exc
    if issued_for != sort:
        raise bad_request("The cursor belongs to a different sort order; start again without it.")
    expected = (int,) if sort == "relevance" else (int, str)
    if (
        not isinstance(values, list)
        or len(values) != len(expected)
        or not all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(values, expected, strict=True))
        or (sort == "relevance" and not 0 < values[0] <= MAX_OFFSET)
    ):
        raise bad_request("The cursor is not one this API issued.")
    return values


def parse_text_query(q: str, fuzzy: bool = False, exact: frozenset[int] = frozenset()) -> query_syntax.Parsed:
    try:
        # One character for one, so the positions of the typed words stay those of ``q``.
        return query_syntax.compile_query(natural.plain_apostrophes(q), TEXT_FIELDS, fuzzy, exact)
    except query_syntax.QuerySyntaxError as exc:
        raise invalid([{"field": "q", "message": str(exc)}], detail=str(exc)) from exc


_MARKED = re.compile(r"<mark>(.*?)</mark>")


def corrected_query(q: str, fuzzed: list[Any], highlights: list[str]) -> str:
    """``q`` with each loosened word (a token with its position) replaced by the closest
    word marked in ``highlights``; words with no close match stay as typed."""
    marked = sorted({html.unescape(word).lower() for fragment in highlights for word in _MARKED.findall(fragment)})
    result = q
    for token in sorted(fuzzed, key=lambda t: t.start_pos, reverse=True):
        word = natural.core(str(token))
        closest = difflib.get_close_matches(word, marked, n=1, cutoff=0.6)
        start, end = natural.core_span(str(token))
        if closest and closest[0] != word and start < end and q[token.start_pos : token.end_pos] == str(token):
            result = result[: token.start_pos + start] + closest[0] + result[token.start_pos + end :]
    return result


class EvidenceSearch:
    def __init__(self, client: OpenSearch, indices: Indices, max_page_size: int) -> None:
        self.client = client
        self.indices = indices
        self.max_page_size = max_page_size

    def _cases_matching(self, scope: SearchScope, params: SearchParams) -> list[str]:
        """Case ids in scope whose facts match the employer / case type filters."""
        filters: list[dict[str, Any]] = [scope.cases_filter()]
        if params.case_id:
            filters.append({"terms": {"case_id": params.case_id}})
        if params.employer:
            filters.append({"terms": {"employer_key": [employer_key(e) for e in params.employer]}})
        if params.case_type:
            filters.append({"terms": {"case_type": params.case_type}})
        result = self.client.search(
            index=self.indices.alias(CASES),
            body={"size": MAX_MATCHING_CASES, "query": {"bool": {"filter": filters}}, "_source": False},
        )
        return [hit["_id"] for hit in result["hits"]["hits"]]

    def _case_facts(self, case_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not case_ids:
            return {}
        result = self.client.mget(
            index=self.indices.alias(CASES),
            body={"ids": case_ids},
            _source_includes=["reference", "employer", "case_type"],
        )
        return {doc["_id"]: doc["_source"] for doc in result["docs"] if doc.get("found")}

    def build(
        self, scope: SearchScope, params: SearchParams, case_ids: list[str] | None, text_query: dict[str, Any]
    ) -> dict[str, Any]:
        """The OpenSearch request body; the scope filter is always its first filter."""
        scope_filter = scope.pages_filter()
        assert scope_filter is not None
        filters: list[dict[str, Any]] = [scope_filter]
        if case_ids is not None:
            filters.append({"terms": {"case_id": case_ids}})
        for field in ("doc_type", "branch", "region"):
            if getattr(params, field):
                filters.append({"terms": {field: getattr(params, field)}})
        if params.uploaded_from or params.uploaded_to:
            bounds = {}
            if params.uploaded_from:
                bounds["gte"] = params.uploaded_from.isoformat()
            if params.uploaded_to:
                bounds["lt"] = (params.uploaded_to + dt.timedelta(days=1)).isoformat()
            filters.append({"range": {"uploaded_at": bounds}})
        if params.kind:
            filters.append({"terms": {"document_kind": params.kind}})
        if params.document_from or params.document_to:
            dated: dict[str, str] = {}
            if params.document_from:
                dated["gte"] = params.document_from.isoformat()
            if params.document_to:
                dated["lte"] = params.document_to.isoformat()
            filters.append({"range": {"document_date": dated}})
        body: dict[str, Any] = {
            "size": min(params.size, self.max_page_size),
            "query": {"bool": {"must": [text_query], "filter": filters}},
            "sort": SORTS[params.sort],
            "highlight": {
                # html encoder: fragments are escaped document text plus <mark> tags, safe to render.
                "encoder": "html",
                "pre_tags": ["<mark>"],
                "post_tags": ["</mark>"],
                "fields": {"text": {"fragment_size": 160, "number_of_fragments": 3}},
            },
            "_source": [
                "evidence_id",
                "case_id",
                "page",
                "filename",
                "doc_type",
                "uploaded_at",
                "document_date",
                "document_kind",
                "title",
            ],
            "track_total_hits": True,
            "aggs": {
                **{field: {"terms": {"field": field, "size": 50}} for field in PAGE_FACETS},
                "case": {"terms": {"field": "case_id", "size": CASE_FACET_SIZE}},
                "kinds": {"terms": {"field": "document_kind", "size": len(DOCUMENT_KINDS)}},
            },
        }
        if params.cursor:
            values = decode_cursor(params.cursor, params.sort)
            if params.sort == "relevance":
                body["from"] = values[0]
            else:
                body["search_after"] = values
        return body

    def search(self, scope: SearchScope, params: SearchParams) -> dict[str, Any]:
        """Search within ``scope``: items, total, facets and the next page's cursor."""
        empty = {"total": 0, "items": [], "facets": {}, "next_cursor": "", "fuzzy": False, "showing_results_for": ""}
        exact = parse_text_query(params.q)  # a bad query is an error whoever asks, and before any lookup
        if scope.empty:
            return empty
        case_ids = params.case_id or None  # only ever narrows: the scope filter stays
        if params.employer or params.case_type:
            case_ids = self._cases_matching(scope, params)
            if not case_ids:
                return empty
        body = self.build(scope, params, case_ids, exact.query)
        result = self.client.search(index=self.indices.alias(PAGES), body=body)
        fuzzy = False
        if not result["hits"]["total"]["value"]:
            loose = parse_text_query(params.q, fuzzy=True)
            found = self._found_as_typed(body, loose.fuzzed)
            if found:  # only the words no page in reach contains are misspellings
                loose = parse_text_query(params.q, fuzzy=True, exact=found)
            if loose.fuzzed:
                body = self.build(scope, params, case_ids, loose.query)
                result = self.client.search(index=self.indices.alias(PAGES), body=body)
                fuzzy = bool(result["hits"]["total"]["value"])
        hits = result["hits"]["hits"]
        items = [
            {
                **{k: hit["_source"].get(k) for k in body["_source"]},
                "highlights": hit.get("highlight", {}).get("text", []),
            }
            for hit in hits
        ]
        offset = body.get("from", 0)
        more = bool(hits) and len(hits) == body["size"] and result["hits"]["total"]["value"] > offset + len(hits)
        if not more:
            cursor = ""
        elif params.sort == "relevance":
            cursor = encode_cursor("relevance", [offset + len(hits)]) if offset + len(hits) <= MAX_OFFSET else ""
        else:
            cursor = encode_cursor("date", hits[-1]["sort"])
        return {
            "total": result["hits"]["total"]["value"],
            "items": items,
            "facets": self._facets(result["aggregations"]),
            "next_cursor": cursor,
            "fuzzy": fuzzy,
            "showing_results_for": (
                corrected_query(params.q, loose.fuzzed, [h for item in items for h in item["highlights"]])
                if fuzzy
                else ""
            ),
        }

    def _found_as_typed(self, body: dict[str, Any], words: list[Any]) -> frozenset[int]:
        """The positions of the ``words`` that some page within ``body``'s filters (the caller's
        scope first) contains as typed, counted in one request. Such a word is not loosened: a
        query that finds nothing because its words never meet on one page (or because of a NOT)
        is answered as it is, not with pages that match a different word ("dear" for "hearing")."""
        if not words:
            return frozenset()
        named = {str(i): natural.word_clause(str(word), TEXT_FIELDS) for i, word in enumerate(words)}
        check = {
            "size": 0,
            "query": {"bool": {"filter": body["query"]["bool"]["filter"]}},
            "aggs": {"words": {"filters": {"filters": named}}},
        }
        buckets = self.client.search(index=self.indices.alias(PAGES), body=check)["aggregations"]["words"]["buckets"]
        return frozenset(word.start_pos for i, word in enumerate(words) if buckets[str(i)]["doc_count"])

    def _facets(self, aggs: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        facets = {
            field: [{"value": b["key"], "count": b["doc_count"]} for b in aggs[field]["buckets"]]
            for field in PAGE_FACETS
        }
        # Pages per kind of document, like every facet; a kind's label is what the portal shows.
        facets["kinds"] = [
            {"value": b["key"], "label": DOCUMENT_KIND_LABELS.get(b["key"], b["key"]), "count": b["doc_count"]}
            for b in aggs["kinds"]["buckets"]
        ]
        per_case = {b["key"]: b["doc_count"] for b in aggs["case"]["buckets"]}
        facts = self._case_facts(list(per_case))
        facets["case"] = [
            {"value": case_id, "label": facts.get(case_id, {}).get("reference", ""), "count": n}
            for case_id, n in per_case.items()
        ]
        for field in ("employer", "case_type"):
            counts: dict[str, int] = {}
            for case_id, n in per_case.items():
                value = facts.get(case_id, {}).get(field)
                if value:
                    counts[value] = counts.get(value, 0) + n
            facets[field] = [{"value": v, "count": n} for v, n in sorted(counts.items(), key=lambda kv: -kv[1])]
        return facets
