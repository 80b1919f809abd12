"""Recruitment weeks: the campaign list (officials open one), a campaign's page (the region's view for
officials: plans by branch, contacts against target, highlights, branches without a plan, CSV exports,
material orders; the branch's view for its reps and coordinator: the plan, its sessions, a target list,
results, ordering materials), the highlights, a session's page with the contact log made for a phone
(static/organising.js queues entries while offline; the person picked from the branch's target list),
the session changed or removed (after a confirming page), and follow-ups. The organising service decides
who may see and do what; these pages show what it answers (docs/design.md, 'Organising: recruitment
weeks')."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from casework_common.auth import Principal
from casework_common.web import attachment
from casework_portal import organising
from casework_portal.backend import ApiError, Backend
from casework_portal.organising import FormProblem
from casework_portal.pages import bp, current_caller, signed_in, site

CSV_TABLES = {"sessions": "Sessions", "branches": "Branches", "issues": "Issues raised"}
FORM_REFUSED = (400, 409, 422)  # refusals shown beside the form's fields (the rest: the usual error page)
PICKER_LIMIT = 1000  # people of one target list offered on a contact form (a branch's list is far shorter)


def refused(form_name: str, form: MultiDict[str, str], error: ApiError | FormProblem, back: str) -> Response:
    """Back to the form's page with what was typed and each reason beside its field."""
    fields = error.fields
    message = error.message if isinstance(error, ApiError) else "Please correct the fields marked below."
    organising.keep_refusal(form_name, organising.typed_values(form), organising.field_messages(fields), message)
    return redirect(back)


def optional(backend: Backend, url: str, **params: Any) -> Any:
    """An answer a page can do without (a list another helper's endpoint gives): None when refused."""
    try:
        return backend.get(url, **params)
    except ApiError as error:
        if error.status in (401, 503):
            raise
        return None


bp.app_context_processor(organising.template_helpers)


def staff_only(caller: Principal) -> None:
    if not caller.has(*organising.STAFF):
        abort(403, "Recruitment weeks are planned and run by reps, coordinators and officials.")


@bp.get("/organising")
@signed_in
def organising_home(caller: Principal) -> str:
    """The caller's region's campaigns, newest first; officials open one here."""
    staff_only(caller)
    items = site().api(caller).get(site().organising("/v1/campaigns"))["items"]
    return render_template("organising_campaigns.html", user=caller, campaigns=items)


@bp.post("/organising/campaigns")
@signed_in
def open_campaign(caller: Principal) -> Response:
    back = url_for("pages.organising_home") + "#open-campaign"
    try:
        created = (
            site().api(caller).post_json(site().organising("/v1/campaigns"), organising.campaign_body(request.form))
        )
    except (ApiError, FormProblem) as error:
        if isinstance(error, ApiError) and error.status not in FORM_REFUSED:
            raise
        return refused("campaign", request.form, error, back)
    flash(f"Campaign “{created['name']}” opened. Branches can now add their plans.")
    return redirect(url_for("pages.organising_campaign", campaign_id=created["id"]))


@bp.get("/organising/campaigns/<campaign_id>")
@signed_in
def organising_campaign(caller: Principal, campaign_id: str) -> str:
    """The region's view for officials, the branch's view for its reps and coordinator."""
    staff_only(caller)
    backend = site().api(caller)
    campaign = backend.get(site().organising(f"/v1/campaigns/{campaign_id}"))
    results = optional(backend, site().organising(f"/v1/campaigns/{campaign_id}/results")) or {}
    orders = optional(backend, site().organising(f"/v1/campaigns/{campaign_id}/material-orders"))
    context: dict[str, Any] = {
        "user": caller,
        "campaign": campaign,
        "results": results,
        "orders": (orders or {}).get("items", []),
        "session_rows": organising.chart_rows(results.get("sessions", []), "place"),
        "branch_rows": organising.chart_rows(results.get("branches", []), "branch"),
    }
    if caller.has("official"):
        context["csv_tables"] = CSV_TABLES
        return render_template("organising_region.html", **context)
    plan = None
    if campaign.get("my_plan"):
        plan = backend.get(site().organising(f"/v1/plans/{campaign['my_plan']}"))
    lists = optional(backend, site().organising(f"/v1/campaigns/{campaign_id}/target-lists"))
    officials = campaign.get("officials") or []
    return render_template(
        "organising_branch.html",
        **context,
        plan=plan,
        target_lists=(lists or {}).get("items", []),
        officials=officials,
    )


