"""The notifications inbox (what notify delivered to the user, newest first) and how the user
wants to be emailed: straight away or in a daily summary, per kind of news."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from casework_common.auth import Principal
from casework_portal.auth import local_path
from casework_portal.pages import Pages


def register(bp: Blueprint, pages: Pages) -> None:
    signed_in = pages.signed_in

    @bp.get("/inbox")
    @signed_in
    def inbox(user: Principal) -> str:
        backend = pages.api(user)
        items = backend.get(pages.notify("/v1/inbox"))["items"]
        for item in items:  # links are absolute (they are emailed too); here they open on this site
            item["path"] = urlsplit(item["link"]).path if item.get("link") else None
        kinds = backend.get(pages.notify("/v1/preferences"))["kinds"]
        return render_template("inbox.html", user=user, items=items, kinds=kinds)

    @bp.post("/inbox/preferences")
    @signed_in
    def save_preferences(user: Principal) -> Response:
        chosen = {k.removeprefix("email."): v for k, v in request.form.items() if k.startswith("email.")}
        pages.api(user).put_json(pages.notify("/v1/preferences"), chosen)
        flash("Your email preferences are saved.")
        return redirect(url_for("pages.inbox") + "#preferences")

    @bp.post("/inbox/<item_id>/read")
    @signed_in
    def mark_read(user: Principal, item_id: str) -> Response:
        pages.api(user).post_json(pages.notify(f"/v1/inbox/{item_id}/read"))
        return redirect(local_path(request.form.get("next"), url_for("pages.inbox")))
