"""The subset of Keycloak's admin REST API that casework's tools use, with Keycloak's URLs and JSON.

Users (search, attribute query, create, partial update, credentials, password reset), realm roles
and user role mappings. Callers authenticate as Keycloak requires: a bearer token of a user or
service account holding the realm-management client roles the operation needs (realm-admin holds
them all). The directory (casework_common.directory) and the provisioning tool
(casework_keycloak.provision) run against this and against Keycloak unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from casework_local.idp.realm import Realm, User, user_from_representation
from casework_local.idp.server import Provider

_ROLE_NAMESPACE = uuid.UUID("5b0e6c8e-8f3c-4d41-9d6a-4a8c2f4f7d21")

#: Which realm-management roles satisfy each kind of access (Keycloak's composites: manage-x includes view-x).
ACCESS: dict[str, set[str]] = {
    "view-users": {"view-users", "manage-users", "query-users"},
    "manage-users": {"manage-users"},
    "view-realm": {"view-realm", "manage-realm", "view-users", "manage-users"},
    "manage-realm": {"manage-realm"},
    "view-clients": {"view-clients", "manage-clients", "query-clients"},
    "manage-clients": {"manage-clients"},
}


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(errorMessage=message), status


def _page(items: list[Any]) -> list[Any]:
    first = int(request.args.get("first", 0))
    limit = int(request.args.get("max", 100))
    return items[first : first + limit] if limit >= 0 else items[first:]


def role_representation(realm: Realm, name: str) -> dict[str, Any]:
    """Keycloak's RoleRepresentation of a realm role."""
    role = realm.realm_roles.get(name, {})
    return {
        "id": str(uuid.uuid5(_ROLE_NAMESPACE, name)),
        "name": name,
        "description": role.get("description", ""),
        "composite": name == realm.default_roles[0],
        "clientRole": False,
        "containerId": realm.name,
        "attributes": role.get("attributes", {}),
    }


def _matches_search(user: User, search: str) -> bool:
    """Keycloak's ``search``: substring of username, email, first or last name; "*" wildcards; exact in quotes."""
    fields = [user.username, user.email or "", user.first_name or "", user.last_name or ""]
    if len(search) > 1 and search.startswith('"') and search.endswith('"'):
        return search[1:-1].lower() in (f.lower() for f in fields)
    needle = search.replace("*", "").lower()
    return any(needle in f.lower() for f in fields)


def _attribute_query(query: str) -> list[tuple[str, str]]:
    """``q=key:value key2:"value two"`` as Keycloak's SearchQueryUtils reads it."""
    terms: list[tuple[str, str]] = []
    rest = query.strip()
    while rest:
        key, _, rest = rest.partition(":")
        if rest.startswith('"'):
            value, _, rest = rest[1:].partition('"')
        else:
            value, _, rest = rest.partition(" ")
        terms.append((key.strip(), value))
        rest = rest.strip()
    return terms


def guard(provider: Provider) -> Callable[[str], None]:
    """A check that the request's bearer token belongs to someone holding ``access`` (see ACCESS)."""
    realm = provider.realm

    def require(access: str) -> None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        claims = provider.decode_access_token(value) if scheme.lower() == "bearer" else None
        caller = realm.user_by_id(claims.get("sub", "")) if claims else None
        if caller is None or not caller.enabled:
            abort(401)
        # Like Keycloak, permissions come from the caller's role mappings, not from what the token lists.
        held = set(caller.client_roles.get("realm-management", []))
        if "realm-admin" not in held and not ACCESS[access].intersection(held):
            abort(403)

    return require


