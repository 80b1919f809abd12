"""Flask views serving Keycloak's URL layout for one realm.

/realms/<realm>/.well-known/openid-configuration
/realms/<realm>/protocol/openid-connect/{auth,token,certs,userinfo,logout}
/admin/realms/<realm>/users[/<id>]          (read-only subset of the admin API)
/health/ready, /health/live                 (Keycloak's management endpoints)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Flask, Response, abort, jsonify, redirect, render_template, request

from casework_local.idp.realm import load_realm
from casework_local.idp.server import Provider, SessionUser, build_server, load_or_create_key

SSO_COOKIE = "CASEWORK_IDP_SESSION"


def create_app(realm_file: Path, key_file: Path, public_url: str) -> Flask:
    """The provider app for the realm in ``realm_file``, reachable at ``public_url``."""
    realm = load_realm(realm_file)
    issuer = f"{public_url.rstrip('/')}/realms/{realm.name}"
    provider = Provider(realm, load_or_create_key(key_file), issuer)
    app = Flask(__name__)
    provider.server.init_app(app)  # before build_server: init_app installs authlib's default token generator
    server = build_server(provider)
    oidc = Blueprint("oidc", __name__, url_prefix=f"/realms/{realm.name}")
    admin = Blueprint("admin", __name__, url_prefix=f"/admin/realms/{realm.name}")
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
            scopes_supported=["openid", "profile", "email", "offline_access", "roles"],
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
        if user is None:
            return render_template(
                "login.html",
                realm=realm.name,
                error="Invalid username or password.",
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
        user = realm.user_by_id(claims["sub"]) if claims else None
        client = realm.clients.get(claims.get("azp", "")) if claims else None
        if user is None or client is None:
            return jsonify(error="invalid_token", error_description="Token verification failed"), 401
        info, _ = provider.user_claims(client, user, "userinfo")
        return jsonify(sub=user.id, **info)

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

    def require_admin_reader() -> None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        claims = provider.decode_access_token(value) if scheme.lower() == "bearer" else None
        if claims is None:
            abort(401)
        roles = claims.get("resource_access", {}).get("realm-management", {}).get("roles", [])
        if not {"view-users", "query-users", "manage-users"}.intersection(roles):
            abort(403)

    def listed_users() -> list[Any]:
        return [u for u in realm.users.values() if u.service_account_client is None]

    @admin.get("/users")
    def users() -> Response:
        require_admin_reader()
        exact = request.args.get("exact", "false").lower() == "true"
        matches = listed_users()
        for field, getter in (("username", lambda u: u.username), ("email", lambda u: u.email or "")):
            wanted = request.args.get(field)
            if wanted is not None:
                wanted = wanted.lower()
                matches = [
                    u for u in matches if (getter(u).lower() == wanted if exact else wanted in getter(u).lower())
                ]
        search = request.args.get("search")
        if search:
            needle = search.strip("*").lower()
            matches = [u for u in matches if needle in u.username.lower() or needle in (u.email or "").lower()]
        for term in request.args.get("q", "").split():  # Keycloak's attribute search: q=key:value key2:value2
            key, _, value = term.partition(":")
            matches = [u for u in matches if value in u.attributes.get(key, [])]
        first = int(request.args.get("first", 0))
        limit = int(request.args.get("max", 100))
        return jsonify([u.representation() for u in matches[first : first + limit]])

    @admin.get("/users/<user_id>")
    def user(user_id: str) -> Response:
        require_admin_reader()
        found = realm.user_by_id(user_id)
        if found is None or found.service_account_client:
            return jsonify(error="User not found"), 404
        return jsonify(found.representation())

    @admin.get("/users/<user_id>/role-mappings/realm")
    def user_realm_roles(user_id: str) -> Response:
        require_admin_reader()
        found = realm.user_by_id(user_id)
        if found is None:
            return jsonify(error="User not found"), 404
        names = realm.default_roles[:1] + list(found.realm_roles)
        return jsonify([{"id": name, "name": name, "composite": False, "clientRole": False} for name in names])

    @admin.get("/roles/<role>/users")
    def role_members(role: str) -> Response:
        require_admin_reader()
        if role not in realm.realm_roles:
            return jsonify(error="Could not find role"), 404
        members = [u for u in listed_users() if role in u.realm_roles]
        first = int(request.args.get("first", 0))
        limit = int(request.args.get("max", 100))
        return jsonify([u.representation() for u in members[first : first + limit]])

    @app.get("/health/ready")
    @app.get("/health/live")
    def health() -> Response:
        return jsonify(status="UP")

    app.register_blueprint(oidc)
    app.register_blueprint(admin)
    return app
