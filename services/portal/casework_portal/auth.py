"""Sign-in with OpenID Connect (authorization code + PKCE) and server-side sessions.

The session (server-side, keyed by an HttpOnly cookie) holds the user's tokens; pages
call the APIs with the access token, refreshing it when it expires and sending the
user back to sign in when that fails. Signing out ends the provider's session too.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from casework_common.auth import AuthError, Principal, TokenValidator
from casework_common.web import dependency
from casework_portal.settings import PortalSettings

F = TypeVar("F", bound=Callable[..., Any])
REFRESH_MARGIN_S = 20


class Auth:
    """Sign-in with the identity provider (an OAuth client on the app) and the signed-in person's tokens."""

    def __init__(self, app: Flask, settings: PortalSettings, validator: TokenValidator) -> None:
        self.settings = settings
        self.validator = validator
        self.oauth = OAuth(app)
        self.client = self.oauth.register(
            "idp",
            client_id=settings.portal_client_id,
            client_secret=settings.portal_client_secret.get_secret_value(),
            server_metadata_url=settings.discovery_url,
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
        )

    def access_token(self) -> str | None:
        """The user's current access token, refreshed if needed; None if they must sign in."""
        token = session.get("token")
        if not token:
            return None
        if token.get("expires_at", 0) - REFRESH_MARGIN_S > time.time():
            return token["access_token"]
        if not token.get("refresh_token"):
            session.clear()
            return None
        try:
            fresh = self.client.fetch_access_token(refresh_token=token["refresh_token"], grant_type="refresh_token")
        except OAuthError:
            session.clear()
            return None
        fresh = dict(fresh)
        fresh.setdefault("id_token", token.get("id_token"))
        session["token"] = fresh
        return fresh["access_token"]

    def principal(self) -> Principal | None:
        token = self.access_token()
        if token is None:
            return None
        try:
            return self.validator.validate(token)
        except AuthError:
            session.clear()
            return None


bp = Blueprint("auth", __name__)


@bp.get("/login")
def login() -> Response:
    auth = dependency(Auth)
    session["after_login"] = local_path(request.args.get("next"))
    return auth.client.authorize_redirect(f"{auth.settings.portal_url}/auth/callback")


@bp.get("/auth/callback")
def callback() -> Response:
    try:
        token = dependency(Auth).client.authorize_access_token()
    except OAuthError:
        abort(400, "Sign-in did not complete. Please try again.")
    target = local_path(session.pop("after_login", "/"))
    session.clear()
    session["token"] = dict(token)
    # No fixation: an id handed out (or planted) before sign-in must not become the signed-in
    # session, so the stored pre-sign-in session is deleted and the browser gets a new id.
    current_app.session_interface.regenerate(session)
    return redirect(target)


@bp.post("/logout")
def logout() -> Response:
    auth = dependency(Auth)
    token = session.get("token") or {}
    session.clear()  # an emptied session is deleted from the store and its cookie with it
    metadata = auth.client.load_server_metadata()
    params = {
        "post_logout_redirect_uri": f"{auth.settings.portal_url}/",
        "client_id": auth.settings.portal_client_id,
    }
    if token.get("id_token"):
        params["id_token_hint"] = token["id_token"]
    return redirect(f"{metadata['end_session_endpoint']}?{urlencode(params)}")


def local_path(target: str | None, fallback: str = "/") -> str:
    r"""Only a path on this site: a ``next`` or ``back`` value is never an open redirect.

    The check is made on the value as a browser reads it in a Location header: browsers drop
    tab, CR and LF anywhere in a URL and read a backslash as a slash, so ``/<TAB>/evil`` and
    ``/\evil`` both mean ``//evil``, another host. A value with any control character sends the
    user to ``fallback``: it can only be an attack, and CR or LF cannot go in a header at all.
    """
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return fallback
    seen = target.replace("\\", "/")
    parts = urlsplit(seen)
    if not seen.startswith("/") or seen.startswith("//") or parts.scheme or parts.netloc:
        return fallback
    return target


def login_required(view: F) -> F:
    """Decorator: the view gets the signed-in person (the caller) first, or they are sent to sign in."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        caller = dependency(Auth).principal()
        if caller is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(caller, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
