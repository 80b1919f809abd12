"""``GET /v1/search``: full text over evidence pages, inside the caller's scope, with highlights."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from opensearchpy import OpenSearch
from pydantic import BaseModel, ConfigDict, Field

from casework.v1 import workflow_pb2
from casework_common.web import parse_query, principal
from casework_common.workflow_client import WorkflowClient
from casework_search.index import EvidenceIndex
from casework_search.settings import SearchSettings


class SearchParams(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    q: str = Field(min_length=1, max_length=1000)
    case_id: str | None = Field(default=None, max_length=64)
    size: int = Field(default=20, ge=1)


def scope_filter(scope: workflow_pb2.Scope) -> dict[str, Any] | None:
    """The OpenSearch filter for what ``scope`` allows; None when it allows nothing."""
    allowed: list[dict[str, Any]] = []
    if scope.case_ids:
        allowed.append({"terms": {"case_id": list(scope.case_ids)}})
    if scope.member_case_ids:
        allowed.append(
            {
                "bool": {
                    "filter": [
                        {"terms": {"case_id": list(scope.member_case_ids)}},
                        {"term": {"visibility": "member"}},
                    ]
                }
            }
        )
    if not allowed:
        return None
    return {"bool": {"should": allowed, "minimum_should_match": 1}}


def build_query(params: SearchParams, scope: dict[str, Any], size: int) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [scope]
    if params.case_id:
        filters.append({"term": {"case_id": params.case_id}})
    return {
        "size": size,
        "query": {
            "bool": {
                "must": [
                    {
                        "simple_query_string": {
                            "query": params.q,
                            "fields": ["text", "filename"],
                            "default_operator": "and",
                        }
                    }
                ],
                "filter": filters,
            }
        },
        "highlight": {
            # html encoder: fragments are escaped document text plus <mark> tags, safe to render.
            "encoder": "html",
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "fields": {"text": {"fragment_size": 160, "number_of_fragments": 3}},
        },
        "_source": ["evidence_id", "case_id", "page", "filename", "visibility"],
        "track_total_hits": True,
    }


def blueprint(
    client: OpenSearch, index: EvidenceIndex, workflow: WorkflowClient, settings: SearchSettings
) -> Blueprint:
    bp = Blueprint("search", __name__)

    @bp.get("/v1/search")
    def search() -> Response:
        params = parse_query(SearchParams)
        caller = principal()
        # The scope comes from workflow for this token on every query; nothing the client
        # sends can widen it (case_id only narrows within it).
        scope = scope_filter(workflow.scope(caller.token))
        if scope is None:
            return jsonify(total=0, items=[])
        body = build_query(params, scope, min(params.size, settings.max_page_size))
        result = client.search(index=index.alias, body=body)
        items = [
            {
                "evidence_id": hit["_source"]["evidence_id"],
                "case_id": hit["_source"]["case_id"],
                "page": hit["_source"]["page"],
                "filename": hit["_source"]["filename"],
                "highlights": hit.get("highlight", {}).get("text", []),
            }
            for hit in result["hits"]["hits"]
        ]
        return jsonify(total=result["hits"]["total"]["value"], items=items)

    return bp
