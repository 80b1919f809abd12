"""casework.v1.Search over gRPC: the REST API's operations for other services, answered by
the same code. Requests become the REST parameter models (so validation is identical) and
answers are the REST JSON parsed into the response messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from pydantic import BaseModel, ValidationError

from casework.v1 import search_pb2, search_pb2_grpc
from casework_common import rpc
from casework_common.auth import Principal, TokenValidator
from casework_common.problems import Problem
from casework_search.evidence_search import SearchParams
from casework_search.service import SearchService
from casework_search.trends import TrendParams

R = TypeVar("R", bound=Message)
STATUS_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.FAILED_PRECONDITION,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    503: grpc.StatusCode.UNAVAILABLE,
}


def _params(request: Message, model: type[BaseModel]) -> Any:
    """The request's set fields as ``model`` (proto3 cannot tell unset from empty: drop empties)."""
    data = json_format.MessageToDict(request, preserving_proto_field_name=True)
    return model.model_validate({k: v for k, v in data.items() if v not in ("", [], 0)})


class SearchServicer(search_pb2_grpc.SearchServicer):
    def __init__(self, service: SearchService, validator: TokenValidator) -> None:
        self.service = service
        self.validator = validator

    def _answer(
        self, context: grpc.ServicerContext, response: type[R], call: Callable[[Principal], dict[str, Any]]
    ) -> R:
        caller = rpc.authenticate(context, self.validator)
        try:
            result = call(caller)
        except ValidationError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "; ".join(e["msg"] for e in exc.errors()))
        except Problem as exc:
            context.abort(STATUS_CODES.get(exc.status, grpc.StatusCode.INTERNAL), exc.detail or exc.title)
        if "facets" in result:
            result = {**result, "facets": {k: {"buckets": v} for k, v in result["facets"].items()}}
        return json_format.ParseDict(result, response(), ignore_unknown_fields=True)

    def Search(self, request: search_pb2.SearchRequest, context: grpc.ServicerContext) -> search_pb2.SearchResponse:
        return self._answer(
            context,
            search_pb2.SearchResponse,
            lambda caller: self.service.search(caller, _params(request, SearchParams)),
        )

    def FindComparators(
        self, request: search_pb2.ComparatorsRequest, context: grpc.ServicerContext
    ) -> search_pb2.ComparatorsResponse:
        size = min(max(request.size or 10, 1), 50)
        return self._answer(
            context,
            search_pb2.ComparatorsResponse,
            lambda caller: self.service.find_comparators(caller, request.case_id, size),
        )

    def Trends(self, request: search_pb2.TrendsRequest, context: grpc.ServicerContext) -> search_pb2.TrendsResponse:
        return self._answer(
            context,
            search_pb2.TrendsResponse,
            lambda caller: self.service.count_trends(caller, _params(request, TrendParams)),
        )


def register(service: SearchService, validator: TokenValidator) -> Callable[[grpc.Server], str]:
    def add(server: grpc.Server) -> str:
        search_pb2_grpc.add_SearchServicer_to_server(SearchServicer(service, validator), server)
        return search_pb2.DESCRIPTOR.services_by_name["Search"].full_name

    return add
