"""Subject access and Freedom of Information requests on a case: the list on the case page (a
section asking for its own data), the form that makes one from workflow's template, the request's
page with its letter (copy, download as text), recording it sent, extended and answered (the reply's
documents uploaded to intake as evidence of the case, their ids sent to workflow), the complaint
letter once it is overdue, and the guidance page. Workflow fills the templates and computes the dates."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from casework_common.auth import Principal
from casework_common.web import attachment
from casework_portal import deadlines
from casework_portal.backend import ApiError
from casework_portal.pages import bp, current_caller, signed_in, site

KINDS = {"subject_access": "Subject access request", "foi": "Freedom of Information request"}
# What each kind asks for, as the form explains it.
KIND_HINTS = {
    "subject_access": "The member's personal data held by the employer (UK GDPR Article 15).",
    "foi": "Recorded information held by a public body (an NHS trust, a council, a school, a government body).",
}
STATUS = {
    "draft": "Not sent yet",
    "sent": "Sent, waiting for the reply",
    "extended": "Sent; the reply is extended",
    "replied": "Answered",
    "withdrawn": "Withdrawn",
}
EVIDENCE_WAIT_S = 20  # how long a reply waits for workflow to learn of its just-uploaded documents
# What each letter of an overdue request's next steps is.
STAGES = {"review": "Ask for a review", "complaint": "Complaint", "request": "Request"}


def create_body(form: MultiDict[str, str]) -> dict[str, Any]:
    """Workflow's new-request JSON from the form; optional fields left out when blank."""
    body: dict[str, Any] = {
        "kind": form.get("kind", ""),
        "recipient": form.get("recipient", "").strip(),
        "requested": form.get("requested", "").strip(),
    }
    for optional in ("recipient_email", "jurisdiction"):
        if form.get(optional, "").strip():
            body[optional] = form[optional].strip()
    return body


def letter_text(letter: dict[str, Any] | None) -> str:
    """A generated letter as plain text: its subject line, then its body."""
    letter = letter or {}
    subject, body = letter.get("subject") or "", letter.get("body") or ""
    return f"Subject: {subject}\n\n{body}\n" if subject else f"{body}\n"


def filename(reference: str, what: str) -> str:
    """A download's file name from the case reference, e.g. "BR-2026-0012-subject-access-request.txt"."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in reference) or "case"
    return f"{safe}-{what}.txt"


def requests_url(case_id: str, request_id: str = "", tail: str = "") -> str:
    path = f"/v1/cases/{case_id}/information-requests"
    return site().workflow(path + (f"/{request_id}" if request_id else "") + tail)


@bp.app_template_global("case_information_requests")
def case_information_requests(case_id: str) -> dict[str, Any]:
    """The case page's list; workflow says who may see requests (staff with full access)."""
    caller = current_caller()
    if caller is None:
        return {"items": [], "problem": None}
    try:
        return {"items": site().api(caller).get(requests_url(case_id))["items"], "problem": None}
    except ApiError as error:
        return {"items": [], "problem": None if error.status in (403, 404) else error.message}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"request_kinds": KINDS, "request_status": STATUS}


@bp.route("/cases/<case_id>/information-requests/new", methods=["GET", "POST"])
@signed_in
def new_information_request(caller: Principal, case_id: str) -> Any:
    backend = site().api(caller)
    case = backend.get(site().workflow(f"/v1/cases/{case_id}"))
    if case["your_access"] != "full" or caller.has("member"):
        abort(403, "Requests for information are made by the staff working on the case.")
    employer = (case.get("member") or {}).get("employer") or ""
    values: dict[str, Any] = {"kind": request.args.get("kind", "subject_access"), "recipient": employer}
    problem = None
    if request.method == "POST":
        values = dict(request.form)
        try:
            created = backend.post_json(requests_url(case_id), create_body(request.form))
        except ApiError as error:
            if error.status not in (400, 422):
                raise
            problem = error
        else:
            kind = KINDS.get(created.get("kind", ""), "Request")
            flash(f"{kind} drafted. Check the letter, send it, then record when.")
            return redirect(url_for("pages.information_request", case_id=case_id, request_id=created["id"]))
    errors = deadlines.field_messages(problem.fields) if problem else {}
    return render_template(
        "information_request_new.html",
        user=caller,
        case=case,
        values=values,
        problem=problem,
        errors=errors,
        kinds=KINDS,
        hints=KIND_HINTS,
        jurisdictions=deadlines.JURISDICTIONS,
    ), (422 if problem else 200)


def request_page(
    caller: Principal,
    case_id: str,
    request_id: str,
    form: str = "",
    problem: ApiError | None = None,
    ticked: list[str] | None = None,
) -> Any:
    """The request's page; ``form`` names the form workflow refused, shown again as typed with the reasons."""
    backend = site().api(caller)
    case = backend.get(site().workflow(f"/v1/cases/{case_id}"))
    record = backend.get(requests_url(case_id, request_id))
    evidence = backend.get(site().intake(f"/v1/cases/{case_id}/evidence"))["items"]
    return render_template(
        "information_request.html",
        user=caller,
        case=case,
        req=record,
        letter=letter_text(record.get("letter")),
        evidence=evidence,
        refused_form=form,
        problem=problem,
        errors=deadlines.field_messages(problem.fields) if problem else {},
        typed=request.form if problem else {},
        ticked=ticked or [],
    ), (422 if problem else 200)


@bp.get("/cases/<case_id>/information-requests/<request_id>")
@signed_in
def information_request(caller: Principal, case_id: str, request_id: str) -> Any:
    return request_page(caller, case_id, request_id)


