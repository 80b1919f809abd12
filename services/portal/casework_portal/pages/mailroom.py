"""The mailroom: evidence sent by email and scanned on paper (docs/design.md, 'The mailroom'). On the
case page, the case's email address for evidence (made, replaced, withdrawn by staff), the cover sheet
to print for scanned papers, and the messages held for the case's team; the Mailroom page lists held
mail across the caller's cases and the scanned pages no cover sheet filed. Intake decides who may see
and do what; these pages ask it as the caller and show its answers and refusals in words."""

from __future__ import annotations

import contextlib
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)

from casework_common.auth import Principal
from casework_common.web import attachment
from casework_portal import facts, mailroom
from casework_portal.auth import local_path
from casework_portal.backend import ApiError
from casework_portal.pages import bp, current_caller, signed_in, site

_REFUSED = "mailroom_refused_assignment"  # session key: the last "file to case" intake refused
WAITING = "waiting"  # the hold state of what still needs a decision


bp.app_context_processor(mailroom.template_helpers)


def back_to(fallback: str) -> str:
    """Where a form goes back to: the page it was on (its ``back`` field), never another site."""
    return local_path(request.form.get("back"), fallback)


def is_staff(caller: Principal) -> bool:
    return caller.has(*mailroom.STAFF) and not caller.has("member")


@bp.app_template_global("case_mailroom")
def case_mailroom(case_id: str, full: bool) -> dict[str, Any]:
    """The case page's "Send evidence by email" panel and held messages ask for their own data
    (templates/_mailroom_case.html), so intake refusing or being down leaves the rest of the page.
    Intake answers 403/404 to people who may not add evidence: then the panel is not shown."""
    found: dict[str, Any] = {
        "intake": None,
        "problem": None,
        "held": [],
        "held_problem": None,
        "sheets": [],
        "staff": False,
    }
    caller = current_caller()
    if caller is None:
        return found
    backend = site().api(caller)
    try:
        found["intake"] = backend.get(site().intake(f"/v1/cases/{case_id}/intake-address"))
    except ApiError as error:
        if error.status not in (403, 404):
            found["problem"] = error.message
    found["staff"] = full and is_staff(caller)
    if found["staff"]:
        try:
            found["held"] = backend.get(site().intake(f"/v1/cases/{case_id}/held-mail"), state=WAITING)["items"]
        except ApiError as error:
            if error.status not in (403, 404):
                found["held_problem"] = error.message
        # The list is a convenience: printing a sheet still works without it, and says why if it cannot.
        with contextlib.suppress(ApiError):
            found["sheets"] = backend.get(site().intake(f"/v1/cases/{case_id}/cover-sheets"))["items"]
    return found


@bp.post("/cases/<case_id>/intake-address")
@signed_in
def create_intake_address(caller: Principal, case_id: str) -> Response:
    """A new address for the case; intake withdraws the one it had, if any."""
    replacing = request.form.get("replacing") == "yes"
    made = site().api(caller).post_json(site().intake(f"/v1/cases/{case_id}/intake-address"))
    address = made["address"]
    if replacing:
        flash(f"The case's new address is {address}. The old one no longer takes mail.")
    else:
        flash(f"The case's address is {address}. Give it to the member and anyone sending evidence.")
    return redirect(url_for("pages.case", case_id=case_id) + "#send-evidence")


@bp.post("/cases/<case_id>/intake-address/withdraw")
@signed_in
def withdraw_intake_address(caller: Principal, case_id: str) -> Response:
    site().api(caller).delete(site().intake(f"/v1/cases/{case_id}/intake-address"))
    flash("The case's address is withdrawn: mail sent to it is refused. The general address still works.")
    return redirect(url_for("pages.case", case_id=case_id) + "#send-evidence")


@bp.post("/cases/<case_id>/cover-sheet")
@signed_in
def print_cover_sheet(caller: Principal, case_id: str) -> Response:
    """The cover sheet's PDF, made by intake for this caller and case, handed on as a download."""
    body = {"visibility": mailroom.visibility(request.form.get("visibility"))}
    sheet = site().api(caller).post_for_file(site().intake(f"/v1/cases/{case_id}/cover-sheets"), body)
    reference = request.form.get("reference", "") or case_id
    headers = {"Content-Disposition": attachment(mailroom.cover_sheet_filename(reference))}
    headers["Cache-Control"] = "no-store"  # a sheet files papers to the case: no copies in caches
    return Response(sheet.content, mimetype="application/pdf", headers=headers)


@bp.post("/cases/<case_id>/cover-sheets/<sheet_id>/withdraw")
@signed_in
def withdraw_cover_sheet(caller: Principal, case_id: str, sheet_id: str) -> Response:
    """A lost or wrong sheet files nothing from now on: pages scanned behind it wait in the Mailroom."""
    site().api(caller).delete(site().intake(f"/v1/cover-sheets/{sheet_id}"))
    flash("Cover sheet withdrawn: pages scanned behind it will wait in the Mailroom instead of being filed.")
    return redirect(url_for("pages.case", case_id=case_id) + "#cover-sheets")


