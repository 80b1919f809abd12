"""Data protection in the portal: the DPO's "Retention" page (what a retention run would remove on a day,
erasure requests and their progress, legal holds by case id) and the legal-hold control on a case page
(officials of the case's region). Workflow decides who may; these pages only ask it as the caller."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, request, url_for

from casework_common.auth import Principal
from casework_portal.backend import ApiError
from casework_portal.pages import bp, signed_in, site


def hold_of(caller: Principal, case_id: str) -> dict[str, Any] | None:
    """The case's legal hold for the case page, if the caller may set one (else None: no control)."""
    if not caller.has("official", "admin", "dpo"):
        return None
    try:
        return site().api(caller).get(site().workflow(f"/v1/cases/{quote(case_id, safe='')}/legal-hold"))
    except ApiError:  # another region's official, or workflow busy: the page works without it
        return None


def officer(caller: Principal) -> None:
    if not caller.has("dpo", "admin"):
        abort(403, "Only the data-protection officer and administrators see retention.")


@bp.get("/data-protection/retention")
@signed_in
def retention(caller: Principal) -> Any:
    officer(caller)
    as_of = request.args.get("as_of", "").strip()
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        day, as_of = None, ""
        flash("The day must be a date (YYYY-MM-DD); today is shown.")
    backend = site().api(caller)
    due = backend.get(
        site().workflow("/v1/data-protection/retention/due"), **({"as_of": day.isoformat()} if day else {})
    )
    requests_ = (
        backend.get(site().workflow("/v1/data-protection/erasure-requests"))["items"] if caller.has("dpo") else []
    )
    page = render_template("retention.html", user=caller, due=due, as_of=as_of, erasure_requests=requests_)
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/data-protection/erasure-requests")
@signed_in
def request_erasure(caller: Principal) -> Response:
    body = {"case_id": request.form.get("case_id", "").strip(), "reason": request.form.get("reason", "").strip()}
    try:
        answer = site().api(caller).post_json(site().workflow("/v1/data-protection/erasure-requests"), body)
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        flash(f"Not erased: {error.message}")
    else:
        flash(f"Erasure of {answer['reference']} started: each service confirms as it removes its copies.")
    return redirect(url_for("pages.retention") + "#erasure")


def change_hold(caller: Principal, case_id: str) -> None:
    """Set (``action`` set, with a reason) or release (``action`` release) a case's legal hold."""
    action = request.form.get("action")
    path = site().workflow(f"/v1/cases/{quote(case_id, safe='')}/legal-hold")
    try:
        if action == "set":
            site().api(caller).put_json(path, {"reason": request.form.get("reason", "").strip()})
            flash("Legal hold set: nothing about this case will be removed until it is released.")
        elif action == "release":
            site().api(caller).delete_json(path)
            flash("Legal hold released.")
        else:
            abort(400, "Choose whether to set or release the hold.")
    except ApiError as error:
        if error.status not in (404, 422):
            raise
        flash(f"Not changed: {error.message}")


@bp.post("/cases/<case_id>/legal-hold")
@signed_in
def legal_hold(caller: Principal, case_id: str) -> Response:
    """From the case page, and back to it."""
    change_hold(caller, case_id)
    return redirect(url_for("pages.case", case_id=case_id) + "#legal-hold")


@bp.post("/data-protection/legal-hold")
@signed_in
def legal_hold_by_id(caller: Principal) -> Response:
    """From the Retention page (a case the DPO or an administrator cannot open), and back to it."""
    change_hold(caller, request.form.get("case_id", "").strip())
    return redirect(url_for("pages.retention") + "#holds")
