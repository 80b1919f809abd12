"""Evidence: upload (streamed to intake), live status, download, the text viewer with search
words marked, and a member's documents across their cases."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_wtf.csrf import CSRFError, validate_csrf

from casework_common.auth import Principal
from casework_portal import facts, labels
from casework_portal.backend import ApiError
from casework_portal.highlight import mark
from casework_portal.pages import bp, signed_in, site


def status_json(item: dict[str, Any]) -> dict[str, Any]:
    """What the case page's script needs to show one item's progress."""
    return {
        "id": item["id"],
        "filename": item["filename"],
        "uploaded_at": item["uploaded_at"],
        "status": item["status"],
        "text": labels.evidence_status(item),
        "pages_done": item["pages_done"],
        "terminal": item["status"] in labels.FINISHED,
        "view_url": url_for("pages.evidence_view", evidence_id=item["id"]),
        "download_url": url_for("pages.evidence_download", evidence_id=item["id"]),
    }


bp.app_context_processor(facts.template_helpers)


@bp.post("/evidence/<evidence_id>/facts")
@signed_in
def correct_facts(caller: Principal, evidence_id: str) -> Response:
    """A rep's correction of an item's date, title or kind, sent to intake as typed; only the
    fields changed from what the form showed. Intake's refusal is shown beside the fields."""
    case_id = request.form.get("case_id", "")
    if not case_id:
        abort(400, "The form does not say which case the document belongs to.")
    back = url_for("pages.case", case_id=case_id) + f"#evidence-{evidence_id}"
    typed = {field: request.form.get(field, "") for field in facts.FIELDS}
    shown = {field: request.form.get(f"shown_{field}", "") for field in facts.FIELDS}
    changed = facts.changes(typed, shown)
    if not changed:
        flash("Nothing was changed.")
        return redirect(back)
    try:
        site().api(caller).patch_json(site().intake(f"/v1/evidence/{evidence_id}/facts"), changed)
    except ApiError as error:
        if error.status not in (400, 422):
            raise
        messages = facts.field_messages(error.fields)
        facts.keep_refusal(evidence_id, typed, messages, " ".join(messages.values()) or error.message)
        return redirect(back)
    flash("Document details saved.")
    return redirect(back)


@bp.get("/cases/<case_id>/evidence.json")
@signed_in
def evidence_status(caller: Principal, case_id: str) -> Response:
    items = site().api(caller).get(site().intake(f"/v1/cases/{case_id}/evidence"))["items"]
    return jsonify(items=[status_json(i) for i in items])


@bp.post("/cases/<case_id>/upload")
@signed_in
def upload(caller: Principal, case_id: str) -> Response:
    # The body is streamed straight to intake, so the CSRF token travels in the query
    # string (the form field would require parsing the whole upload here).
    try:
        validate_csrf(request.args.get("csrf_token", ""))
    except Exception as exc:
        raise CSRFError("The form expired; reload the page and try again.") from exc
    stream = request.stream
    body = iter(lambda: stream.read(64 * 1024), b"")
    result = (
        site()
        .api(caller)
        .post_stream(site().intake(f"/v1/cases/{case_id}/evidence"), body, request.headers.get("Content-Type", ""))
    )
    if request.accept_mimetypes.best == "application/json":  # the page's script, one file at a time
        return jsonify(items=[status_json(i) for i in result["items"]])
    flash(f"{len(result['items'])} file(s) received. They become searchable once processed.")
    return redirect(url_for("pages.case", case_id=case_id))


@bp.get("/evidence/<evidence_id>/download")
@signed_in
def evidence_download(caller: Principal, evidence_id: str) -> Response:
    chunks, headers = site().api(caller).get_stream(site().intake(f"/v1/evidence/{evidence_id}/content"))
    return Response(stream_with_context(chunks), mimetype="application/octet-stream", headers=headers)


@bp.get("/evidence/<evidence_id>")
@signed_in
def evidence_view(caller: Principal, evidence_id: str) -> str:
    backend = site().api(caller)
    item = backend.get(site().intake(f"/v1/evidence/{evidence_id}"))
    text = backend.get(site().intake(f"/v1/evidence/{evidence_id}/text"))
    query = request.args.get("q", "").strip()
    return render_template(
        "evidence.html",
        user=caller,
        item=item,
        pages=[{"page": p["page"], "text": mark(p["text"], query)} for p in text["pages"]],
        query=query,
    )


@bp.get("/documents")
@signed_in
def documents(caller: Principal) -> str:
    """Every document on the caller's cases, case by case."""
    backend = site().api(caller)
    cases = backend.get(site().workflow("/v1/cases"), limit=50)["items"]
    listed = [(case, backend.get(site().intake(f"/v1/cases/{case['id']}/evidence"))["items"]) for case in cases]
    return render_template("documents.html", user=caller, listed=listed)
