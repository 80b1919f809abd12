"""The notifications inbox (what notify delivered to the caller, newest first) and how the caller
wants to be emailed: straight away or in a daily summary, per kind of news."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, flash, redirect, render_template, request, url_for

from casework_common.auth import Principal
from casework_portal.auth import local_path
from casework_portal.pages import bp, signed_in, site


@bp.get("/inbox")
@signed_in
def inbox(caller: Principal) -> str:
    backend = site().api(caller)
    items = backend.get(site().notify("/v1/inbox"))["items"]
    for item in items:  # links are absolute (they are emailed too); here they open on this site
        item["path"] = urlsplit(item["link"]).path if item.get("link") else None
    kinds = backend.get(site().notify("/v1/preferences"))["kinds"]
    return render_template("inbox.html", user=caller, items=items, kinds=kinds)


@bp.post("/inbox/preferences")
@signed_in
def save_preferences(caller: Principal) -> Response:
    chosen = {k.removeprefix("email."): v for k, v in request.form.items() if k.startswith("email.")}
    site().api(caller).put_json(site().notify("/v1/preferences"), chosen)
    flash("Your email preferences are saved.")
    return redirect(url_for("pages.inbox") + "#preferences")


@bp.post("/inbox/<item_id>/read")
@signed_in
def mark_read(caller: Principal, item_id: str) -> Response:
    site().api(caller).post_json(site().notify(f"/v1/inbox/{item_id}/read"))
    return redirect(local_path(request.form.get("next"), url_for("pages.inbox")))
