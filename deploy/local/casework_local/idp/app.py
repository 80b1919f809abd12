"""Flask views serving Keycloak's URL layout for one realm.

/realms/<realm>/.well-known/openid-configuration
/realms/<realm>/protocol/openid-connect/{auth,token,certs,userinfo,logout}
/admin/realms/<realm>/...                   (the admin API subset in admin.py)
/health/ready, /health/live                 (Keycloak's management endpoints)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request

from casework_local.idp.admin import admin_blueprint
from casework_local.idp.admin_config import config_blueprint
from casework_local.idp.realm import load_realm
from casework_local.idp.server import Provider, SessionUser, build_server, load_or_create_key

SSO_COOKIE = "CASEWORK_IDP_SESSION"


def create_app(realm_file: Path, key_file: Path, public_url: str, overlays: Iterable[Path] = ()) -> Flask:
    """The provider app for the realm in ``realm_file`` (with ``overlays`` merged), reachable at ``public_url``."""
    realm = load_realm(realm_file, overlays=overlays)
    issuer = f"{public_url.rstrip('/')}/realms/{realm.name}"
    provider = Provider(realm, load_or_create_key(key_file), issuer)
    app = Flask(__name__)
    provider.server.init_app(app)  # before build_server: init_app installs authlib's default token generator
    server = build_server(provider)
    oidc = Blueprint("oidc", __name__, url_prefix=f"/realms/{realm.name}")
    cookie_path = f"/realms/{realm.name}/"

    def endpoint(name: str) -> str:
        return f"{issuer}/protocol/openid-connect/{name}"

    @oidc.get("/.well-known/openid-configuration")
    def discovery() -> Response:
        return jsonify(
            issuer=issuer,
            authorization_endpoint=endpoint("auth"),
            token_endpoint=endpoint("token"),
            userinfo_endpoint=endpoint("userinfo"),
            end_session_endpoint=endpoint("logout"),
            jwks_uri=endpoint("certs"),
            grant_types_supported=["authorization_code", "refresh_token", "password", "client_credentials"],
            response_types_supported=["code"],
            response_modes_supported=["query"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post", "none"],
            code_challenge_methods_supported=["S256", "plain"],
            scopes_supported=["openid", *realm.scopes],  # as Keycloak: every client scope of the realm
            claims_supported=[
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "preferred_username",
                "email",
                "name",
                "given_name",
                "family_name",
                "realm_access",
                "branch",
                "region",
                "membership_number",
            ],
        )

    @oidc.get("/protocol/openid-connect/certs")
    def certs() -> Response:
        return jsonify(provider.jwks())

    def current_session() -> Any:
        sid = request.cookies.get(SSO_COOKIE)
        return provider.store.sessions.get(sid) if sid else None

    @oidc.route("/protocol/openid-connect/auth", methods=["GET", "POST"])
    def authorize() -> Any:
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            return render_template(
                "error.html", realm=realm.name, error=error.error, description=error.description
            ), 400
        client_id = grant.client.get_client_id()
        session = current_session()
        if request.method == "GET":
            if session is not None and request.args.get("prompt") != "login":
                return server.create_authorization_response(
                    grant_user=SessionUser(session.user, session, client_id), grant=grant
                )
            return render_template("login.html", realm=realm.name, error=None, username="")
        user = provider.authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is None or not provider.account_ready(user):
            return render_template(
                "login.html",
                realm=realm.name,
                error="Invalid username or password." if user is None else "Account is not fully set up.",
                username=request.form.get("username", ""),
            ), 401
        session = provider.store.new_session(user)
        response = server.create_authorization_response(grant_user=SessionUser(user, session, client_id), grant=grant)
        response.set_cookie(
            SSO_COOKIE, session.sid, httponly=True, samesite="Lax", path=cookie_path, secure=request.is_secure
        )
        return response

    @oidc.post("/protocol/openid-connect/token")
    def token() -> Response:
        return server.create_token_response()

    @oidc.route("/protocol/openid-connect/userinfo", methods=["GET", "POST"])
    def userinfo() -> Any:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        claims = provider.decode_access_token(value) if scheme.lower() == "bearer" else None
        # Keycloak finds the user through the token's session, so a token without sub still works here.
        session = provider.store.sessions.get(claims.get("sid", "")) if claims else None
        user = session.user if session else (realm.user_by_id(claims.get("sub", "")) if claims else None)
        client = realm.clients.get(claims.get("azp", "")) if claims else None
        if user is None or client is None:
            return jsonify(error="invalid_token", error_description="Token verification failed"), 401
        info = provider.user_claims(client, user, "userinfo", claims.get("scope"), session.notes if session else None)
        info.pop("aud", None)
        return jsonify({**info, "sub": user.id})

    @oidc.route("/protocol/openid-connect/logout", methods=["GET", "POST"])
    def logout() -> Any:
        hint = request.values.get("id_token_hint")
        hinted = provider.decode_access_token(hint) if hint else None
        sid = (hinted or {}).get("sid") or request.cookies.get(SSO_COOKIE)
        if sid:
            provider.store.end_session(sid)
        target = request.values.get("post_logout_redirect_uri")
        client_id = request.values.get("client_id") or (hinted or {}).get("azp")
        client = realm.clients.get(client_id or "")
        if target and client and client.post_logout_allowed(target):
            state = request.values.get("state")
            response = redirect(
                target + (("&" if "?" in target else "?") + urlencode({"state": state}) if state else "")
            )
        else:
            response = Response(render_template("logged_out.html", realm=realm.name))
        response.delete_cookie(SSO_COOKIE, path=cookie_path)
        return response

    @app.get("/health/ready")
    @app.get("/health/live")
    def health() -> Response:
        return jsonify(status="UP")

    app.register_blueprint(oidc)
    app.register_blueprint(admin_blueprint(provider))
    app.register_blueprint(config_blueprint(provider))
    return app
