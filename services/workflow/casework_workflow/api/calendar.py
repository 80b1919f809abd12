"""Calendar feeds (``/v1/calendar-feeds``) and the feed itself (``/v1/calendar/<token>.ics``).

The feed is the one workflow route without a bearer token: calendar clients cannot sign in, so the
secret in the URL is the credential (calendar_feeds.py). It is marked :func:`public` and checks the
token itself; every answer other than the feed is the same 404, whether the token is malformed,
unknown, revoked, or its owner's account disabled or gone. Those refusals are audited like any other,
but under the route's template rather than the path, so no audit record ever holds a token.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Literal

from flask import Blueprint, Response, current_app, jsonify
from keycloak.exceptions import KeycloakError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from casework_common.openapi import Reply, api, public
from casework_common.problems import Problem, forbidden, not_found, unavailable
from casework_common.web import dependency, parse_json, principal, problem_response, refusal
from casework_workflow.calendar_feeds import MAX_LIVE_FEEDS, CalendarFeeds, TooManyFeeds, feed_json, may_have_feed
from casework_workflow.cases import parse_id

log = logging.getLogger(__name__)

FEED_ROUTE = "/v1/calendar/<token>.ics"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class NewFeed(BaseModel):
    """What to call the feed (only its owner sees the label; it is not in the calendar)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    label: str = Field(default="Calendar", min_length=1, max_length=100, description="E.g. 'Work phone'.")

    @field_validator("label")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("a label is one line of text")
        return value


class FeedOut(BaseModel):
    """A feed as its owner sees it: never its secret URL."""

    id: str
    label: str
    state: Literal["active", "revoked"]
    created_at: str
    revoked_at: str | None
    last_fetched_at: str | None


class CreatedFeedOut(FeedOut):
    """The new feed, with its secret URL: shown this once, never again."""

    url: str = Field(description="The feed's address to subscribe to; it is its only credential.")


class FeedList(BaseModel):
    """The caller's feeds, live ones first, newest first."""

    items: list[FeedOut]


bp = Blueprint("calendar", __name__)


@bp.post("/v1/calendar-feeds")
@api(
    "Make a calendar feed of the caller's deadlines and hearings (members and union staff)",
    {201: CreatedFeedOut},
    body=NewFeed,
    errors=(403, 409),
)
def create_feed() -> tuple[Response, int]:
    """The answer's ``url`` is the feed's secret address, shown only here: subscribe to it in a
    calendar. Administrators and service accounts see no cases and get no feed (403)."""
    caller = principal()
    if not may_have_feed(caller):
        raise forbidden("Calendar feeds are for members and union staff who work on cases.")
    body = parse_json(NewFeed)
    try:
        created = dependency(CalendarFeeds).create(caller, body.label)
    except TooManyFeeds as exc:
        raise Problem(
            409, "too-many-feeds", "Too many feeds", f"You have {MAX_LIVE_FEEDS} feeds; revoke one first."
        ) from exc
    log.info("calendar feed %s made by %s", created.row.id, caller.username)
    return jsonify({**feed_json(created.row), "url": created.url}), 201


@bp.get("/v1/calendar-feeds")
@api("The caller's calendar feeds (without their secret URLs)", {200: FeedList})
def list_feeds() -> Response:
    return jsonify(items=[feed_json(row) for row in dependency(CalendarFeeds).mine(principal())])


@bp.delete("/v1/calendar-feeds/<feed_id>")
@api("Revoke one of the caller's calendar feeds: its URL answers 404 from now on", {200: FeedOut}, errors=(404,))
def revoke_feed(feed_id: str) -> Response:
    """Only the feed's owner revokes it; anyone else gets 404, as for a feed that does not exist."""
    caller = principal()
    parsed = parse_id(feed_id)
    row = dependency(CalendarFeeds).revoke(caller, parsed) if parsed else None
    if row is None:
        raise not_found("calendar feed")
    log.info("calendar feed %s revoked by %s", row.id, caller.username)
    return jsonify(feed_json(row))


def _no_feed(feed_id: str = "") -> Response:
    """The one 404 for every feed that cannot be served, audited as a refusal without the token."""
    refused = dataclasses.replace(
        refusal(404, "not-visible"),
        path=FEED_ROUTE.replace("<token>", "{token}"),
        view_args={"calendar_feed": feed_id} if feed_id else {},
    )
    current_app.extensions["casework_refusals"].note(refused)
    return problem_response(Problem(404, "not-found", "Not found", "No calendar feed has that address."))


@bp.get(FEED_ROUTE)
@public
@api(
    "A calendar feed (iCalendar): the owner's open deadlines and hearing dates (no bearer token)",
    {
        200: Reply(
            "An iCalendar document of all-day events: case reference, what the date is, a link to the case.",
            media={"text/calendar": {"type": "string"}},
        )
    },
    errors=(404, 503),
)
def feed(token: str) -> Response:
    """The token in the address is the credential. What the feed holds is worked out at each fetch
    from the owner's current directory entry and the scope rules; it carries no personal data."""
    feeds = dependency(CalendarFeeds)
    row = feeds.find(token)
    if row is None:
        return _no_feed()
    if row.revoked_at is not None:  # named in the refusal: a revoked feed still polled is worth seeing
        return _no_feed(str(row.id))
    try:
        owner = feeds.owner_now(row)
    except KeycloakError as exc:
        log.warning("calendar feed %s: the directory did not answer: %s", row.id, exc)
        raise unavailable("The feed cannot be built just now; try again later.") from exc
    if owner is None:
        return _no_feed(str(row.id))
    served = feeds.fetch(row, owner)
    response = Response(served.body, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
