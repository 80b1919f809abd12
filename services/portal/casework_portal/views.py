"""Pages: my cases, a case with its evidence and upload form, search."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, validate_csrf
from markupsafe import Markup

from casework_common.auth import Principal
from casework_portal.auth import Auth, login_required
from casework_portal.backend import ApiError, Backend
from casework_portal.settings import PortalSettings

STATUS_LABELS = {
    "received": "Received",
    "scanning": "Checking the file",
    "extracting": "Reading the text",
    "indexed": "Searchable",
    "failed": "Could not be processed",
    "quarantined": "Quarantined: it contains a virus",
    "password_protected": "Password protected",
    "unreadable": "Unreadable",
    "not_indexed": "Stored, not searchable",
    "unpacked": "Unpacked into separate files",
}
# Filters the search page offers, as facets, in this order, with their headings.
FACET_TITLES = {
    "case": "Case",
    "employer": "Employer",
    "case_type": "Case type",
    "doc_type": "Document type",
    "branch": "Branch",
}
# Button labels for the referral protocol's actions; workflow says which are allowed.
ACTION_LABELS = {
    "agree": "Agree the referral",
    "decline": "Decline the referral",
    "request_pack": "Ask the branch for the pack",
    "submit_pack": "Send the pack",
    "return_pack": "Return the pack",
    "confirm_pack": "Confirm the pack",
    "advise_member": "Advise the member",
    "take_on": "Take the case on",
    "return_to_branch": "Return to the branch",
    "close": "Close the referral",
    "withdraw": "Withdraw the referral",
}
# Trend API parameters the trends page passes through (the API validates them).
TREND_PARAMS = ("level", "period", "employer", "case_type", "opened_from", "opened_to")
# Search API parameters the search page passes through (the API validates them).
SEARCH_PARAMS = ("case_id", "employer", "case_type", "doc_type", "branch", "region", "sort", "cursor")
TERMINAL = tuple(s for s in STATUS_LABELS if s not in ("received", "scanning", "extracting"))


def blueprint(auth: Auth, settings: PortalSettings) -> Blueprint:
    bp = Blueprint("pages", __name__)
    signed_in = login_required(auth)

    def api(user: Principal) -> Backend:
        return Backend(user.token)

    @bp.get("/")
    def home() -> Any:
        user = auth.principal()
        if user is None:
            return render_template("welcome.html")
        cases = api(user).get(f"{settings.workflow_url}/v1/cases")["items"]
        return render_template("home.html", user=user, cases=cases)

    @bp.get("/cases/<case_id>")
    @signed_in
    def case(user: Principal, case_id: str) -> str:
        backend = api(user)
        record = backend.get(f"{settings.workflow_url}/v1/cases/{case_id}")
        evidence = backend.get(f"{settings.intake_url}/v1/cases/{case_id}/evidence")["items"]
        timeline = backend.get(f"{settings.workflow_url}/v1/cases/{case_id}/timeline")["items"]
        # Members get no referrals here: they learn of one through their timeline once advised.
        referrals = backend.get(f"{settings.workflow_url}/v1/cases/{case_id}/referrals")["items"]
        return render_template(
            "case.html",
            user=user,
            case=record,
            evidence=evidence,
            timeline=timeline,
            referrals=referrals,
            branch_staff=user.has("rep", "coordinator"),
            actions=ACTION_LABELS,
            labels=STATUS_LABELS,
            terminal=TERMINAL,
        )

    @bp.post("/cases/<case_id>/referrals")
    @signed_in
    def request_referral(user: Principal, case_id: str) -> Response:
        body = {"target": request.form.get("target", ""), "reason": request.form.get("reason", "").strip()}
        api(user).post_json(f"{settings.workflow_url}/v1/cases/{case_id}/referrals", body)
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
        done = api(user).post_json(f"{settings.workflow_url}/v1/referrals/{referral_id}/transitions", body)
        flash(f"Done: {ACTION_LABELS.get(action, action)}. The referral is now {done['state'].replace('_', ' ')}.")
        back = request.form.get("back", "")
        # Only back to a page of this site: never an open redirect.
        return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("pages.home"))

    @bp.get("/trends")
    @signed_in
    def trends(user: Principal) -> str:
        params = {k: request.args.getlist(k) for k in TREND_PARAMS if request.args.getlist(k)}
        counted = api(user).get(f"{settings.search_url}/v1/trends", **params)
        top = max((b["count"] for b in counted["buckets"]), default=0)
        return render_template("trends.html", user=user, trends=counted, top=top, params=params)

    @bp.get("/trends.csv")
    @signed_in
    def trends_csv(user: Principal) -> Response:
        params = {k: request.args.getlist(k) for k in TREND_PARAMS if request.args.getlist(k)}
        text = api(user).get_text(f"{settings.search_url}/v1/trends", **params, format="csv")
        return Response(
            text, mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="casework-trends.csv"'}
        )

    @bp.get("/referrals")
    @signed_in
    def referral_queue(user: Principal) -> str:
        items = api(user).get(f"{settings.workflow_url}/v1/referrals")["items"]
        return render_template("referrals.html", user=user, referrals=items, actions=ACTION_LABELS)

    @bp.get("/cases/<case_id>/evidence.json")
    @signed_in
    def evidence_status(user: Principal, case_id: str) -> Response:
        items = api(user).get(f"{settings.intake_url}/v1/cases/{case_id}/evidence")["items"]
        return jsonify(
            items=[
                {
                    "id": i["id"],
                    "status": i["status"],
                    "label": STATUS_LABELS.get(i["status"], i["status"]),
                    "reason": i["status_reason"],
                    "pages_done": i["pages_done"],
                    "terminal": i["status"] in TERMINAL,
                }
                for i in items
            ]
        )

    @bp.post("/cases/<case_id>/upload")
    @signed_in
    def upload(user: Principal, case_id: str) -> Response:
        # The body is streamed straight to intake, so the CSRF token travels in the query
        # string (the form field would require parsing the whole upload here).
        try:
            validate_csrf(request.args.get("csrf_token", ""))
        except Exception as exc:
            raise CSRFError("The form expired; reload the page and try again.") from exc
        stream = request.stream
        body = iter(lambda: stream.read(64 * 1024), b"")
        result = api(user).post_stream(
            f"{settings.intake_url}/v1/cases/{case_id}/evidence", body, request.headers.get("Content-Type", "")
        )
        flash(f"{len(result['items'])} file(s) received. They become searchable once processed.")
        return redirect(url_for("pages.case", case_id=case_id))

    @bp.get("/search")
    @signed_in
    def search(user: Principal) -> Any:
        query = request.args.get("q", "").strip()
        # Only the search API's own parameters pass through; it validates them.
        params = {k: request.args.getlist(k) for k in SEARCH_PARAMS if request.args.getlist(k)}
        results, problem = None, None
        if query:
            try:
                results = api(user).get(f"{settings.search_url}/v1/search", **{**params, "q": query})
            except ApiError as error:
                if error.status not in (400, 422):
                    raise
                problem = error.message
        if results:
            for item in results["items"]:
                # Fragments are HTML-escaped by the search service; only <mark> is markup.
                item["highlights"] = [Markup(fragment) for fragment in item["highlights"]]  # noqa: S704
        chosen = {k: set(v) for k, v in params.items()}
        return render_template(
            "search.html",
            user=user,
            query=query,
            results=results,
            problem=problem,
            chosen=chosen,
            facet_titles=FACET_TITLES,
            next_url=url_for("pages.search", **{**params, "q": query, "cursor": results["next_cursor"]})
            if results and results["next_cursor"]
            else None,
        )

    return bp


def api_error_page(error: ApiError) -> Any:
    if error.status == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return render_template("error.html", message=error.message), error.status