@bp.get("/organising/plans/<plan_id>")
@signed_in
def organising_plan(caller: Principal, plan_id: str) -> str:
    """A branch's plan and its sessions (the officials' way in from the region's view)."""
    staff_only(caller)
    plan = site().api(caller).get(site().organising(f"/v1/plans/{plan_id}"))
    return render_template("organising_plan.html", user=caller, plan=plan)


@bp.post("/organising/campaigns/<campaign_id>")
@signed_in
def change_campaign(caller: Principal, campaign_id: str) -> Response:
    back = url_for("pages.organising_campaign", campaign_id=campaign_id) + "#campaign-details"
    try:
        site().api(caller).patch_json(
            site().organising(f"/v1/campaigns/{campaign_id}"), organising.campaign_body(request.form)
        )
    except (ApiError, FormProblem) as error:
        if isinstance(error, ApiError) and error.status not in FORM_REFUSED:
            raise
        return refused("campaign", request.form, error, back)
    flash("Campaign details saved.")
    return redirect(back)


@bp.post("/organising/campaigns/<campaign_id>/plan")
@signed_in
def save_plan(caller: Principal, campaign_id: str) -> Response:
    """The caller's branch's plan, created or updated."""
    back = url_for("pages.organising_campaign", campaign_id=campaign_id) + "#plan"
    if not caller.branch:
        abort(403, "Only a branch's reps and coordinator add its plan.")
    url = site().organising(f"/v1/campaigns/{campaign_id}/plans/{caller.branch}")
    try:
        site().api(caller).put_json(url, organising.plan_body(request.form))
    except ApiError as error:
        if error.status not in FORM_REFUSED:
            raise
        return refused("plan", request.form, error, back)
    flash("Your branch's plan is saved. The region can see it.")
    return redirect(back)


@bp.post("/organising/plans/<plan_id>/sessions")
@signed_in
def add_session(caller: Principal, plan_id: str) -> Response:
    campaign_id = request.form.get("campaign_id", "")
    back = url_for("pages.organising_campaign", campaign_id=campaign_id) + "#add-session"
    try:
        created = (
            site()
            .api(caller)
            .post_json(site().organising(f"/v1/plans/{plan_id}/sessions"), organising.session_body(request.form))
        )
    except (ApiError, FormProblem) as error:
        if isinstance(error, ApiError) and error.status not in FORM_REFUSED:
            raise
        return refused("session", request.form, error, back)
    flash(f"Session at {created['place']} added.")
    return redirect(url_for("pages.organising_campaign", campaign_id=campaign_id) + "#sessions")


@bp.post("/organising/plans/<plan_id>/highlight")
@signed_in
def highlight_plan(caller: Principal, plan_id: str) -> Response:
    """An official marks a branch's plan to highlight on the region's page, or takes the mark off."""
    campaign_id = request.form.get("campaign_id", "")
    url = site().organising(f"/v1/plans/{plan_id}/highlight")
    backend = site().api(caller)
    if request.form.get("highlight") == "off":
        backend.delete(url)
        flash("The plan is no longer highlighted.")
    else:
        backend.put_json(url, {"note": request.form.get("note", "").strip()})
        flash("The plan is highlighted on the region's page.")
    return redirect(url_for("pages.organising_campaign", campaign_id=campaign_id) + "#plans")


@bp.get("/organising/campaigns/<campaign_id>/highlights")
@signed_in
def organising_highlights(caller: Principal, campaign_id: str) -> str:
    staff_only(caller)
    backend = site().api(caller)
    campaign = backend.get(site().organising(f"/v1/campaigns/{campaign_id}"))
    items = backend.get(site().organising(f"/v1/campaigns/{campaign_id}/highlights"))["items"]
    return render_template("organising_highlights.html", user=caller, campaign=campaign, highlights=items)


