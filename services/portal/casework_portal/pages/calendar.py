"""Calendar feeds: each person subscribes their own calendar (Outlook, Google, Apple) to a secret
iCalendar address of their deadlines and hearings, and revokes it. Workflow makes the address (on the
portal, which forwards a calendar's fetch to workflow) and shows it once; the portal never stores it."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from casework_common.auth import Principal
from casework_portal.backend import ApiError, Backend
from casework_portal.pages import bp, signed_in, site

# What a calendar's fetch gets back from workflow's answer besides the body.
FEED_HEADERS = ("Content-Type", "Cache-Control")
# What workflow hands out (secrets.token_urlsafe(32)): anything else is refused here, not sent on.
FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def webcal(url: str) -> str:
    """The feed's address with the webcal scheme, which Apple's calendars open as a subscription."""
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url


def feeds_page(caller: Principal, created: dict[str, Any] | None = None) -> str:
    feeds = site().api(caller).get(site().workflow("/v1/calendar-feeds"))["items"]
    return render_template(
        "calendar.html",
        user=caller,
        feeds=feeds,
        created=created,
        webcal=webcal(created["url"]) if created else None,
    )


@bp.get("/calendar")
@signed_in
def calendar_feeds(caller: Principal) -> str:
    return feeds_page(caller)


@bp.post("/calendar")
@signed_in
def create_calendar_feed(caller: Principal) -> Response:
    """The new feed's address is shown in this answer only: workflow keeps just its hash, and the
    portal keeps nothing (no session copy to redirect through), so reloading asks to resend."""
    body = {"label": label} if (label := request.form.get("label", "").strip()) else {}
    created = site().api(caller).post_json(site().workflow("/v1/calendar-feeds"), body)
    page = Response(feeds_page(caller, created))
    page.headers["Cache-Control"] = "no-store"  # the page holds the secret address
    return page


@bp.post("/calendar/<feed_id>/revoke")
@signed_in
def revoke_calendar_feed(caller: Principal, feed_id: str) -> Response:
    site().api(caller).delete(site().workflow(f"/v1/calendar-feeds/{feed_id}"))
    flash("That calendar address no longer works. Calendars subscribed to it stop updating.")
    return redirect(url_for("pages.calendar_feeds"))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str) -> Response:
    """A calendar app's fetch of a feed: no sign-in (the secret address is the credential), passed
    to workflow, which decides what the feed holds at every fetch and answers 404 for a revoked or
    unknown one. Calendar apps read only the status and the body, so a refusal is plain text."""
    if not FEED_TOKEN.fullmatch(token):
        return Response("Not found.\n", status=404, mimetype="text/plain")
    try:
        answer = Backend(None).get_raw(site().workflow(f"/v1/calendar/{token}.ics"))
    except ApiError as error:
        status = error.status if error.status in (404, 503) else 502
        return Response(error.message + "\n", status=status, mimetype="text/plain")
    headers = {k: v for k, v in answer.headers.items() if k in FEED_HEADERS}
    return Response(answer.content, headers=headers)
