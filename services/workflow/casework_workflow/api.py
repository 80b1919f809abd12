"""The case REST API (``/v1/cases``)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from casework_common.problems import forbidden, not_found
from casework_common.web import parse_json, parse_query, principal
from casework_workflow import scope
from casework_workflow.cases import CaseStore
from casework_workflow.schemas import CaseListQuery, NewCase


def blueprint(store: CaseStore) -> Blueprint:
    bp = Blueprint("cases", __name__)

    @bp.post("/v1/cases")
    def create_case() -> tuple[Response, int, dict[str, str]]:
        caller = principal()
        allowed, reason = scope.may_create_case(caller)
        if not allowed:
            raise forbidden(reason)
        view = store.create(caller, parse_json(NewCase))
        body = view.to_json()
        return jsonify(body), 201, {"Location": f"/v1/cases/{body['id']}"}

    @bp.get("/v1/cases")
    def list_cases() -> Response:
        views, cursor = store.list(principal(), parse_query(CaseListQuery))
        return jsonify(items=[v.to_json() for v in views], next_cursor=cursor)

    @bp.get("/v1/cases/<case_id>")
    def get_case(case_id: str) -> Response:
        view = store.get(principal(), case_id)
        if view is None:
            raise not_found("case")
        return jsonify(view.to_json())

    return bp