@bp.get("/organising/campaigns/<campaign_id>/results.csv")
@signed_in
def organising_results_csv(caller: Principal, campaign_id: str) -> Response:
    table = request.args.get("table", "sessions")
    if table not in CSV_TABLES:
        abort(404)
    csv = site().api(caller).get_text(site().organising(f"/v1/campaigns/{campaign_id}/results.csv"), table=table)
    return Response(csv, mimetype="text/csv", headers={"Content-Disposition": attachment(f"recruitment-{table}.csv")})


@bp.post("/organising/campaigns/<campaign_id>/target-lists")
@signed_in
def import_target_list(caller: Principal, campaign_id: str) -> Response:
    """A staff or membership list (CSV) sent to organising as it is; its refusal names each bad row."""
    back = url_for("pages.organising_campaign", campaign_id=campaign_id) + "#target-lists"
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose the CSV file to import.", "problem")
        return redirect(back)
    url = site().organising(f"/v1/campaigns/{campaign_id}/target-lists?filename={quote(upload.filename)}")
    data = upload.stream.read()
    imported = site().api(caller).post_stream(url, iter((data,)), "text/csv")  # an iterator: sent as the body
    members = imported["members"]
    flash(
        f"Imported {upload.filename}: {imported['rows']} people, {members} "
        f"{'is a member' if members == 1 else 'are members'} already, {imported['non_members']} to approach."
    )
    return redirect(back)


@bp.get("/organising/target-lists/<list_id>")
@signed_in
def organising_target_list(caller: Principal, list_id: str) -> str:
    """The people on a list, narrowed to a workplace and department and to those not yet members."""
    staff_only(caller)
    chosen = {k: request.args.get(k, "").strip() for k in ("workplace", "department")}
    params: dict[str, Any] = {k: v for k, v in chosen.items() if v}
    non_members = request.args.get("non_members", "true" if not request.args else "") == "true"
    if non_members:
        params["non_members"] = "true"
    found = site().api(caller).get(site().organising(f"/v1/target-lists/{list_id}/entries"), **params)
    return render_template(
        "organising_target_list.html", user=caller, found=found, chosen=chosen, non_members=non_members
    )


@bp.post("/organising/target-lists/<list_id>/delete")
@signed_in
def delete_target_list(caller: Principal, list_id: str) -> Response:
    site().api(caller).delete(site().organising(f"/v1/target-lists/{list_id}"))
    flash("The list and everyone on it are removed, with the names, contact details and notes of their conversations.")
    return redirect(url_for("pages.organising_campaign", campaign_id=request.form.get("campaign_id", "")))


@bp.post("/organising/campaigns/<campaign_id>/material-orders")
@signed_in
def order_materials(caller: Principal, campaign_id: str) -> Response:
    back = url_for("pages.organising_campaign", campaign_id=campaign_id) + "#materials"
    problems: dict[str, str] = {}
    body: dict[str, Any] = {"items": request.form.get("items", "").strip()}
    needed_by = organising.typed_day(request.form, "needed_by", problems)
    if needed_by:
        body["needed_by"] = needed_by
    if request.form.get("deliver_to", "").strip():
        body["deliver_to"] = request.form["deliver_to"].strip()
    try:
        if problems:
            raise FormProblem(problems)
        site().api(caller).post_json(site().organising(f"/v1/campaigns/{campaign_id}/material-orders"), body)
    except (ApiError, FormProblem) as error:
        if isinstance(error, ApiError) and error.status not in FORM_REFUSED:
            raise
        return refused("materials", request.form, error, back)
    flash("Materials ordered: the regional office has been told.")
    return redirect(back)


