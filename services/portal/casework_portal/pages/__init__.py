"""The portal's pages, one module per area; all share the ``pages`` blueprint and :class:`Pages`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for

from casework_common.auth import Principal
from casework_portal import labels
from casework_portal.auth import Auth, local_path, login_required
from casework_portal.backend import ApiError, Backend
from casework_portal.settings import PortalSettings


@dataclass
class Pages:
    """What every page module needs: sign-in, settings and the APIs called as the user."""

    auth: Auth
    settings: PortalSettings

    @property
    def signed_in(self) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: the view gets the signed-in user first, or the user is sent to sign in."""
        return login_required(self.auth)

    def api(self, user: Principal) -> Backend:
        return Backend(user.token)

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


def blueprint(auth: Auth, settings: PortalSettings) -> Blueprint:
    # Imported here: each module imports Pages from this package.
    from casework_portal.pages import (
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

    bp = Blueprint("pages", __name__)
    pages = Pages(auth, settings)
    modules = (cases, evidence, search, protocol, trends, inbox, bundles, shared, deadlines, information_requests)
    for module in (*modules, calendar, mailroom, data_protection, subject_access, organising):
        module.register(bp, pages)

    @bp.app_context_processor
    def _labels() -> dict[str, Any]:
        return {"labels": labels, "human": labels.human}

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
