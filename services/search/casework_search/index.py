"""The evidence-pages index: mapping, alias, and writing pages into it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from opensearchpy import OpenSearch, helpers

log = logging.getLogger(__name__)

MAPPING_VERSION = 1

SETTINGS: dict[str, Any] = {
    "index": {"number_of_shards": 1, "number_of_replicas": 0},
}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "evidence_id": {"type": "keyword"},
        "case_id": {"type": "keyword"},
        "branch": {"type": "keyword"},
        "region": {"type": "keyword"},
        "visibility": {"type": "keyword"},
        "page": {"type": "integer"},
        "filename": {"type": "text", "analyzer": "standard", "fields": {"raw": {"type": "keyword"}}},
        "text": {"type": "text", "analyzer": "english"},
    },
}


class EvidenceIndex:
    def __init__(self, client: OpenSearch, prefix: str) -> None:
        self.client = client
        self.alias = f"{prefix}-evidence-pages"

    def exists(self) -> bool:
        return bool(self.client.indices.exists_alias(name=self.alias))

    def create(self) -> str:
        """Create the current mapping's index behind the alias; returns the index name."""
        name = f"{self.alias}-v{MAPPING_VERSION}"
        if not self.client.indices.exists(index=name):
            self.client.indices.create(
                index=name,
                body={
                    "settings": SETTINGS,
                    "mappings": MAPPINGS,
                    "aliases": {self.alias: {}},
                },
            )
        elif not self.exists():
            self.client.indices.put_alias(index=name, name=self.alias)
        return name

    def write_pages(self, docs: Iterable[dict[str, Any]]) -> int:
        """Index page documents (id ``<evidence_id>:<page>``, so rewriting is idempotent)."""
        actions = (
            {"_op_type": "index", "_index": self.alias, "_id": f"{d['evidence_id']}:{d['page']}", "_source": d}
            for d in docs
        )
        # require_alias: never let a write auto-create an unmapped index under the alias name.
        indexed, errors = helpers.bulk(self.client, actions, raise_on_error=False, require_alias=True)
        if errors:
            raise RuntimeError(f"{len(errors)} pages failed to index: {errors[:3]}")
        return indexed
