"""Cases, their timeline, the people on them, and the generated summary (``/v1/cases``)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, jsonify

from casework_common.openapi import Reply, api
from casework_common.problems import forbidden, invalid, not_found
from casework_common.web import parse_json, parse_query, principal
from casework_workflow import audit, scope, summary, timeline
from casework_workflow.cases import Cases
from casework_workflow.responses import CaseList, CaseOut, Timeline, TimelineEntryOut
from casework_workflow.schemas import MEMBER_ENTRY_KINDS, CaseListQuery, CaseUpdate, Colleague, NewCase, NewEntry


def blueprint(store: Cases) -> Blueprint:
    bp = Blueprint("cases", __name__)
    created = Reply("The new case.", CaseOut, headers={"Location": "The case's URL."})

    @bp.post("/v1/cases")
    @api("Open a case (reps and coordinators)", {201: created}, body=NewCase, errors=(403,))
    def create_case() -> tuple[Response, int, dict[str, str]]:
        view = store.create(principal(), parse_json(NewCase))
        return jsonify(view.to_json()), 201, {"Location": f"/v1/cases/{view.id}"}

    @bp.get("/v1/cases")
    @api("List the cases visible to the caller", {200: CaseList}, query=CaseListQuery, errors=(400,))
    def list_cases() -> Response:
        views, cursor = store.list(principal(), parse_query(CaseListQuery))
        return jsonify(items=[v.to_json() for v in views], next_cursor=cursor)

    @bp.get("/v1/cases/<case_id>")
    @api("Read a case", {200: CaseOut}, errors=(404,))
    def get_case(case_id: str) -> Response:
        view = store.get(principal(), case_id)
        if view is None:
            raise not_found("case")
        return jsonify(view.to_json())

    @bp.patch("/v1/cases/<case_id>")
    @api("Change a case's fields (each change is a timeline entry)", {200: CaseOut}, body=CaseUpdate, errors=(403, 404))
    def update_case(case_id: str) -> Response:
        return jsonify(store.update(principal(), case_id, parse_json(CaseUpdate)).to_json())

    @bp.get("/v1/cases/<case_id>/timeline")
    @api("Read a case's timeline", {200: Timeline}, errors=(404,))
    def get_timeline(case_id: str) -> Response:
        caller = principal()
        with store.engine.begin() as conn:
            view = store.require(conn, caller, case_id)
            rows = timeline.entries(conn, view.id, include_reps_only=view.access is scope.Access.FULL)
            audit.record(conn, caller, "timeline.read", view.id)
        return jsonify(items=[timeline.to_json(r) for r in rows])

    @bp.post("/v1/cases/<case_id>/timeline")
    @api("Add a timeline entry", {201: TimelineEntryOut}, body=NewEntry, errors=(403, 404))
    def add_entry(case_id: str) -> tuple[Response, int]:
        caller = principal()
        entry = parse_json(NewEntry)
        with store.engine.begin() as conn:
            view = store.require(conn, caller, case_id, write=True)
            full = view.access is scope.Access.FULL
            if not full and (entry.kind not in MEMBER_ENTRY_KINDS or entry.visibility.value != "member"):
                raise forbidden("Members add notes, letters received and calls, visible to themselves and their reps.")
            corrects = uuid.UUID(entry.corrects) if entry.corrects else None
            if corrects and not timeline.entry_exists(conn, view.id, corrects, include_reps_only=full):
                raise invalid([{"field": "corrects", "message": "No entry with that id on this case."}])
            entry_id = timeline.add(
                conn,
                view.ref(),
                author=caller.username,
                author_role=caller.primary_role,
                kind=entry.kind.value,
                body=entry.body,
                visibility=entry.visibility.value,
                occurred_on=entry.occurred_on,
                corrects=corrects,
                data=entry.comparator.model_dump() if entry.comparator else None,
            )
            audit.record(conn, caller, "timeline.add", view.id, f"entry:{entry_id}", {"kind": entry.kind.value})
            row = next(r for r in timeline.entries(conn, view.id, include_reps_only=True) if r.id == entry_id)
        return jsonify(timeline.to_json(row)), 201

    def people_response(kind: str, case_id: str) -> Response:
        colleague = parse_json(Colleague)
        return jsonify(store.add_rep(principal(), case_id, colleague.username, kind).to_json())

    @bp.post("/v1/cases/<case_id>/reps")
    @api("Assign a rep to a case", {200: CaseOut}, body=Colleague, errors=(403, 404))
    def assign_rep(case_id: str) -> Response:
        return people_response("assigned", case_id)

    @bp.post("/v1/cases/<case_id>/shares")
    @api("Share a case with a colleague", {200: CaseOut}, body=Colleague, errors=(403, 404))
    def share(case_id: str) -> Response:
        return people_response("shared", case_id)

    @bp.delete("/v1/cases/<case_id>/reps/<username>")
    @bp.delete("/v1/cases/<case_id>/shares/<username>")
    @api("Take a rep or a share off a case", {200: CaseOut}, errors=(403, 404))
    def remove_rep(case_id: str, username: str) -> Response:
        return jsonify(store.remove_rep(principal(), case_id, username).to_json())

    @bp.get("/v1/cases/<case_id>/summary")
    @api(
        "The generated case summary (reps' view)",
        {200: Reply("The summary: facts, dates and timeline highlights.")},
        errors=(403, 404),
    )
    def case_summary(case_id: str) -> Response:
        caller = principal()
        with store.engine.begin() as conn:
            view = store.require(conn, caller, case_id, full=True)
            body: dict[str, Any] = summary.generate(conn, view)
            audit.record(conn, caller, "case.summary", view.id)
        return jsonify(body)

    return bp
