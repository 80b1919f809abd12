"""The referral protocol in the browser: a rep's request, the actions workflow allows each
user, the officials' queue, and support requests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from casework_common.auth import Principal
from casework_portal import labels
from casework_portal.auth import local_path
from casework_portal.pages import Pages


def register(bp: Blueprint, pages: Pages) -> None:
    signed_in = pages.signed_in

    @bp.post("/cases/<case_id>/referrals")
    @signed_in
    def request_referral(user: Principal, case_id: str) -> Response:
        body = {"target": request.form.get("target", ""), "reason": request.form.get("reason", "").strip()}
        pages.api(user).post_json(pages.workflow(f"/v1/cases/{case_id}/referrals"), body)
        flash("Referral discussion requested. The regional official will be in touch.")
        return redirect(url_for("pages.case", case_id=case_id))

    @bp.post("/referrals/<referral_id>/act")
    @signed_in
    def act_on_referral(user: Principal, referral_id: str) -> Response:
        action = request.form.get("action", "")
        body: dict[str, Any] = {"action": action}
        if request.form.get("reasons", "").strip():
            body["reasons"] = request.form["reasons"].strip()
        if request.form.get("pack_summary", "").strip():
            body["pack"] = {"summary": request.form["pack_summary"].strip()}
        done = pages.api(user).post_json(pages.workflow(f"/v1/referrals/{referral_id}/transitions"), body)
        label = labels.REFERRAL_ACTIONS.get(action, action)
        flash(f"Done: {label}. The referral is now {labels.human(done['state'])}.")
        return redirect(local_path(request.form.get("back"), url_for("pages.home")))

    @bp.get("/referrals")
    @signed_in
    def referral_queue(user: Principal) -> str:
        items = pages.api(user).get(pages.workflow("/v1/referrals"))["items"]
        return render_template("referrals.html", user=user, referrals=items)

    @bp.post("/cases/<case_id>/support")
    @signed_in
    def request_support(user: Principal, case_id: str) -> Response:
        body = {"to": request.form.get("to", ""), "question": request.form.get("question", "").strip()}
        asked = pages.api(user).post_json(pages.workflow(f"/v1/cases/{case_id}/support-requests"), body)
        # Protocol rule 6 (docs/design.md): a rep asking the caseworker is referred back to the official; say so.
        flash(asked.get("message") or f"Your question has gone to the {asked['to']}.")
        return redirect(url_for("pages.case", case_id=case_id))

    @bp.get("/support")
    @signed_in
    def support_queue(user: Principal) -> str:
        items = pages.api(user).get(pages.workflow("/v1/support-requests"))["items"]
        return render_template("support.html", user=user, requests=items)

    @bp.post("/support/<request_id>/answer")
    @signed_in
    def answer_support(user: Principal, request_id: str) -> Response:
        body = {"answer": request.form.get("answer", "").strip()}
        pages.api(user).post_json(pages.workflow(f"/v1/support-requests/{request_id}/answer"), body)
        flash("Answer sent.")
        return redirect(url_for("pages.support_queue"))
