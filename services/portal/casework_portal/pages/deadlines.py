"""Deadlines: the case page's clocks (a section asking for its own data, like bundles), the form for
the facts workflow computes them from, marking one met or withdrawn, adding one by hand, and the
staff's "deadlines in the next 14 days" page. Workflow computes and decides; these pages show it."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for

from casework_common.auth import Principal
from casework_common.vocabulary import STAFF_ROLES
from casework_portal import deadlines
from casework_portal.backend import ApiError
from casework_portal.pages import bp, current_caller, signed_in, site

SOON_DAYS = 14  # the staff page's window, as the issue names it
STAFF = STAFF_ROLES
STATE_DONE = {"met": "marked as met", "withdrawn": "withdrawn", "open": "reopened"}
VISIBILITY_DONE = {"member": "is shown to the member", "reps": "is for the reps only"}


bp.app_context_processor(deadlines.template_helpers)


@bp.app_template_global("case_deadlines")
def case_deadlines(case_id: str, full: bool) -> dict[str, Any]:
    """The case page's Deadlines section asks for its data itself (templates/_deadlines.html), so
    the case page's view stays as it is and workflow refusing it leaves the rest of the page.
    Staff with full access also get the facts and the rule set's claim types for the form."""
    caller = current_caller()
    found: dict[str, Any] = {"items": [], "problem": None, "facts": None, "claim_types": [], "editable": False}
    if caller is None:
        return found
    backend = site().api(caller)
    try:
        found["items"] = backend.get(site().workflow(f"/v1/cases/{case_id}/deadlines"))["items"]
    except ApiError as error:
        found["problem"] = error.message
        return found
    if full and not caller.has("member"):
        try:
            found["facts"] = backend.get(site().workflow(f"/v1/cases/{case_id}/deadline-facts"))
            found["claim_types"] = deadlines.claim_types(backend.get(site().workflow("/v1/deadline-rules")))
            found["editable"] = True
        except ApiError as error:
            if error.status not in (403, 404):
                found["problem"] = error.message
    return found


@bp.post("/cases/<case_id>/deadline-facts")
@signed_in
def save_deadline_facts(caller: Principal, case_id: str) -> Response:
    """Send the facts to workflow, which recomputes the case's deadlines; a refusal goes back to the
    form with every field as typed and each reason beside its field."""
    back = url_for("pages.case", case_id=case_id) + "#deadline-facts"
    try:
        saved = (
            site()
            .api(caller)
            .put_json(site().workflow(f"/v1/cases/{case_id}/deadline-facts"), deadlines.facts_body(request.form))
        )
    except ApiError as error:
        if error.status not in (400, 422):
            raise
        messages = deadlines.field_messages(error.fields)
        deadlines.keep_refusal(case_id, deadlines.typed_values(request.form), messages, error.message)
        return redirect(back)
    flash(f"Deadline facts saved. {deadlines.recomputed_sentence(saved.get('recomputed') or {})}")
    return redirect(url_for("pages.case", case_id=case_id) + "#deadlines")


@bp.post("/cases/<case_id>/deadlines/<deadline_id>/state")
@signed_in
def set_deadline_state(caller: Principal, case_id: str, deadline_id: str) -> Response:
    """Mark a deadline met, withdrawn or open again, or show it to the member or the reps only."""
    state, visibility = request.form.get("state", ""), request.form.get("visibility", "")
    body: dict[str, str] = {}
    if state in STATE_DONE:
        body["state"] = state
    elif visibility in VISIBILITY_DONE:
        body["visibility"] = visibility
    else:
        abort(400, "Choose whether the deadline was met, withdrawn or is open again, or who sees it.")
    if request.form.get("reason", "").strip():
        body["reason"] = request.form["reason"].strip()
    done = site().api(caller).patch_json(site().workflow(f"/v1/cases/{case_id}/deadlines/{deadline_id}"), body)
    what = STATE_DONE[state] if "state" in body else VISIBILITY_DONE[visibility]
    flash(f"“{done.get('label', 'The deadline')}” {what}.")
    return redirect(url_for("pages.case", case_id=case_id) + "#deadlines")


@bp.post("/cases/<case_id>/deadlines")
@signed_in
def add_deadline(caller: Principal, case_id: str) -> Response:
    """A deadline workflow cannot compute (a date from the employer's policy, a hearing's bundle date)."""
    body = {
        "kind": request.form.get("kind", ""),
        "label": request.form.get("label", "").strip(),
        "due_on": request.form.get("due_on", "").strip(),
        "visibility": request.form.get("visibility", "reps"),
    }
    added = site().api(caller).post_json(site().workflow(f"/v1/cases/{case_id}/deadlines"), body)
    flash(f"Deadline “{added.get('label', body['label'])}” added: {deadlines.long_date(added.get('due_on'))}.")
    return redirect(url_for("pages.case", case_id=case_id) + "#deadlines")


@bp.get("/deadlines")
@signed_in
def deadlines_soon(caller: Principal) -> str:
    """Open deadlines due in the next 14 days, and overdue ones, on every case the caller has in full."""
    if not caller.has(*STAFF):
        abort(403, "This page lists the deadlines of the cases staff work on.")
    items = site().api(caller).get(site().workflow("/v1/deadlines"), within_days=SOON_DAYS)["items"]
    return render_template("deadlines_soon.html", user=caller, items=items, within_days=SOON_DAYS)
