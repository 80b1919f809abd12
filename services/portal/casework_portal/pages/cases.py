"""Case pages: the case list with filters, opening and editing a case, the case page with its
timeline, people and referrals, and adding timeline entries."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from casework_common.auth import Principal
from casework_common.vocabulary import BRANCH_STAFF_ROLES
from casework_portal import labels
from casework_portal.backend import ApiError
from casework_portal.pages import bp, current_caller, data_protection, signed_in, site

# Case list filters the page passes through (workflow validates them).
LIST_FILTERS = ("status", "case_type", "outcome", "employer", "assigned_to", "cursor")
OPTIONAL = object()  # a form field whose blank means "not recorded" (null), not ""


def case_body(form: MultiDict[str, str], editing: bool = False) -> dict[str, Any]:
    """Workflow's case JSON from the case form; blank optional fields become null. The
    membership number is set when a case opens and never changed: it ties the member's
    log-in to the case."""

    def value(name: str, blank: Any = OPTIONAL) -> Any:
        text = form.get(name, "").strip()
        return text if text else (None if blank is OPTIONAL else blank)

    member = {key: value(f"member.{key}") for key in (*labels.MEMBER_FIELDS, "sector")}
    member["name"] = value("member.name", "")
    member["membership_number"] = value("member.membership_number", "")
    if editing:
        del member["membership_number"]
    body: dict[str, Any] = {
        "member": member,
        "case_type": value("case_type", ""),
        "allegations": form.getlist("allegations"),
        "allegation_details": value("allegation_details", ""),
        "key_dates": {key: value(f"key_dates.{key}") for key in labels.KEY_DATES},
        "summary": value("summary", ""),
    }
    if editing:
        body.update(status=value("status", ""), outcome=value("outcome"), sanction=value("sanction"))
    return body


def _prune(body: dict[str, Any]) -> dict[str, Any]:
    """A new case sends only what was filled in."""
    pruned = {k: (_prune(v) if isinstance(v, dict) else v) for k, v in body.items()}
    return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}


def form_values(case: dict[str, Any]) -> dict[str, Any]:
    """The case form's field values from a case, keyed like the form's field names."""
    values: dict[str, Any] = {f"member.{k}": v or "" for k, v in case.get("member", {}).items()}
    values.update({f"key_dates.{k}": v or "" for k, v in case.get("key_dates", {}).items()})
    for key in ("case_type", "allegation_details", "summary", "status", "outcome", "sanction"):
        values[key] = case.get(key) or ""
    values["allegations"] = case.get("allegations") or []
    return values


def number_timeline(timeline: list[dict[str, Any]], caller: Principal) -> list[dict[str, Any]]:
    """Number the entries, link each correction to the entry it corrects, and say which entries
    the caller may correct: those people wrote (a member, only her own). Workflow decides."""
    numbers = {entry["id"]: n for n, entry in enumerate(timeline, 1)}
    corrected = {entry["corrects"] for entry in timeline if entry.get("corrects")}
    written_by_people = {*labels.STAFF_ENTRY_KINDS, "correction"}
    for entry in timeline:
        entry["number"] = numbers[entry["id"]]
        entry["corrects_number"] = numbers.get(entry.get("corrects") or "")
        entry["corrected"] = entry["id"] in corrected
        entry["correctable"] = entry["kind"] in written_by_people and (
            not caller.has("member") or entry["author"] == caller.username
        )
    return timeline


@bp.get("/")
def home() -> Any:
    caller = current_caller()
    if caller is None:
        return render_template("welcome.html")
    params = {k: v for k in LIST_FILTERS if (v := request.args.get(k, "").strip())}
    listing = site().api(caller).get(site().workflow("/v1/cases"), **params)
    next_url = None
    if listing.get("next_cursor"):
        next_url = url_for("pages.home", **{**params, "cursor": listing["next_cursor"]})
    return render_template(
        "home.html",
        user=caller,
        cases=listing["items"],
        params=params,
        next_url=next_url,
        branch_staff=caller.has(*BRANCH_STAFF_ROLES),
    )


def case_form(caller: Principal, values: dict[str, Any], problem: ApiError | None, case: Any = None) -> Any:
    status = 422 if problem else 200
    return render_template("case_form.html", user=caller, values=values, problem=problem, case=case), status


@bp.route("/cases/new", methods=["GET", "POST"])
@signed_in
def new_case(caller: Principal) -> Any:
    if not caller.has(*BRANCH_STAFF_ROLES):
        abort(403, "Cases are opened by the member's branch: a rep or the coordinator.")
    if request.method == "GET":
        return case_form(caller, {"allegations": []}, None)
    try:
        created = site().api(caller).post_json(site().workflow("/v1/cases"), _prune(case_body(request.form)))
    except ApiError as error:
        if error.status != 422:
            raise
        return case_form(caller, {**request.form, "allegations": request.form.getlist("allegations")}, error)
    flash(f"Case {created['reference']} opened.")
    return redirect(url_for("pages.case", case_id=created["id"]))


@bp.route("/cases/<case_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_case(caller: Principal, case_id: str) -> Any:
    backend = site().api(caller)
    record = backend.get(site().workflow(f"/v1/cases/{case_id}"))
    if record["your_access"] != "full":
        abort(403, "Only the branch and regional staff on the case can change it.")
    if request.method == "GET":
        return case_form(caller, form_values(record), None, record)
    try:
        backend.patch_json(site().workflow(f"/v1/cases/{case_id}"), case_body(request.form, editing=True))
    except ApiError as error:
        if error.status != 422:
            raise
        values = {**request.form, "allegations": request.form.getlist("allegations")}
        return case_form(caller, values, error, record)
    flash("Case updated.")
    return redirect(url_for("pages.case", case_id=case_id))


@bp.get("/cases/<case_id>")
@signed_in
def case(caller: Principal, case_id: str) -> str:
    backend = site().api(caller)
    record = backend.get(site().workflow(f"/v1/cases/{case_id}"))
    evidence = backend.get(site().intake(f"/v1/cases/{case_id}/evidence"))["items"]
    timeline = backend.get(site().workflow(f"/v1/cases/{case_id}/timeline"))["items"]
    # Members get no referrals here: they learn of one through their timeline once advised.
    referrals = backend.get(site().workflow(f"/v1/cases/{case_id}/referrals"))["items"]
    full = record["your_access"] == "full"
    comparators, comparators_problem = None, None
    if full and not caller.has("member"):
        try:
            comparators = backend.get(site().search(f"/v1/cases/{case_id}/comparators"))
        except ApiError as error:  # the case page still works without search
            comparators_problem = error.message
    return render_template(
        "case.html",
        user=caller,
        case=record,
        evidence=evidence,
        timeline=number_timeline(timeline, caller),
        referrals=referrals,
        full=full,
        branch_staff=caller.has(*BRANCH_STAFF_ROLES),
        entry_kinds=labels.STAFF_ENTRY_KINDS if full else labels.MEMBER_ENTRY_KINDS,
        comparators=comparators,
        comparators_problem=comparators_problem,
        hold=data_protection.hold_of(caller, case_id),
    )


@bp.post("/cases/<case_id>/timeline")
@signed_in
def add_entry(caller: Principal, case_id: str) -> Response:
    body: dict[str, Any] = {"kind": request.form.get("kind", ""), "body": request.form.get("body", "").strip()}
    if request.form.get("visibility"):
        body["visibility"] = request.form["visibility"]
    elif caller.has("member"):
        body["visibility"] = "member"
    if request.form.get("occurred_on"):
        body["occurred_on"] = request.form["occurred_on"]
    if request.form.get("corrects"):
        body["corrects"] = request.form["corrects"]
    site().api(caller).post_json(site().workflow(f"/v1/cases/{case_id}/timeline"), body)
    flash("Added to the timeline.")
    return redirect(url_for("pages.case", case_id=case_id) + "#timeline")


@bp.post("/cases/<case_id>/people")
@signed_in
def add_person(caller: Principal, case_id: str) -> Response:
    """Assign a rep to the case, or share it with one (``role``: reps or shares)."""
    role = request.form.get("role")
    if role not in ("reps", "shares"):
        abort(400, "Choose whether to assign the rep or share the case.")
    username = request.form.get("username", "").strip()
    site().api(caller).post_json(site().workflow(f"/v1/cases/{case_id}/{role}"), {"username": username})
    flash(f"{'Assigned' if role == 'reps' else 'Shared with'} {username}.")
    return redirect(url_for("pages.case", case_id=case_id) + "#people")


@bp.post("/cases/<case_id>/people/remove")
@signed_in
def remove_person(caller: Principal, case_id: str) -> Response:
    username = request.form.get("username", "").strip()
    site().api(caller).delete(site().workflow(f"/v1/cases/{case_id}/reps/{quote(username, safe='')}"))
    flash(f"{username} taken off the case.")
    return redirect(url_for("pages.case", case_id=case_id) + "#people")
