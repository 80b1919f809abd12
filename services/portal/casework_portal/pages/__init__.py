"""The portal's pages, one module per area, each with its views at module level on the ``pages``
blueprint (``bp``); views reach the APIs through :func:`site` and get the caller from :func:`signed_in`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for

from casework_common.auth import Principal
from casework_common.web import dependency
from casework_portal import labels
from casework_portal.auth import Auth, local_path, login_required
from casework_portal.backend import ApiError, Backend
from casework_portal.settings import PortalSettings

F = TypeVar("F", bound=Callable[..., Any])


bp = Blueprint("pages", __name__)


@dataclass(frozen=True)
class Pages:
    """Where the APIs are, and a client that calls them as the signed-in person."""

    settings: PortalSettings

    def api(self, caller: Principal) -> Backend:
        return Backend(caller.token)

    def workflow(self, path: str) -> str:
        return self.settings.workflow_url + path

    def intake(self, path: str) -> str:
        return self.settings.intake_url + path

    def search(self, path: str) -> str:
        return self.settings.search_url + path

    def notify(self, path: str) -> str:
        return self.settings.notify_url + path

    def bundle(self, path: str) -> str:
        return self.settings.bundle_url + path

    def organising(self, path: str) -> str:
        return self.settings.organising_url + path


def site() -> Pages:
    """The running portal's :class:`Pages` (given by casework_common.web.provide)."""
    return dependency(Pages)


def current_caller() -> Principal | None:
    """The signed-in person, or None (for pages that also answer the signed-out)."""
    return dependency(Auth).principal()


def signed_in(view: F) -> F:
    """Decorator: the view gets the signed-in person (the caller) first, or they are sent to sign in."""
    return login_required(view)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"labels": labels, "human": labels.human}


def with_views() -> Blueprint:
    """The ``pages`` blueprint with every page module's views on it."""
    # Imported here, not at the top: each module puts its views on ``bp`` from this package.
    from casework_portal.pages import (  # noqa: F401
        bundles,
        calendar,
        cases,
        data_protection,
        deadlines,
        evidence,
        inbox,
        information_requests,
        mailroom,
        organising,
        protocol,
        search,
        shared,
        subject_access,
        trends,
    )

    return bp


# Refusals a form can recover from: the user is sent back to the form's page with the reason.
RECOVERABLE = (400, 403, 404, 409, 422)


def api_error_page(error: ApiError) -> Any:
    """What the user sees when an API refuses: sign in again, the form's page with the reason
    as a sentence, or a page saying what went wrong."""
    if error.status == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    back = request.form.get("back") or urlsplit(request.referrer or "").path
    if request.method == "POST" and error.status in RECOVERABLE and back:
        flash(error.message, "problem")
        return redirect(local_path(back, url_for("pages.home")))
    return render_template("error.html", message=error.message), error.status