@bp.post("/held-mail/<held_id>/accept")
@signed_in
def accept_held_mail(caller: Principal, held_id: str) -> Response:
    body = {"visibility": mailroom.visibility(request.form.get("visibility"))}
    done = site().api(caller).post_json(site().intake(f"/v1/held-mail/{held_id}/accept"), body)
    held = done.get("held") or {}
    count = len(done.get("items") or []) or 1
    reference = held.get("case_reference") or "the case"
    flash(f"Accepted: the message is now evidence on {reference} ({count} item(s)).")
    return redirect(back_to(url_for("pages.mailroom_queues")))


@bp.post("/held-mail/<held_id>/reject")
@signed_in
def reject_held_mail(caller: Principal, held_id: str) -> Response:
    site().api(caller).post_json(site().intake(f"/v1/held-mail/{held_id}/reject"))
    flash("Rejected: the message is deleted and was not added to the case.")
    return redirect(back_to(url_for("pages.mailroom_queues")))


@bp.get("/held-mail/<held_id>/message.eml")
@signed_in
def held_mail_message(caller: Principal, held_id: str) -> Response:
    """The held message itself, to open in a mail program before deciding. Always a download:
    a message from a stranger is never shown as a page of this site."""
    chunks, headers = site().api(caller).get_stream(site().intake(f"/v1/held-mail/{held_id}/content"))
    headers.setdefault("Content-Disposition", attachment(f"held-message-{held_id}.eml"))
    headers["Cache-Control"] = "no-store"
    return Response(stream_with_context(chunks), mimetype="message/rfc822", headers=headers)


@bp.get("/mailroom")
@signed_in
def mailroom_queues(caller: Principal) -> str:
    """Held mail across the caller's cases and the scanned pages waiting to be filed."""
    if not is_staff(caller):
        abort(403, "The mailroom is for the staff who work on cases.")
    backend = site().api(caller)
    held, held_problem = [], None
    try:
        held = backend.get(site().intake("/v1/held-mail"))["items"]  # the waiting ones
    except ApiError as error:
        held_problem = error.message
    unfiled, unfiled_problem = [], None
    try:
        unfiled = backend.get(site().intake("/v1/unfiled"), state=WAITING)["items"]
    except ApiError as error:
        unfiled_problem = error.message
    return render_template(
        "mailroom.html",
        user=caller,
        held=held,
        held_problem=held_problem,
        unfiled=unfiled,
        unfiled_problem=unfiled_problem,
        refused=session.pop(_REFUSED, None),
    )


@bp.get("/unfiled/<part_id>/pages.pdf")
@signed_in
def unfiled_pages(caller: Principal, part_id: str) -> Response:
    """The part's pages as intake split them: shown in the browser, or saved with ?download=1."""
    chunks, headers = site().api(caller).get_stream(site().intake(f"/v1/unfiled/{part_id}/content"))
    if not request.args.get("download"):
        headers["Content-Disposition"] = "inline"
    headers["Cache-Control"] = "no-store"
    return Response(stream_with_context(chunks), mimetype="application/pdf", headers=headers)


@bp.post("/unfiled/<part_id>/assign")
@signed_in
def assign_unfiled(caller: Principal, part_id: str) -> Response:
    """File a part to the case whose reference was typed (as people type it). A refusal goes back
    beside the part's form with what was typed."""
    typed = request.form.get("case", "").strip()
    back = url_for("pages.mailroom_queues") + f"#part-{part_id}"
    if not typed:
        session[_REFUSED] = {"part": part_id, "typed": "", "message": "Type the case's reference."}
        return redirect(back)
    body = {
        "case": mailroom.typed_reference(typed),
        "visibility": mailroom.visibility(request.form.get("visibility")),
    }
    try:
        done = site().api(caller).post_json(site().intake(f"/v1/unfiled/{part_id}/assign"), body)
    except ApiError as error:
        if error.status not in (400, 404, 409, 422):
            raise
        message = facts.field_messages(error.fields).get("case") or error.message
        session[_REFUSED] = {"part": part_id, "typed": typed, "message": message}
        return redirect(back)
    part = done.get("part") or {}
    flash(f"Filed to {part.get('case_reference') or body['case']}: {mailroom.pages_text(part)} of the scan.")
    return redirect(url_for("pages.mailroom_queues"))


@bp.post("/unfiled/<part_id>/discard")
@signed_in
def discard_unfiled(caller: Principal, part_id: str) -> Response:
    site().api(caller).post_json(site().intake(f"/v1/unfiled/{part_id}/reject"))
    flash("Discarded: those scanned pages are deleted and were not filed to any case.")
    return redirect(url_for("pages.mailroom_queues"))