@bp.post("/organising/material-orders/<order_id>/fulfil")
@signed_in
def fulfil_order(caller: Principal, order_id: str) -> Response:
    site().api(caller).post_json(site().organising(f"/v1/material-orders/{order_id}/fulfil"))
    flash("Order marked as fulfilled.")
    campaign_id = request.form.get("campaign_id", "")
    return redirect(url_for("pages.organising_campaign", campaign_id=campaign_id) + "#materials")


@bp.get("/organising/sessions/<session_id>")
@signed_in
def organising_session(caller: Principal, session_id: str) -> str:
    """A session: where and when, the team, its help requests; for the branch's staff also the
    contact log form and what was logged so far (officials read counts in the results: the
    conversations stay in the branch)."""
    staff_only(caller)
    backend = site().api(caller)
    record = backend.get(site().organising(f"/v1/sessions/{session_id}"))
    branch_staff = caller.has(*organising.BRANCH_STAFF)
    logged = optional(backend, site().organising(f"/v1/sessions/{session_id}/contacts")) if branch_staff else None
    asked = optional(backend, site().organising(f"/v1/sessions/{session_id}/help-requests"))
    follow_up = None
    if request.args.get("follow_up") and branch_staff:
        follow_up = follow_up_of(backend, request.args["follow_up"])
    # The branch's own reps and coordinator change and remove its sessions (organising decides; this
    # only spares others a form the API would refuse).
    own_branch = branch_staff and caller.branch == record.get("branch")
    return render_template(
        "organising_session.html",
        user=caller,
        session_record=record,
        contacts=(logged or {}).get("items", []),
        help_requests=(asked or {}).get("items", []),
        follow_up=follow_up,
        # Only the session's own branch: a list never leaves it, and another branch's list is no use here.
        targets=target_choices(backend, record) if own_branch else None,
        may_change=own_branch,
        session_form=organising.session_values(record) if own_branch else {},
    )


def target_choices(backend: Backend, record: dict[str, Any]) -> dict[str, Any] | None:
    """The people of the branch's target lists for this session's contact form, narrowed to its
    workplace and department (organising.entries_for_session); None when there is no list, or the
    caller may not see the lists (they never leave the branch: organising answers 403 or 404)."""
    lists = optional(backend, site().organising(f"/v1/campaigns/{record['campaign_id']}/target-lists"))
    entries: list[dict[str, Any]] = []
    more = False
    for found in (lists or {}).get("items", []):
        if found.get("removed_at"):
            continue
        page = optional(backend, site().organising(f"/v1/target-lists/{found['id']}/entries"), limit=PICKER_LIMIT)
        if page:
            entries.extend(page["items"])
            more = more or page["total"] > len(page["items"])
    if not entries:
        return None
    chosen, heading = organising.entries_for_session(entries, record.get("workplace", ""), record.get("department", ""))
    return {"entries": chosen, "heading": heading, "more": more}


@bp.post("/organising/sessions/<session_id>/change")
@signed_in
def change_session(caller: Principal, session_id: str) -> Response:
    """The session's fields as the add form has them, sent whole (PATCH): organising checks them together."""
    back = url_for("pages.organising_session", session_id=session_id) + "#change-session"
    try:
        changed = (
            site()
            .api(caller)
            .patch_json(site().organising(f"/v1/sessions/{session_id}"), organising.session_body(request.form))
        )
    except (ApiError, FormProblem) as error:
        if isinstance(error, ApiError) and error.status not in FORM_REFUSED:
            raise
        return refused("session-change", request.form, error, back)
    flash(f"Session at {changed['place']} changed.")
    return redirect(url_for("pages.organising_session", session_id=session_id))


@bp.get("/organising/sessions/<session_id>/remove")
@signed_in
def confirm_remove_session(caller: Principal, session_id: str) -> str:
    """Asks before a session is removed (a page, so it works without JavaScript)."""
    staff_only(caller)
    record = site().api(caller).get(site().organising(f"/v1/sessions/{session_id}"))
    return render_template("organising_session_remove.html", user=caller, session_record=record)


