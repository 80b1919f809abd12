"""The portal's pages, one module per area; all share the ``pages`` blueprint and :class:`Pages`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from casework_common.auth import Principal
from casework_portal import labels
from casework_portal.auth import Auth, login_required
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


def local_path(target: str | None, fallback: str) -> str:
    """Only a path on this site: a form's "back" field is never an open redirect."""
    return target if target and target.startswith("/") and not target.startswith("//") else fallback


def blueprint(auth: Auth, settings: PortalSettings) -> Blueprint:
    # Imported here: each module imports Pages from this package.
    from casework_portal.pages import cases, evidence, inbox, protocol, search, trends

    bp = Blueprint("pages", __name__)
    pages = Pages(auth, settings)
    for module in (cases, evidence, search, protocol, trends, inbox):
        module.register(bp, pages)

    @bp.app_context_processor
    def _labels() -> dict[str, Any]:
        return {"labels": labels, "human": labels.human}

    return bp


def api_error_page(error: ApiError) -> Any:
    if error.status == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return render_template("error.html", message=error.message), error.status