def admin_blueprint(provider: Provider) -> Blueprint:
    """The /admin/realms/<realm> routes for the provider's realm."""
    realm = provider.realm
    admin = Blueprint("admin", __name__, url_prefix=f"/admin/realms/{realm.name}")

    require = guard(provider)

    def people() -> list[User]:
        with realm.lock:
            return [u for u in realm.users.values() if u.service_account_client is None]

    def found_user(user_id: str) -> User:
        user = realm.user_by_id(user_id)
        if user is None or user.service_account_client:
            abort(_error(404, "User not found"))
        return user

    def email_taken(email: str | None, other_than: User | None = None) -> bool:
        wanted = (email or "").lower()
        return bool(wanted) and any(u is not other_than and (u.email or "").lower() == wanted for u in people())

    @admin.get("/users")
    def users() -> Response:
        require("view-users")
        exact = request.args.get("exact", "false").lower() == "true"
        matches = people()
        getters: dict[str, Callable[[User], str]] = {
            "username": lambda u: u.username,
            "email": lambda u: u.email or "",
            "firstName": lambda u: u.first_name or "",
            "lastName": lambda u: u.last_name or "",
        }
        for name, getter in getters.items():
            wanted = request.args.get(name)
            if wanted is not None:
                wanted = wanted.lower()
                matches = [
                    u for u in matches if (getter(u).lower() == wanted if exact else wanted in getter(u).lower())
                ]
        if request.args.get("enabled") is not None:
            enabled = request.args["enabled"].lower() == "true"
            matches = [u for u in matches if u.enabled == enabled]
        if request.args.get("search"):
            matches = [u for u in matches if _matches_search(u, request.args["search"])]
        for key, value in _attribute_query(request.args.get("q", "")):
            matches = [u for u in matches if value in u.attributes.get(key, [])]
        matches.sort(key=lambda u: u.username)
        return jsonify([u.representation() for u in _page(matches)])

    @admin.get("/users/count")
    def users_count() -> Response:
        require("view-users")
        return jsonify(len(people()))

    @admin.post("/users")
    def create_user() -> Any:
        require("manage-users")
        body = request.get_json(force=True)
        if not body.get("username"):
            return _error(400, "User name is missing")
        if email_taken(body.get("email")):
            return _error(409, "User exists with same email")
        body = {k: v for k, v in body.items() if k not in ("id", "serviceAccountClientId", "clientRoles")}
        body["id"] = str(uuid.uuid4())
        user = user_from_representation(body)
        user.realm_roles = [r for r in user.realm_roles if r in realm.realm_roles]
        try:
            realm.add_user(user)
        except ValueError:
            return _error(409, "User exists with same username")
        response = Response(status=201)
        response.headers["Location"] = f"{request.base_url.rstrip('/')}/{user.id}"
        return response

    @admin.get("/users/<user_id>")
    def user(user_id: str) -> Response:
        require("view-users")
        return jsonify(found_user(user_id).representation())

    @admin.put("/users/<user_id>")
    def update_user(user_id: str) -> Any:
        require("manage-users")
        body = request.get_json(force=True)
        with realm.lock:
            user = found_user(user_id)
            if "username" in body and body["username"].lower() != user.username:
                return _error(400, "error-user-attribute-read-only")  # editUsernameAllowed is false
            if "email" in body and email_taken(body["email"], other_than=user):
                return _error(409, "User exists with same email")
            # Keycloak changes only what the representation carries; attributes are replaced as a whole.
            fields: dict[str, Callable[[Any], None]] = {
                "email": lambda v: setattr(user, "email", v),
                "emailVerified": lambda v: setattr(user, "email_verified", bool(v)),
                "firstName": lambda v: setattr(user, "first_name", v),
                "lastName": lambda v: setattr(user, "last_name", v),
                "enabled": lambda v: setattr(user, "enabled", bool(v)),
                "attributes": lambda v: setattr(
                    user, "attributes", {k: list(x) if isinstance(x, list) else [x] for k, x in (v or {}).items()}
                ),
                "requiredActions": lambda v: setattr(user, "required_actions", list(v or [])),
            }
            for key, value in body.items():
                if key in fields:
                    fields[key](value)
        if body.get("enabled") is False:
            provider.store.end_sessions_of(user)
        return Response(status=204)

    @admin.get("/users/<user_id>/credentials")
    def credentials(user_id: str) -> Response:
        require("view-users")
        user = found_user(user_id)
        held = [{"id": str(uuid.uuid5(_ROLE_NAMESPACE, user.id)), "type": "password"}] if user.password else []
        return jsonify(held)

    @admin.put("/users/<user_id>/reset-password")
    def reset_password(user_id: str) -> Any:
        require("manage-users")
        body = request.get_json(force=True)
        if body.get("type", "password") != "password" or not body.get("value"):
            return _error(400, "invalid credential")
        with realm.lock:
            user = found_user(user_id)
            user.password = body["value"]
            pending = [a for a in user.required_actions if a != "UPDATE_PASSWORD"]
            user.required_actions = pending + (["UPDATE_PASSWORD"] if body.get("temporary", True) else [])
        return Response(status=204)

    @admin.get("/users/<user_id>/role-mappings/realm")
    def user_realm_roles(user_id: str) -> Response:
        require("view-users")
        user = realm.user_by_id(user_id)
        if user is None:
            return _error(404, "User not found")
        names = realm.default_roles[:1] + list(user.realm_roles)
        return jsonify([role_representation(realm, n) for n in names])

    def role_names_in_body() -> list[str]:
        names = [r.get("name", "") for r in request.get_json(force=True) or []]
        unknown = [n for n in names if n not in realm.realm_roles]
        if unknown:
            abort(_error(404, "Role not found"))
        return names

    @admin.post("/users/<user_id>/role-mappings/realm")
    def add_realm_roles(user_id: str) -> Response:
        require("manage-users")
        names = role_names_in_body()
        with realm.lock:
            user = found_user(user_id)
            user.realm_roles = list(dict.fromkeys([*user.realm_roles, *names]))
        return Response(status=204)

    @admin.delete("/users/<user_id>/role-mappings/realm")
    def remove_realm_roles(user_id: str) -> Response:
        require("manage-users")
        names = set(role_names_in_body())
        with realm.lock:
            user = found_user(user_id)
            user.realm_roles = [r for r in user.realm_roles if r not in names]
        return Response(status=204)

    @admin.get("/roles")
    def roles() -> Response:
        require("view-realm")
        names = [realm.default_roles[0], *realm.realm_roles]
        return jsonify(_page([role_representation(realm, n) for n in dict.fromkeys(names)]))

    @admin.get("/roles/<role>")
    def role(role: str) -> Any:
        require("view-realm")
        if role not in realm.realm_roles:
            return _error(404, "Could not find role")
        return jsonify(role_representation(realm, role))

    @admin.get("/roles/<role>/users")
    def role_members(role: str) -> Any:
        require("view-users")
        if role not in realm.realm_roles:
            return _error(404, "Could not find role")
        members = sorted((u for u in people() if role in u.realm_roles), key=lambda u: u.username)
        return jsonify([u.representation() for u in _page(members)])

    return admin
