"""Subject access in the portal: the data-protection officer's page (a membership number, the preview of
every item held about that member with a "withhold" box each, the ZIP) and a member's "Download my
record". Workflow decides who may; these pages only ask it, with the signed-in caller's token."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request, stream_with_context

from casework_common.auth import Principal
from casework_portal.backend import ApiError
from casework_portal.pages import bp, signed_in, site

# What a ZIP download passes on from workflow's answer.
DOWNLOAD_HEADERS = ("Content-Disposition", "Content-Length")


def dpo_only(caller: Principal) -> None:
    if not caller.has("dpo"):
        abort(403, "Only the data-protection officer answers subject access requests.")


@bp.get("/data-protection/subject-access")
@signed_in
def subject_access(caller: Principal) -> Any:
    dpo_only(caller)
    typed = request.args.get("membership_number", "")
    preview, problem = None, None
    if typed.strip():
        try:
            preview = (
                site().api(caller).get(site().workflow("/v1/data-protection/subject-access"), membership_number=typed)
            )
        except ApiError as error:
            if error.status != 422:
                raise
            problem = error
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in preview["items"] if preview else ():
        groups.setdefault(item["what"], []).append(item)
    page = render_template(
        "subject_access.html", user=caller, typed=typed, preview=preview, groups=groups, problem=problem
    )
    return page, (422 if problem else 200), {"Cache-Control": "no-store"}


@bp.post("/data-protection/subject-access/export")
@signed_in
def subject_access_export(caller: Principal) -> Response:
    dpo_only(caller)
    body = {
        "membership_number": request.form.get("membership_number", ""),
        "exclude": request.form.getlist("exclude"),
    }
    answer = site().api(caller).post_for_file(site().workflow("/v1/data-protection/subject-access/exports"), body)
    headers = {k: v for k, v in answer.headers.items() if k in DOWNLOAD_HEADERS}
    return Response(answer.content, mimetype="application/zip", headers={**headers, "Cache-Control": "no-store"})


@bp.get("/my-record")
@signed_in
def my_record(caller: Principal) -> Response:
    if not caller.has("member"):
        abort(403, "Only members download their own record.")
    chunks, headers = site().api(caller).get_stream(site().workflow("/v1/me/record"))
    return Response(
        stream_with_context(chunks),
        mimetype="application/zip",
        headers={**headers, "Cache-Control": "no-store"},
    )
