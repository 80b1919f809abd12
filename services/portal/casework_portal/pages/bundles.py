"""Bundles: the case page's list (a partial of its own), the form that asks for one, the bundle's page
with its progress, index, downloads, and its shares with the union's solicitors. The bundle service
decides who may do what; these pages show what it answers for the signed-in caller."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, request, stream_with_context, url_for
from werkzeug.datastructures import MultiDict

from casework_common.auth import Principal
from casework_portal import labels
from casework_portal.backend import ApiError
from casework_portal.pages import bp, current_caller, signed_in, site

SECTIONS = ("Documents", "Witness statements", "Comparators")
STATUS = {"queued": "Waiting to be built", "building": "Being built", "ready": "Ready", "failed": "Could not be built"}
SHARE_STATE = {
    "active": "Active",
    "expired": "Expired",
    "revoked": "Revoked",
    "locked": "Locked (too many wrong codes)",
}
READABLE = ("indexed",)  # items read completely: the bundle service takes only these


def status_text(bundle: dict[str, Any]) -> str:
    """One line on how far the bundle has got, e.g. "Being built: page 12 of 40"."""
    text = STATUS.get(bundle["status"], labels.human(bundle["status"]))
    if bundle["status"] == "building" and bundle.get("pages_total"):
        return f"{text}: page {bundle['pages_done']} of {bundle['pages_total']}"
    if bundle["status"] == "ready":
        return f"{text}: {bundle['pages_total']} pages"
    if bundle["status"] == "failed" and bundle.get("reason"):
        return f"{text}: {bundle['reason']}"
    return text


def request_body(form: MultiDict[str, str], evidence: list[dict[str, Any]]) -> dict[str, Any]:
    """The bundle service's request from the build form: chosen items, their sections, the words to
    black out (in every chosen item), the volume size and whether the member sees it."""
    chosen = [item["id"] for item in evidence if item["id"] in form.getlist("items")]
    body: dict[str, Any] = {"title": form.get("title", "").strip(), "items": chosen}
    details = [line.strip() for line in form.get("details", "").splitlines() if line.strip()]
    if details:
        body["details"] = details
    sections = {eid: form[f"section.{eid}"] for eid in chosen if form.get(f"section.{eid}") in SECTIONS}
    if sections:
        body["sections"] = sections
    if form.get("max_pages_per_volume", "").strip():
        body["max_pages_per_volume"] = form["max_pages_per_volume"].strip()
    words = [w.strip() for w in form.get("redactions", "").splitlines() if w.strip()]
    if words:
        body["redactions"] = [{"evidence_id": eid, "text": word} for word in words for eid in chosen]
    body["member_visible"] = form.get("member_visible") == "yes"
    return {k: v for k, v in body.items() if v is not None}


@bp.app_template_global("case_bundles")
def case_bundles(case_id: str) -> dict[str, Any]:
    """The case page's Bundles section asks for its list itself (templates/_bundles.html), so the
    case page's view stays as it is: the bundle service down leaves the rest of the page working."""
    caller = current_caller()
    if caller is None:
        return {"items": [], "problem": None}
    try:
        items = site().api(caller).get(site().bundle(f"/v1/cases/{case_id}/bundles"))["items"]
    except ApiError as error:
        return {"items": [], "problem": error.message}
    for item in items:
        item["status_text"] = status_text(item)
    return {"items": items, "problem": None}


@bp.get("/cases/<case_id>/bundles/new")
@signed_in
def new_bundle(caller: Principal, case_id: str) -> str:
    backend = site().api(caller)
    case = backend.get(site().workflow(f"/v1/cases/{case_id}"))
    evidence = backend.get(site().intake(f"/v1/cases/{case_id}/evidence"))["items"]
    for item in evidence:
        item["readable"] = item["status"] in READABLE and not item.get("duplicate_of")
    return render_template("bundle_new.html", user=caller, case=case, evidence=evidence, sections=SECTIONS, full=True)


@bp.post("/cases/<case_id>/bundles")
@signed_in
def ask_for_bundle(caller: Principal, case_id: str) -> Response:
    backend = site().api(caller)
    evidence = backend.get(site().intake(f"/v1/cases/{case_id}/evidence"))["items"]
    created = backend.post_json(site().bundle(f"/v1/cases/{case_id}/bundles"), request_body(request.form, evidence))
    flash(f"Bundle “{created['title']}” (version {created['version']}) is being built.")
    return redirect(url_for("pages.bundle", bundle_id=created["id"]))


@bp.get("/bundles/<bundle_id>")
@signed_in
def bundle(caller: Principal, bundle_id: str) -> str:
    backend = site().api(caller)
    record = backend.get(site().bundle(f"/v1/bundles/{bundle_id}"))
    shares = None
    if not caller.has("member"):
        try:  # the bundle service says who manages shares: staff with full access to the case
            shares = backend.get(site().bundle(f"/v1/bundles/{bundle_id}/shares"))["items"]
        except ApiError as error:
            if error.status not in (403, 404):
                raise
    return render_template(
        "bundle.html",
        user=caller,
        bundle=record,
        status=status_text(record),
        shares=shares,
        share_states=SHARE_STATE,
        finished=record["status"] in ("ready", "failed"),
    )


@bp.get("/bundles/<bundle_id>.json")
@signed_in
def bundle_status(caller: Principal, bundle_id: str) -> Response:
    """What the bundle page's script needs to show progress."""
    record = site().api(caller).get(site().bundle(f"/v1/bundles/{bundle_id}"))
    return jsonify(
        status=record["status"],
        text=status_text(record),
        pages_done=record["pages_done"],
        pages_total=record["pages_total"],
        finished=record["status"] in ("ready", "failed"),
    )


@bp.get("/bundles/<bundle_id>/volumes/<int:number>")
@signed_in
def bundle_download(caller: Principal, bundle_id: str, number: int) -> Response:
    chunks, headers = site().api(caller).get_stream(site().bundle(f"/v1/bundles/{bundle_id}/volumes/{number}"))
    return Response(stream_with_context(chunks), mimetype="application/pdf", headers=headers)


@bp.post("/bundles/<bundle_id>/shares")
@signed_in
def share_bundle(caller: Principal, bundle_id: str) -> Response:
    body: dict[str, Any] = {
        "recipient_name": request.form.get("recipient_name", "").strip(),
        "recipient_email": request.form.get("recipient_email", "").strip(),
    }
    if request.form.get("expires_in_days", "").strip():
        body["expires_in_days"] = request.form["expires_in_days"].strip()
    created = site().api(caller).post_json(site().bundle(f"/v1/bundles/{bundle_id}/shares"), body)
    flash(
        f"Shared with {created['recipient_name']}: the link and the one-time code went to "
        f"{created['recipient_email']} in two separate e-mails."
    )
    return redirect(url_for("pages.bundle", bundle_id=bundle_id) + "#shares")


@bp.post("/bundles/<bundle_id>/shares/<share_id>/revoke")
@signed_in
def revoke_share(caller: Principal, bundle_id: str, share_id: str) -> Response:
    revoked = site().api(caller).delete_json(site().bundle(f"/v1/bundles/{bundle_id}/shares/{share_id}"))
    flash(f"The link for {revoked['recipient_name']} no longer works.")
    return redirect(url_for("pages.bundle", bundle_id=bundle_id) + "#shares")