@bp.post("/organising/sessions/<session_id>/remove")
@signed_in
def remove_session(caller: Principal, session_id: str) -> Response:
    """Removes a session nothing is recorded for; organising's reason when it refuses (409)."""
    try:
        removed = site().api(caller).delete_json(site().organising(f"/v1/sessions/{session_id}"))
    except ApiError as error:
        if error.status != 409:
            raise
        flash(f"Not removed. {error.message}", "problem")
        return redirect(url_for("pages.organising_session", session_id=session_id))
    flash(f"Session at {removed['place']} removed.")
    return redirect(url_for("pages.organising_campaign", campaign_id=removed["campaign_id"]) + "#sessions")


def follow_up_of(backend: Backend, follow_up_id: str) -> dict[str, Any] | None:
    """The open follow-up a later conversation answers (so a join closes it), if still open."""
    found = optional(backend, site().organising("/v1/follow-ups"), state="open")
    return next((f for f in (found or {}).get("items", []) if f.get("id") == follow_up_id), None)


@bp.post("/organising/sessions/<session_id>/contacts")
def log_contact(session_id: str) -> Response:
    """One conversation: JSON from organising.js (its queue, answered with JSON it can act on) or
    the form posted without JavaScript (back to the session's page)."""
    wants_json = request.is_json
    caller = current_caller()
    if caller is None:
        if wants_json:
            return jsonify(ok=False, message="Sign in again to send the waiting entries."), 401
        return redirect(url_for("auth.login", next=url_for("pages.organising_session", session_id=session_id)))
    form = MultiDict(request.get_json(silent=True) or {}) if wants_json else request.form
    back = url_for("pages.organising_session", session_id=session_id) + "#log"
    try:
        answer = (
            site()
            .api(caller)
            .post_json(site().organising(f"/v1/sessions/{session_id}/contacts"), organising.contact_body(form))
        )
    except (ApiError, FormProblem) as error:
        status = error.status if isinstance(error, ApiError) else 422
        if wants_json:
            errors = organising.field_messages(error.fields)
            message = error.message if isinstance(error, ApiError) else "Please correct the fields marked."
            return jsonify(ok=False, message=message, errors=errors), status
        if status not in FORM_REFUSED:
            raise
        return refused("contact", form, error, back)
    contact = answer.get("contact", answer)
    duplicate = bool(answer.get("duplicate"))
    summary = organising.contact_summary(contact)
    if wants_json:
        return jsonify(ok=True, duplicate=duplicate, summary=summary, contact_id=contact.get("id")), (
            200 if duplicate else 201
        )
    flash("Already saved." if duplicate else f"Saved: {summary}.")
    return redirect(back)


@bp.post("/organising/sessions/<session_id>/help")
@signed_in
def ask_for_help(caller: Principal, session_id: str) -> Response:
    body = {"message": request.form.get("message", "").strip()} if request.form.get("message", "").strip() else {}
    site().api(caller).post_json(site().organising(f"/v1/sessions/{session_id}/help-requests"), body)
    flash("Help is on its way: your link official (or the regional office) has been told.")
    return redirect(url_for("pages.organising_session", session_id=session_id))


@bp.get("/organising/follow-ups")
@signed_in
def organising_follow_ups(caller: Principal) -> str:
    """Open follow-ups of the caller's branch, soonest first, with the person's details."""
    if not caller.has(*organising.BRANCH_STAFF):
        abort(403, "Follow-ups belong to the branch's reps and coordinator.")
    items = site().api(caller).get(site().organising("/v1/follow-ups"), state="open")["items"]
    return render_template(
        "organising_follow_ups.html", user=caller, follow_ups=items, close_reasons=organising.CLOSE_REASONS
    )


@bp.post("/organising/follow-ups/<follow_up_id>/close")
@signed_in
def close_follow_up(caller: Principal, follow_up_id: str) -> Response:
    reason = request.form.get("reason", "")
    site().api(caller).post_json(site().organising(f"/v1/follow-ups/{follow_up_id}/close"), {"reason": reason})
    flash("Follow-up closed.")
    return redirect(url_for("pages.organising_follow_ups"))
