"""A shared bundle's public pages, for its external recipient (the union's solicitors), who has no
account: the link ``/shared/<token>`` asks for the one-time code from the second e-mail, then shows
the index and the downloads. The bundle service checks everything (the link, the code, the session,
expiry, revocation, the wrong-code limit) and audits every access; the portal keeps the session it
answers with in a signed, HttpOnly cookie limited to the link's own path."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, redirect, render_template, request, stream_with_context, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from casework_portal.backend import ApiError, Backend
from casework_portal.pages import bp, site

COOKIE = "casework_share"
COOKIE_MAX_AGE_S = 24 * 3600  # the bundle service ends the session itself (30 minutes by default)


def signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="casework-share-session")


def session_for(token: str) -> str:
    """The session in this link's cookie, if the portal signed it for this very link."""
    raw = request.cookies.get(COOKIE, "")
    try:
        value = signer().loads(raw, max_age=COOKIE_MAX_AGE_S) if raw else None
    except BadSignature:
        return ""
    if not isinstance(value, dict) or value.get("link") != token:
        return ""
    return str(value.get("session", ""))


def backend(token: str) -> Backend:
    """Calls without a caller token; the recipient's session and address travel as headers."""
    api = Backend(None)
    api.session.headers["X-Forwarded-For"] = request.remote_addr or ""
    session = session_for(token)
    if session:
        api.session.headers["X-Share-Session"] = session
    return api


def link(token: str, path: str = "") -> str:
    return site().bundle(f"/v1/shared/{token}{path}")


def gone(error: ApiError) -> tuple[str, int]:
    if error.status == 410:
        return render_template("shared_gone.html", user=None, message=error.message), 410
    if error.status == 404:
        return render_template("shared_gone.html", user=None, message="This link is not valid."), 404
    raise error


def code_page(token: str, view: dict[str, Any], problem: str | None = None, status: int = 200) -> Any:
    return render_template("shared_code.html", user=None, token=token, view=view, problem=problem), status


@bp.get("/shared/<token>")
def shared(token: str) -> Any:
    try:
        view = backend(token).get(link(token))
    except ApiError as error:
        return gone(error)
    if view["state"] != "open":
        return code_page(token, view)
    return render_template("shared.html", user=None, token=token, view=view)


@bp.post("/shared/<token>")
def shared_code(token: str) -> Any:
    api = backend(token)
    code = "".join(request.form.get("code", "").split())
    try:
        opened = api.post_json(link(token, "/sessions"), {"code": code})
    except ApiError as error:
        if error.status in (404, 410):
            return gone(error)
        if error.status not in (403, 422):
            raise
        view = api.get(link(token))
        message = "Enter the code as it is in the e-mail: 6 to 8 digits." if error.status == 422 else error.message
        return code_page(token, view, message, error.status)
    response = redirect(url_for("pages.shared", token=token))
    response.set_cookie(
        COOKIE,
        signer().dumps({"link": token, "session": opened["session"]}),
        max_age=COOKIE_MAX_AGE_S,
        path=f"/shared/{token}",
        httponly=True,
        # As the portal's own session cookie: behind a TLS-terminating ingress the request itself
        # looks like plain HTTP, so the public address decides.
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )
    return response


@bp.post("/shared/<token>/code")
def shared_new_code(token: str) -> Any:
    api = backend(token)
    try:
        sent = api.post_json(link(token, "/codes"))
    except ApiError as error:
        if error.status in (404, 410):
            return gone(error)
        if error.status not in (403, 429):
            raise
        return code_page(token, api.get(link(token)), error.message, error.status)
    view, note = api.get(link(token)), f"A new code was sent to {sent['code_sent_to']}."
    return render_template("shared_code.html", user=None, token=token, view=view, sent=note)


@bp.get("/shared/<token>/volumes/<int:number>")
def shared_download(token: str, number: int) -> Any:
    try:
        chunks, headers = backend(token).get_stream(link(token, f"/volumes/{number}"))
    except ApiError as error:
        if error.status == 403:  # no session (or it ended): the code page
            return redirect(url_for("pages.shared", token=token))
        return gone(error)
    headers["Cache-Control"] = "no-store"
    return Response(stream_with_context(chunks), mimetype="application/pdf", headers=headers)
