"""The realm-configuration part of Keycloak's admin API subset: what ``casework_keycloak.apply`` uses.

Realm settings, realm roles, client scopes and their mappers, the realm's default scopes, clients
with their scopes, mappers and service accounts, service accounts' client roles, and required
actions. Writes change the realm document and the provider rebuilds its model from it, so a
changed mapper changes the next token exactly as the file would have.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from casework_local.idp.admin import guard
from casework_local.idp.realm import object_id
from casework_local.idp.server import Provider

REALM_MANAGEMENT = "realm-management"
REALM_MANAGEMENT_ROLES = (
    "realm-admin", "create-client", "impersonation", "manage-authorization", "manage-clients", "manage-events",
    "manage-identity-providers", "manage-realm", "manage-users", "query-clients", "query-groups", "query-realms",
    "query-users", "view-authorization", "view-clients", "view-events", "view-identity-providers", "view-realm",
    "view-users",
)  # fmt: skip
#: Realm-document keys that are not realm settings (they have their own endpoints).
SECTIONS = ("users", "clients", "clientScopes", "roles", "components", "requiredActions")


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(errorMessage=message), status


def _created(item_id: str) -> Response:
    response = Response(status=201)
    response.headers["Location"] = f"{request.base_url.rstrip('/')}/{item_id}"
    return response


def config_blueprint(provider: Provider) -> Blueprint:
    """Routes under /admin/realms/<realm> that read and change the realm's configuration."""
    realm = provider.realm
    bp = Blueprint("admin_config", __name__, url_prefix=f"/admin/realms/{realm.name}")
    require = guard(provider)
    management_id = object_id("client", REALM_MANAGEMENT)

    def change(edit: Callable[[dict[str, Any]], Any]) -> Any:
        """Apply ``edit`` to a copy of the document; the realm takes it only if it still loads."""
        with realm.lock:
            document = copy.deepcopy(realm.document)
            result = edit(document)
            try:
                realm.reconfigure(document)
            except (ValueError, KeyError) as exc:
                abort(_error(400, str(exc)))
        return result

    def find(items: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
        found = next((i for i in items if i.get(key) == value), None)
        if found is None:
            abort(_error(404, "Could not find it"))
        return found

    def body() -> Any:
        return request.get_json(force=True)

    # -- realm settings and required actions --------------------------------------------

    @bp.get("")
    def get_realm() -> Response:
        require("view-realm")
        shown = {k: v for k, v in realm.document.items() if k not in SECTIONS}
        return jsonify({**shown, "id": realm.name, "realm": realm.name})

    @bp.put("")
    def put_realm() -> Response:
        require("manage-realm")
        settings = {k: v for k, v in body().items() if k not in (*SECTIONS, "id", "realm")}
        change(lambda d: d.update(settings))
        return Response(status=204)

    @bp.get("/authentication/required-actions")
    def required_actions() -> Response:
        require("view-realm")
        return jsonify(realm.document.get("requiredActions", []))

    @bp.put("/authentication/required-actions/<alias>")
    def put_required_action(alias: str) -> Response:
        require("manage-realm")
        update = body()
        change(lambda d: find(d.get("requiredActions", []), "alias", alias).update(update, alias=alias))
        return Response(status=204)

    # -- realm roles -------------------------------------------------------------------

    @bp.post("/roles")
    def create_role() -> Any:
        require("manage-realm")
        role = {k: v for k, v in body().items() if k in ("name", "description", "attributes")}
        if role.get("name") in realm.realm_roles:
            return _error(409, f"Role with name {role['name']} already exists")
        change(lambda d: d.setdefault("roles", {}).setdefault("realm", []).append(role))
        return _created(role["name"])

    @bp.put("/roles/<name>")
    def update_role(name: str) -> Response:
        require("manage-realm")
        update = {k: v for k, v in body().items() if k in ("description", "attributes")}
        change(lambda d: find(d["roles"]["realm"], "name", name).update(update))
        return Response(status=204)

    # -- client scopes and mappers -------------------------------------------------------

    def scopes(d: dict[str, Any]) -> list[dict[str, Any]]:
        return d.setdefault("clientScopes", [])

    @bp.get("/client-scopes")
    def list_scopes() -> Response:
        require("view-clients")
        return jsonify(scopes(realm.document))

    @bp.get("/client-scopes/<sid>")
    def get_scope(sid: str) -> Response:
        require("view-clients")
        return jsonify(find(scopes(realm.document), "id", sid))

    @bp.post("/client-scopes")
    def create_scope() -> Any:
        require("manage-clients")
        scope = body()
        if any(s["name"] == scope.get("name") for s in scopes(realm.document)):
            return _error(409, f"Client Scope {scope.get('name')} already exists")
        scope = {**scope, "id": str(uuid.uuid4())}
        change(lambda d: scopes(d).append(scope))
        return _created(scope["id"])

    @bp.put("/client-scopes/<sid>")
    def update_scope(sid: str) -> Response:
        require("manage-clients")
        update = {k: v for k, v in body().items() if k not in ("id", "protocolMappers")}
        change(lambda d: find(scopes(d), "id", sid).update(update))
        return Response(status=204)

    def mapper_routes(prefix: str, owners: Callable[[dict[str, Any]], list[dict[str, Any]]], kind: str) -> None:
        access_view, access_manage = "view-clients", "manage-clients"

        @bp.get(f"{prefix}/<oid>/protocol-mappers/models", endpoint=f"{kind}_mappers")
        def list_mappers(oid: str) -> Response:
            require(access_view)
            return jsonify(find(owners(realm.document), "id", oid).get("protocolMappers", []))

        @bp.post(f"{prefix}/<oid>/protocol-mappers/models", endpoint=f"{kind}_add_mapper")
        def add_mapper(oid: str) -> Any:
            require(access_manage)
            mapper = {**body(), "id": str(uuid.uuid4())}
            owner = find(owners(realm.document), "id", oid)
            if any(m["name"] == mapper.get("name") for m in owner.get("protocolMappers", [])):
                return _error(409, f"Protocol mapper exists with same name: {mapper.get('name')}")
            change(lambda d: find(owners(d), "id", oid).setdefault("protocolMappers", []).append(mapper))
            return _created(mapper["id"])

        @bp.put(f"{prefix}/<oid>/protocol-mappers/models/<mid>", endpoint=f"{kind}_update_mapper")
        def update_mapper(oid: str, mid: str) -> Response:
            require(access_manage)
            update = {k: v for k, v in body().items() if k != "id"}
            change(lambda d: find(find(owners(d), "id", oid).get("protocolMappers", []), "id", mid).update(update))
            return Response(status=204)

    mapper_routes("/client-scopes", scopes, "scope")

    # -- default scopes (realm and client) ----------------------------------------------

    def scope_refs(names: list[str]) -> list[dict[str, str]]:
        by_name = {s["name"]: s["id"] for s in scopes(realm.document)}
        return [{"id": by_name[n], "name": n} for n in names if n in by_name]

    def scope_name(sid: str) -> str:
        return find(scopes(realm.document), "id", sid)["name"]

    for kind, key in (("default", "defaultDefaultClientScopes"), ("optional", "defaultOptionalClientScopes")):

        def realm_defaults(key: str = key) -> Response:
            require("view-realm")
            return jsonify(scope_refs(realm.document.get(key, [])))

        def link(sid: str, key: str = key) -> Response:
            require("manage-realm")
            name = scope_name(sid)
            change(lambda d: d.setdefault(key, []).append(name) if name not in d.get(key, []) else None)
            return Response(status=204)

        def unlink(sid: str, key: str = key) -> Response:
            require("manage-realm")
            name = scope_name(sid)
            change(lambda d: d.__setitem__(key, [n for n in d.get(key, []) if n != name]))
            return Response(status=204)

        bp.add_url_rule(f"/default-{kind}-client-scopes", f"realm_{kind}_scopes", realm_defaults, methods=["GET"])
        bp.add_url_rule(f"/default-{kind}-client-scopes/<sid>", f"realm_{kind}_link", link, methods=["PUT"])
        bp.add_url_rule(f"/default-{kind}-client-scopes/<sid>", f"realm_{kind}_unlink", unlink, methods=["DELETE"])

    # -- clients -----------------------------------------------------------------------

    def clients(d: dict[str, Any]) -> list[dict[str, Any]]:
        return d.setdefault("clients", [])

    def management_client() -> dict[str, Any]:
        return {
            "id": management_id,
            "clientId": REALM_MANAGEMENT,
            "name": "${client_realm-management}",
            "bearerOnly": True,
        }

    @bp.get("/clients")
    def list_clients() -> Response:
        require("view-clients")
        listed = [*clients(realm.document), management_client()]
        wanted = request.args.get("clientId")
        return jsonify([c for c in listed if wanted is None or c["clientId"] == wanted])

    @bp.get("/clients/<cid>")
    def get_client(cid: str) -> Response:
        require("view-clients")
        return jsonify(management_client() if cid == management_id else find(clients(realm.document), "id", cid))

    @bp.post("/clients")
    def create_client() -> Any:
        require("manage-clients")
        client = body()
        if any(c["clientId"] == client.get("clientId") for c in clients(realm.document)):
            return _error(409, f"Client {client.get('clientId')} already exists")
        client = {**client, "id": str(uuid.uuid4())}
        change(lambda d: clients(d).append(client))
        return _created(client["id"])

    @bp.put("/clients/<cid>")
    def update_client(cid: str) -> Response:
        require("manage-clients")
        update = {k: v for k, v in body().items() if k not in ("id", "protocolMappers", "clientId")}
        change(lambda d: find(clients(d), "id", cid).update(update))
        return Response(status=204)

    mapper_routes("/clients", clients, "client")

    def linked(cid: str, key: str) -> list[str]:
        """A client's scope names as the realm resolved them (the realm's defaults if the entry lists none)."""
        model = realm.clients[find(clients(realm.document), "id", cid)["clientId"]]
        return list(model.default_scopes if key == "defaultClientScopes" else model.optional_scopes)

    for kind, key in (("default", "defaultClientScopes"), ("optional", "optionalClientScopes")):

        def client_scopes(cid: str, key: str = key) -> Response:
            require("view-clients")
            return jsonify(scope_refs(linked(cid, key)))

        def client_link(cid: str, sid: str, key: str = key) -> Response:
            require("manage-clients")
            names = list(dict.fromkeys([*linked(cid, key), scope_name(sid)]))
            change(lambda d: find(clients(d), "id", cid).__setitem__(key, names))
            return Response(status=204)

        def client_unlink(cid: str, sid: str, key: str = key) -> Response:
            require("manage-clients")
            names = [n for n in linked(cid, key) if n != scope_name(sid)]
            change(lambda d: find(clients(d), "id", cid).__setitem__(key, names))
            return Response(status=204)

        bp.add_url_rule(f"/clients/<cid>/{kind}-client-scopes", f"client_{kind}_scopes", client_scopes)
        bp.add_url_rule(
            f"/clients/<cid>/{kind}-client-scopes/<sid>", f"client_{kind}_link", client_link, methods=["PUT"]
        )
        bp.add_url_rule(
            f"/clients/<cid>/{kind}-client-scopes/<sid>", f"client_{kind}_unlink", client_unlink, methods=["DELETE"]
        )

    @bp.get("/clients/<cid>/service-account-user")
    def service_account_user(cid: str) -> Any:
        require("view-clients")
        account = realm.service_account(find(clients(realm.document), "id", cid)["clientId"])
        if account is None:
            return _error(400, "Service account not enabled for the client")
        return jsonify(account.representation())

    # -- client roles (realm-management only: the roles service accounts are given) ------------

    def management_role(name: str) -> dict[str, Any]:
        return {"id": object_id("role", REALM_MANAGEMENT, name), "name": name, "clientRole": True,
                "composite": name == "realm-admin", "containerId": management_id}  # fmt: skip

    @bp.get("/clients/<cid>/roles/<name>")
    def client_role(cid: str, name: str) -> Any:
        require("view-clients")
        if cid != management_id or name not in REALM_MANAGEMENT_ROLES:
            return _error(404, "Could not find role")
        return jsonify(management_role(name))

    @bp.get("/users/<uid>/role-mappings/clients/<cid>")
    def user_client_roles(uid: str, cid: str) -> Any:
        require("view-users")
        user = realm.user_by_id(uid)
        if user is None or cid != management_id:
            return _error(404, "Could not find it")
        return jsonify([management_role(r) for r in user.client_roles.get(REALM_MANAGEMENT, [])])

    @bp.post("/users/<uid>/role-mappings/clients/<cid>")
    def add_user_client_roles(uid: str, cid: str) -> Any:
        require("manage-users")
        names = [r["name"] for r in body()]
        user = realm.user_by_id(uid)
        if user is None or cid != management_id or not set(names) <= set(REALM_MANAGEMENT_ROLES):
            return _error(404, "Could not find it")
        with realm.lock:
            held = user.client_roles.setdefault(REALM_MANAGEMENT, [])
            held.extend(n for n in names if n not in held)
        return Response(status=204)

    return bp
