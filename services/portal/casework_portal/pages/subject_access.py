"""Subject access in the portal: the data-protection officer's page (a membership number, the preview of
every item held about that member with a "withhold" box each, the ZIP) and a member's "Download my
record". Workflow decides who may; these pages only ask it, with the signed-in user's token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from casework_common.auth import Principal
from casework_portal.backend import ApiError
from casework_portal.pages import Pages

# What a ZIP download passes on from workflow's answer.
DOWNLOAD_HEADERS = ("Content-Disposition", "Content-Length")


def register(bp: Blueprint, pages: Pages) -> None:
    signed_in = pages.signed_in

    def dpo_only(user: Principal) -> None:
        if not user.has("dpo"):
            abort(403, "Only the data-protection officer answers subject access requests.")

    @bp.get("/data-protection/subject-access")
    @signed_in
    def subject_access(user: Principal) -> Any:
        dpo_only(user)
        typed = request.args.get("membership_number", "")
        preview, problem = None, None
        if typed.strip():
            try:
                preview = pages.api(user).get(
                    pages.workflow("/v1/data-protection/subject-access"), membership_number=typed
                )
            except ApiError as error:
                if error.status != 422:
                    raise
                problem = error
        groups: dict[str, list[dict[str, Any]]] = {}
        for item in preview["items"] if preview else ():
            groups.setdefault(item["what"], []).append(item)
        page = render_template(
            "subject_access.html", user=user, typed=typed, preview=preview, groups=groups, problem=problem
        )
        return page, (422 if problem else 200), {"Cache-Control": "no-store"}

    @bp.post("/data-protection/subject-access/export")
    @signed_in
    def subject_access_export(user: Principal) -> Response:
        dpo_only(user)
        body = {
            "membership_number": request.form.get("membership_number", ""),
            "exclude": request.form.getlist("exclude"),
        }
        answer = pages.api(user).post_for_file(pages.workflow("/v1/data-protection/subject-access/exports"), body)
        headers = {k: v for k, v in answer.headers.items() if k in DOWNLOAD_HEADERS}
        return Response(answer.content, mimetype="application/zip", headers={**headers, "Cache-Control": "no-store"})

    @bp.get("/my-record")
    @signed_in
    def my_record(user: Principal) -> Response:
        if not user.has("member"):
            abort(403, "Only members download their own record.")
        chunks, headers = pages.api(user).get_stream(pages.workflow("/v1/me/record"))
        return Response(
            stream_with_context(chunks),
            mimetype="application/zip",
            headers={**headers, "Cache-Control": "no-store"},
        )