def act(caller: Principal, case_id: str, request_id: str, form: str, tail: str, body: dict[str, Any], done: str) -> Any:
    """Send one of the request's forms to workflow; a refusal is shown beside that form (a reply's
    documents, already added to the case, stay ticked so nothing is uploaded twice)."""
    try:
        site().api(caller).post_json(requests_url(case_id, request_id, tail), body)
    except ApiError as error:
        if error.status not in (400, 409, 422):
            raise
        return request_page(caller, case_id, request_id, form, error, body.get("evidence_ids"))
    flash(done)
    return redirect(url_for("pages.information_request", case_id=case_id, request_id=request_id))


@bp.post("/cases/<case_id>/information-requests/<request_id>/sent")
@signed_in
def information_request_sent(caller: Principal, case_id: str, request_id: str) -> Any:
    body = {"sent_on": request.form.get("sent_on", "").strip()}
    if request.form.get("received_on", "").strip():
        body["received_on"] = request.form["received_on"].strip()
    return act(caller, case_id, request_id, "sent", "/sent", body, "Recorded as sent. The clock has started.")


@bp.post("/cases/<case_id>/information-requests/<request_id>/extension")
@signed_in
def information_request_extension(caller: Principal, case_id: str, request_id: str) -> Any:
    body = {
        "notified_on": request.form.get("notified_on", "").strip(),
        "reason": request.form.get("reason", "").strip(),
    }
    done = "Extension recorded: the deadline moved."
    return act(caller, case_id, request_id, "extension", "/extension", body, done)


@bp.post("/cases/<case_id>/information-requests/<request_id>/withdraw")
@signed_in
def information_request_withdraw(caller: Principal, case_id: str, request_id: str) -> Any:
    return act(caller, case_id, request_id, "", "/withdraw", {}, "Request withdrawn; its deadline is withdrawn too.")


@bp.post("/cases/<case_id>/information-requests/<request_id>/reply")
@signed_in
def information_request_reply(caller: Principal, case_id: str, request_id: str) -> Any:
    """The reply: its documents go to intake as evidence of the case (the same upload as the case
    page's), then workflow gets their ids, with any documents already on the case that were ticked."""
    backend = site().api(caller)
    ids = list(request.form.getlist("evidence_ids"))
    files = [f for f in request.files.getlist("file") if f.filename]
    if files:
        visibility = request.form.get("visibility", "reps")
        uploaded = backend.post_files(
            site().intake(f"/v1/cases/{case_id}/evidence"),
            {"visibility": visibility},
            [(f.filename or "reply", f.stream, f.mimetype or "application/octet-stream") for f in files],
        )
        ids += [item["id"] for item in uploaded["items"]]
    body = {"received_on": request.form.get("received_on", "").strip(), "evidence_ids": ids}
    if files:
        # Workflow knows a document is on the case once intake's upload event reaches it (through
        # Kafka, usually well under a second): until then it refuses the new ids alone; ask again.
        deadline = time.monotonic() + EVIDENCE_WAIT_S
        while True:
            try:
                backend.post_json(requests_url(case_id, request_id, "/reply"), body)
                break
            except ApiError as error:
                if set(error.fields) != {"evidence_ids"} or time.monotonic() > deadline:
                    if error.status not in (400, 409, 422):
                        raise
                    return request_page(caller, case_id, request_id, "reply", error, ids)
                time.sleep(0.5)
        flash(f"Reply recorded with {len(ids)} document(s) added to the case. The deadline is met.")
        return redirect(url_for("pages.information_request", case_id=case_id, request_id=request_id))
    count = f" with {len(ids)} document(s) from the case" if ids else ""
    return act(caller, case_id, request_id, "reply", "/reply", body, f"Reply recorded{count}. The deadline is met.")


@bp.get("/cases/<case_id>/information-requests/<request_id>/letter.txt")
@signed_in
def information_request_letter(caller: Principal, case_id: str, request_id: str) -> Response:
    backend = site().api(caller)
    case = backend.get(site().workflow(f"/v1/cases/{case_id}"))
    record = backend.get(requests_url(case_id, request_id))
    name = filename(case["reference"], record.get("kind", "request").replace("_", "-") + "-request")
    return text_download(letter_text(record.get("letter")), name)


@bp.get("/cases/<case_id>/information-requests/<request_id>/complaint")
@signed_in
def information_request_complaint(caller: Principal, case_id: str, request_id: str) -> Any:
    backend = site().api(caller)
    case = backend.get(site().workflow(f"/v1/cases/{case_id}"))
    record = backend.get(requests_url(case_id, request_id))
    complaint = backend.get(requests_url(case_id, request_id, "/complaint"))
    letters = [{**letter, "text": letter_text(letter)} for letter in complaint.get("letters") or []]
    wanted = request.args.get("download", type=int)
    if wanted:
        if not 1 <= wanted <= len(letters):
            abort(404, "There is no such letter.")
        letter = letters[wanted - 1]
        return text_download(letter["text"], filename(case["reference"], f"{letter.get('stage', 'letter')}"))
    return render_template(
        "information_complaint.html",
        user=caller,
        case=case,
        req=record,
        complaint=complaint,
        letters=letters,
        stages=STAGES,
    )


@bp.get("/information-requests/guidance")
@signed_in
def information_guidance(caller: Principal) -> str:
    guidance = site().api(caller).get(site().workflow("/v1/information-requests/guidance"))
    return render_template("information_guidance.html", user=caller, guidance=guidance)


def text_download(text: str, name: str) -> Response:
    """A letter as a plain-text file to save."""
    return Response(text, mimetype="text/plain", headers={"Content-Disposition": attachment(name)})
