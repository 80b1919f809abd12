"""The two indices, evidence pages and cases, each behind an alias.

Readers only ever use the alias. A rebuild fills a fresh index (named with the mapping
version and a timestamp) while the old one keeps answering, then moves the alias in one
atomic ``update_aliases`` call: zero downtime. While a rebuild runs, a second "building"
alias points at the new index and live writes go to both, so nothing that happens during
the rebuild is lost when the alias moves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from opensearchpy import ConflictError, OpenSearch, helpers

log = logging.getLogger(__name__)

# How page text, titles and file names are read into terms: Lucene's English analyser (stop words,
# Porter stems), plus what people type differently from what documents say. Accents are folded
# (most people type "Zoe" and "Nunez" for "Zoë" and "Núñez", and OCR reads one accent for another),
# typographic apostrophes are plain ones ("O’Brien" is "O'Brien"), and a possessive 's goes (as the
# English analyser's possessive filter does). File names are also split at underscores and dots
# ("Payslip_April_2026.txt" is found by "payslip" or "April"). The search server (osmem) highlights
# at the wrong place after a char filter that changes the text's length in bytes, and marks every
# word when the custom possessive stemmer is used: so the rewrites here keep every byte count
# (a typographic apostrophe in page text and headers is made plain before indexing, by
# natural.plain_apostrophes, also because osmem drops ’s only when it is plain already; the mapping
# below serves file names and titles, which are not highlighted).
ANALYSIS: dict[str, Any] = {
    "char_filter": {
        "typographic_apostrophes": {"type": "mapping", "mappings": ["\u2019 => '", "\u2018 => '", "\u02bc => '"]},
        "possessive_s": {
            "type": "pattern_replace",
            "pattern": "(\\p{L})'[sS]\\b",
            "replacement": "$1  ",
        },
        "file_name_separators": {"type": "pattern_replace", "pattern": "[_.]", "replacement": " "},
    },
    "analyzer": {
        "text_en": {
            "type": "custom",
            "tokenizer": "standard",
            "char_filter": ["typographic_apostrophes", "possessive_s"],
            "filter": ["lowercase", "asciifolding", "stop", "porter_stem"],
        },
        "file_name": {
            "type": "custom",
            "tokenizer": "standard",
            "char_filter": ["typographic_apostrophes", "possessive_s", "file_name_separators"],
            "filter": ["lowercase", "asciifolding", "stop", "porter_stem"],
        },
    },
}
SETTINGS: dict[str, Any] = {"index": {"number_of_shards": 1, "number_of_replicas": 0}, "analysis": ANALYSIS}
KEYWORD = {"type": "keyword"}
DATE = {"type": "date", "format": "strict_date_optional_time||strict_date"}
FACTS_UPDATE_CHUNK = 100  # page ids tried per bulk request when an item's facts change
ERASED_SCAN_PAGE = 500  # erased case documents read per request when a rebuild carries them over


@dataclass(frozen=True)
class IndexSpec:
    name: str
    # Bump when the mapping changes: a running service then rebuilds into the new mapping.
    version: int
    mappings: dict[str, Any]


PAGES = IndexSpec(
    "evidence-pages",
    5,  # v5: text_en and file_name (accents folded, apostrophes, file names split)
    {
        "dynamic": "strict",
        "properties": {
            "doc_id": KEYWORD,  # "<evidence_id>:<page>": the tiebreaker that makes search_after stable
            "evidence_id": KEYWORD,
            "case_id": KEYWORD,
            "branch": KEYWORD,
            "region": KEYWORD,
            "visibility": KEYWORD,
            "page": {"type": "integer"},
            "filename": {"type": "text", "analyzer": "file_name", "fields": {"raw": KEYWORD}},
            "doc_type": KEYWORD,
            "uploaded_at": DATE,
            "text": {"type": "text", "analyzer": "text_en"},
            "headers": {"type": "text", "analyzer": "text_en"},  # an email's from/to/cc/date/subject, page 1
            # The item's document facts (v4), on every page of it, so each hit can be filtered and
            # counted by them: the document's date, its kind (casework_common.vocabulary), its title.
            "document_date": DATE,
            "document_kind": KEYWORD,
            "title": {"type": "text", "analyzer": "text_en", "fields": {"raw": KEYWORD}},
        },
    },
)

CASES = IndexSpec(
    "cases",
    2,
    {
        "dynamic": "strict",
        "properties": {
            "case_id": KEYWORD,
            "reference": KEYWORD,
            "status": KEYWORD,
            "case_type": KEYWORD,
            "branch": KEYWORD,
            "region": KEYWORD,
            "employer": KEYWORD,
            "employer_key": KEYWORD,  # normalised, so "ACME Ltd" and "Acme Limited" match
            "workplace": KEYWORD,
            "sector": KEYWORD,
            "allegations": KEYWORD,
            "outcome": KEYWORD,
            "sanction": KEYWORD,
            "incident_date": DATE,
            "hearing_date": DATE,
            "outcome_date": DATE,
            "opened_on": DATE,
            # v2: a case whose data was erased (search.erasure) keeps only anonymised
            # facts, so trends and comparators still count it; the kinds say what was done, and
            # "search_documents" makes the indexer refuse the case's pages from then on.
            "erased": {"type": "boolean"},
            "erased_kinds": KEYWORD,
        },
    },
)

# The external version of an erased case's document: above any CaseFacts version (microseconds of
# an update time), so no replayed or late CaseChanged, nor a rebuild from workflow, writes over it.
ERASED_VERSION = 2**62

SPECS = (PAGES, CASES)


class Indices:
    """Aliases, index versions, rebuilds and writes for both indices."""

    def __init__(self, client: OpenSearch, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def alias(self, spec: IndexSpec) -> str:
        return f"{self.prefix}-{spec.name}"

    def building_alias(self, spec: IndexSpec) -> str:
        return f"{self.alias(spec)}-building"

    def current_index(self, spec: IndexSpec) -> str | None:
        """The concrete index the alias points at, or None."""
        alias = self.alias(spec)
        if not self.client.indices.exists_alias(name=alias):
            return None
        return next(iter(self.client.indices.get_alias(name=alias)))

    def is_current(self, spec: IndexSpec) -> bool:
        """True when the alias exists and points at an index of the current mapping version."""
        index = self.current_index(spec)
        return index is not None and index.startswith(f"{self.alias(spec)}-v{spec.version}-")

    def ready(self) -> bool:
        return all(self.current_index(spec) is not None for spec in SPECS)

    # -- rebuilding ----------------------------------------------------------------

    def begin_rebuild(self, spec: IndexSpec) -> str:
        """Create a fresh index for ``spec`` behind the building alias; returns its name."""
        name = f"{self.alias(spec)}-v{spec.version}-{time.time_ns() // 1000}"
        building = self.building_alias(spec)
        if self.client.indices.exists_alias(name=building):  # an earlier rebuild died half-way
            for stale in self.client.indices.get_alias(name=building):
                self.client.indices.delete(index=stale)
        self.client.indices.create(
            index=name, body={"settings": SETTINGS, "mappings": spec.mappings, "aliases": {building: {}}}
        )
        return name

    def finish_rebuild(self, spec: IndexSpec, new_index: str) -> None:
        """Point the alias at ``new_index`` atomically and drop the indices it replaces."""
        alias = self.alias(spec)
        old = list(self.client.indices.get_alias(name=alias)) if self.client.indices.exists_alias(name=alias) else []
        actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": alias}} for index in old]
        actions += [
            {"add": {"index": new_index, "alias": alias}},
            {"remove": {"index": new_index, "alias": self.building_alias(spec)}},
        ]
        self.client.indices.update_aliases(body={"actions": actions})
        for index in old:
            self.client.indices.delete(index=index, ignore_unavailable=True)
        log.info("alias %s now on %s (replaced %s)", alias, new_index, old or "nothing")

    # -- writing -------------------------------------------------------------------

    def _targets(self, spec: IndexSpec) -> list[str]:
        targets = [self.alias(spec)] if self.client.indices.exists_alias(name=self.alias(spec)) else []
        if self.client.indices.exists_alias(name=self.building_alias(spec)):
            targets.append(self.building_alias(spec))
        if not targets:
            raise RuntimeError(f"index {self.alias(spec)} does not exist yet; it is being created")
        return targets

    def write_pages(self, docs: Iterable[dict[str, Any]], target: str | None = None) -> int:
        """Index page documents (id ``doc_id``, so rewriting is idempotent) into the alias
        and any index being built, or only into ``target``."""
        docs = list(docs)
        for name in [target] if target else self._targets(PAGES):
            actions = ({"_op_type": "index", "_index": name, "_id": d["doc_id"], "_source": d} for d in docs)
            # require_alias: never let a write auto-create an unmapped index under the alias name.
            _, errors = helpers.bulk(self.client, actions, raise_on_error=False, require_alias=True)
            if errors:
                raise RuntimeError(f"{len(errors)} pages failed to index: {errors[:3]}")
        return len(docs)

    def update_item_facts(self, evidence_id: str, fields: dict[str, Any]) -> int:
        """Set ``fields`` (the document facts) on every page of an item, in the alias and any index
        being built; returns the pages updated in the alias. Pages are found by their ids
        (``<evidence_id>:<page>``, pages numbered from 1 without gaps) and changed with partial
        ``update`` actions: an update by id sees a page written a moment ago, where a search for
        the item's pages would not until the next refresh (and osmem has no scripted
        update_by_query). A missing page ends the item; an item not indexed (yet) updates nothing."""
        updated: dict[str, int] = {}
        for name in self._targets(PAGES):
            updated[name] = 0
            first = 1
            while True:
                ids = [f"{evidence_id}:{n}" for n in range(first, first + FACTS_UPDATE_CHUNK)]
                actions = (
                    {"_op_type": "update", "_index": name, "_id": i, "doc": fields, "retry_on_conflict": 3} for i in ids
                )
                _, errors = helpers.bulk(self.client, actions, raise_on_error=False, require_alias=True)
                missing = [e for e in errors if e.get("update", {}).get("status") == 404]
                if len(missing) != len(errors):
                    raise RuntimeError(f"{len(errors) - len(missing)} pages failed to update: {errors[:3]}")
                updated[name] += len(ids) - len(missing)
                if missing:
                    break
                first += FACTS_UPDATE_CHUNK
        return max(updated.values())

    def write_case(self, doc: dict[str, Any], version: int, target: str | None = None) -> bool:
        """Write a case document unless a newer version is already there (events can be
        replayed, and a rebuild can read a case before a live change). True if written."""
        written = False
        for name in [target] if target else self._targets(CASES):
            try:
                self.client.index(
                    index=name,
                    id=doc["case_id"],
                    body=doc,
                    version=version,
                    version_type="external",
                    params={"require_alias": "true"},
                )
                written = True
            except ConflictError:
                log.debug("case %s: version %d is not newer than the indexed one", doc["case_id"], version)
        return written

    def write_cases(self, versioned: Iterable[tuple[dict[str, Any], int]], target: str) -> int:
        """Write case documents, each with its version, into ``target`` in bulk requests (a
        rebuild); as :meth:`write_case`, a document is skipped where a newer version is already
        there. Returns how many were written."""
        return self._write_versioned(versioned, target, "external")

    def _write_versioned(self, versioned: Iterable[tuple[dict[str, Any], int]], target: str, version_type: str) -> int:
        actions = (
            {
                "_op_type": "index",
                "_index": target,
                "_id": doc["case_id"],
                "_source": doc,
                "version": version,
                "version_type": version_type,
            }
            for doc, version in versioned
        )
        written, errors = helpers.bulk(self.client, actions, raise_on_error=False, require_alias=True)
        failed = [e for e in errors if e.get("index", {}).get("status") != 409]  # 409: a newer one is there
        if failed:
            raise RuntimeError(f"{len(failed)} cases failed to index: {failed[:3]}")
        return written

    # -- erasure (docs/design.md, 'Erasure in search and notify') --------------------

    def case_copies(self, case_id: str) -> dict[str, dict[str, Any] | None]:
        """The case's document in the alias and in any index being built (by target), or None
        where it has none. A get by id is real-time: it sees a write made a moment ago."""
        copies: dict[str, dict[str, Any] | None] = {}
        for name in self._targets(CASES):
            found = self.client.get(index=name, id=case_id, ignore=[404])
            copies[name] = found["_source"] if found.get("found") else None
        return copies

    def write_erased_case(self, doc: dict[str, Any], target: str | None = None) -> None:
        """Write an erased case's (anonymised) document over whatever is there, with
        :data:`ERASED_VERSION` (``external_gte``: a repeat, or a later kind, may write it again)."""
        for name in [target] if target else self._targets(CASES):
            self.client.index(
                index=name,
                id=doc["case_id"],
                body=doc,
                version=ERASED_VERSION,
                version_type="external_gte",
                params={"require_alias": "true"},
            )

    def write_erased_cases(self, docs: Iterable[dict[str, Any]], target: str) -> None:
        """:meth:`write_erased_case` for many documents, into ``target`` in bulk requests (a rebuild
        carrying erased cases over)."""
        self._write_versioned(((doc, ERASED_VERSION) for doc in docs), target, "external_gte")

    def delete_case_pages(self, case_id: str) -> int:
        """Delete every page document of the case from the alias and any index being built, then
        make sure none is left (refreshed first: a query-based delete sees only what a refresh has
        made searchable). Returns the pages deleted from the alias; RuntimeError if any remain."""
        deleted: dict[str, int] = {}
        for name in self._targets(PAGES):
            self.client.indices.refresh(index=name)
            result = self.client.delete_by_query(
                index=name,
                body={"query": {"term": {"case_id": case_id}}},
                params={"refresh": "true", "conflicts": "proceed"},
            )
            if result.get("failures"):
                raise RuntimeError(f"pages of case {case_id} not all deleted from {name}: {result['failures'][:3]}")
            deleted[name] = int(result.get("deleted", 0))
        left = self.case_pages_left(case_id)
        if left:
            raise RuntimeError(f"{left} pages of case {case_id} still indexed after deletion")
        return deleted.get(self.alias(PAGES), max(deleted.values(), default=0))

    def case_pages_left(self, case_id: str) -> int:
        """Page documents of the case still searchable in the alias or an index being built."""
        left = 0
        for name in self._targets(PAGES):
            self.client.indices.refresh(index=name)
            left += int(self.client.count(index=name, body={"query": {"term": {"case_id": case_id}}})["count"])
        return left

    def delete_pages(self, doc_ids: Iterable[str]) -> None:
        """Delete page documents by id from the alias and any index being built (missing: fine)."""
        ids = list(doc_ids)
        for name in self._targets(PAGES):
            actions = ({"_op_type": "delete", "_index": name, "_id": i} for i in ids)
            _, errors = helpers.bulk(self.client, actions, raise_on_error=False, require_alias=True)
            failed = [e for e in errors if e.get("delete", {}).get("status") != 404]
            if failed:
                raise RuntimeError(f"{len(failed)} pages failed to delete: {failed[:3]}")

    def pages_refused(self, case_id: str) -> bool:
        """True when the case's search documents were erased: its pages are never indexed again."""
        return any(
            doc is not None and "search_documents" in (doc.get("erased_kinds") or [])
            for doc in self.case_copies(case_id).values()
        )

    def erased_cases(self, index: str) -> dict[str, dict[str, Any]]:
        """Every erased case's document in ``index`` (an alias or a concrete index), by case id;
        empty when it does not exist (a first start, or the search server lost its data)."""
        if not self.client.indices.exists(index=index):
            return {}
        found: dict[str, dict[str, Any]] = {}
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "size": ERASED_SCAN_PAGE,
                "query": {"term": {"erased": True}},
                "sort": [{"case_id": "asc"}],
                **({"search_after": after} if after else {}),
            }
            hits = self.client.search(index=index, body=body)["hits"]["hits"]
            for hit in hits:
                found[hit["_id"]] = hit["_source"]
            if len(hits) < ERASED_SCAN_PAGE:
                return found
            after = hits[-1]["sort"]

    def sweep_erased_pages(self, cases_index: str, pages_index: str) -> int:
        """Delete from ``pages_index`` every page of a case whose search documents ``cases_index``
        says were erased (a rebuild's last step before its indices answer); returns how many."""
        refused = sorted(
            case_id
            for case_id, doc in self.erased_cases(cases_index).items()
            if "search_documents" in (doc.get("erased_kinds") or [])
        )
        deleted = 0
        self.client.indices.refresh(index=pages_index)
        for start in range(0, len(refused), ERASED_SCAN_PAGE):
            result = self.client.delete_by_query(
                index=pages_index,
                body={"query": {"terms": {"case_id": refused[start : start + ERASED_SCAN_PAGE]}}},
                params={"refresh": "true", "conflicts": "proceed"},
            )
            if result.get("failures"):
                raise RuntimeError(f"erased cases' pages not all deleted from {pages_index}: {result['failures'][:3]}")
            deleted += int(result.get("deleted", 0))
        return deleted
