"""The referral protocol in the browser: a rep's request, the actions workflow allows each
caller, the officials' queue, and support requests."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from casework_common.auth import Principal
from casework_portal import labels
from casework_portal.auth import local_path
from casework_portal.pages import bp, signed_in, site


@bp.post("/cases/<case_id>/referrals")
@signed_in
def request_referral(caller: Principal, case_id: str) -> Response:
    body = {"target": request.form.get("target", ""), "reason": request.form.get("reason", "").strip()}
    site().api(caller).post_json(site().workflow(f"/v1/cases/{case_id}/referrals"), body)
    flash("Referral discussion requested. The regional official will be in touch.")
    return redirect(url_for("pages.case", case_id=case_id))


@bp.post("/referrals/<referral_id>/act")
@signed_in
def act_on_referral(caller: Principal, referral_id: str) -> Response:
    action = request.form.get("action", "")
    body: dict[str, Any] = {"action": action}
    if request.form.get("reasons", "").strip():
        body["reasons"] = request.form["reasons"].strip()
    if request.form.get("pack_summary", "").strip():
        body["pack"] = {"summary": request.form["pack_summary"].strip()}
    done = site().api(caller).post_json(site().workflow(f"/v1/referrals/{referral_id}/transitions"), body)
    label = labels.REFERRAL_ACTIONS.get(action, action)
    flash(f"Done: {label}. The referral is now {labels.human(done['state'])}.")
    return redirect(local_path(request.form.get("back"), url_for("pages.home")))


@bp.get("/referrals")
@signed_in
def referral_queue(caller: Principal) -> str:
    items = site().api(caller).get(site().workflow("/v1/referrals"))["items"]
    return render_template("referrals.html", user=caller, referrals=items)


@bp.post("/cases/<case_id>/support")
@signed_in
def request_support(caller: Principal, case_id: str) -> Response:
    body = {"to": request.form.get("to", ""), "question": request.form.get("question", "").strip()}
    asked = site().api(caller).post_json(site().workflow(f"/v1/cases/{case_id}/support-requests"), body)
    # Only coordinators ask the caseworker directly (docs/design.md, 'Referral protocol'): a rep asking
    # the caseworker is referred back to the official; say so.
    flash(asked.get("message") or f"Your question has gone to the {asked['to']}.")
    return redirect(url_for("pages.case", case_id=case_id))


@bp.get("/support")
@signed_in
def support_queue(caller: Principal) -> str:
    items = site().api(caller).get(site().workflow("/v1/support-requests"))["items"]
    return render_template("support.html", user=caller, requests=items)


@bp.post("/support/<request_id>/answer")
@signed_in
def answer_support(caller: Principal, request_id: str) -> Response:
    body = {"answer": request.form.get("answer", "").strip()}
    site().api(caller).post_json(site().workflow(f"/v1/support-requests/{request_id}/answer"), body)
    flash("Answer sent.")
    return redirect(url_for("pages.support_queue"))
