"""Bring a running Keycloak's realm in line with the realm file, through the admin API.

Keycloak's ``--import-realm`` skips a realm that already exists, so changes made to
casework-realm.json after the first install (a new client scope, a mapper, a client's flags, a
service account's roles) would never reach production. This creates what is missing and updates
what differs: realm settings, realm roles, client scopes and their protocol mappers, the realm's
default scopes, clients (flags, scopes, mappers), service accounts' roles and required actions.
It deletes nothing but scope links the file no longer lists on a client, and it never touches
people (provisioning does that). Every change is reported; with ``dry_run`` none is made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from keycloak import KeycloakAdmin

#: Realm-file keys handled by their own step (or not by this tool at all) rather than as realm settings.
NOT_SETTINGS = frozenset(
    {
        "realm",
        "keycloakVersion",
        "roles",
        "clients",
        "clientScopes",
        "users",
        "components",
        "defaultDefaultClientScopes",
        "defaultOptionalClientScopes",
        "requiredActions",
    }
)
#: Client fields compared field by field; scopes and mappers have their own endpoints, and a secret
#: is set when the client is created and rotated in Keycloak, never overwritten from the file.
CLIENT_OWN_STEPS = frozenset({"defaultClientScopes", "optionalClientScopes", "protocolMappers", "secret", "id"})


@dataclass
class ApplyReport:
    dry_run: bool
    changes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.changes:
            return "the realm already matches the file"
        verb = "would make" if self.dry_run else "made"
        return f"{verb} {len(self.changes)} change(s)"


def differs(want: Any, have: Any) -> bool:
    """True when ``have`` lacks something ``want`` states (objects compared key by key, recursively)."""
    if isinstance(want, dict):
        return not isinstance(have, dict) or any(differs(v, have.get(k)) for k, v in want.items())
    return want != have


class RealmApplier:
    """Applies one realm document (casework_keycloak.realmfile.load_document) through ``admin``."""

    def __init__(self, admin: KeycloakAdmin, document: dict[str, Any], dry_run: bool = False) -> None:
        self.admin = admin
        self.doc = document
        self.realm = document["realm"]
        self.report = ApplyReport(dry_run=dry_run)

    def _do(self, what: str, action: Callable[[], Any]) -> Any:
        self.report.changes.append(what)
        return None if self.report.dry_run else action()

    def run(self) -> ApplyReport:
        """Every step in dependency order: roles and scopes before the clients that use them."""
        self.settings()
        self.roles()
        scope_ids = self.client_scopes()
        self.realm_default_scopes(scope_ids)
        client_ids = self.clients(scope_ids)
        self.service_accounts(client_ids)
        self.required_actions()
        return self.report

    def settings(self) -> None:
        want = {k: v for k, v in self.doc.items() if k not in NOT_SETTINGS}
        have = self.admin.get_realm(self.realm)
        changed = {k: v for k, v in want.items() if differs(v, have.get(k))}
        if changed:
            self._do(
                f"realm settings: {', '.join(sorted(changed))}", lambda: self.admin.update_realm(self.realm, changed)
            )

    def roles(self) -> None:
        have = {r["name"]: r for r in self.admin.get_realm_roles(brief_representation=False)}
        for role in self.doc.get("roles", {}).get("realm", []):
            name = role["name"]
            if name not in have:
                self._do(f"realm role {name}: create", lambda role=role: self.admin.create_realm_role(role))
            elif differs(role, have[name]):
                self._do(
                    f"realm role {name}: update",
                    lambda name=name, role=role: self.admin.update_realm_role(name, {**have[name], **role}),
                )

    def client_scopes(self) -> dict[str, str]:
        """Create or update every client scope of the file; returns scope name -> id."""
        have = {s["name"]: s for s in self.admin.get_client_scopes()}
        ids = {name: scope["id"] for name, scope in have.items()}
        for scope in self.doc.get("clientScopes", []):
            name = scope["name"]
            if name not in have:
                created = self._do(
                    f"client scope {name}: create", lambda scope=scope: self.admin.create_client_scope(scope)
                )
                ids[name] = created or f"(new {name})"
                continue
            plain = {k: v for k, v in scope.items() if k != "protocolMappers"}
            current = {k: v for k, v in have[name].items() if k != "protocolMappers"}
            if differs(plain, current):
                self._do(
                    f"client scope {name}: update",
                    lambda sid=ids[name], p={**current, **plain}: self.admin.update_client_scope(sid, p),
                )
            self._mappers(
                f"client scope {name}",
                scope.get("protocolMappers", []),
                self.admin.get_mappers_from_client_scope(ids[name]),
                lambda m, sid=ids[name]: self.admin.add_mapper_to_client_scope(sid, m),
                lambda mid, m, sid=ids[name]: self.admin.update_mapper_in_client_scope(sid, mid, m),
            )
        return ids

    def _mappers(
        self,
        owner: str,
        want: list[dict[str, Any]],
        have_list: list[dict[str, Any]],
        add: Callable[[dict[str, Any]], Any],
        update: Callable[[str, dict[str, Any]], Any],
    ) -> None:
        have = {m["name"]: m for m in have_list}
        for mapper in want:
            name = mapper["name"]
            if name not in have:
                self._do(f"{owner}: add mapper {name}", lambda mapper=mapper: add(mapper))
            elif differs(mapper, have[name]):
                merged = {
                    **have[name],
                    **mapper,
                    "config": {**have[name].get("config", {}), **mapper.get("config", {})},
                }
                self._do(f"{owner}: update mapper {name}", lambda m=merged: update(m["id"], m))

    def realm_default_scopes(self, scope_ids: dict[str, str]) -> None:
        for kind, get, add in (
            ("default", self.admin.get_default_default_client_scopes, self.admin.add_default_default_client_scope),
            ("optional", self.admin.get_default_optional_client_scopes, self.admin.add_default_optional_client_scope),
        ):
            have = {s["name"] for s in get()}
            key = "defaultDefaultClientScopes" if kind == "default" else "defaultOptionalClientScopes"
            for name in self.doc.get(key, []):
                if name not in have:
                    self._do(f"realm {kind} client scope {name}: add", lambda sid=scope_ids[name], add=add: add(sid))

    def clients(self, scope_ids: dict[str, str]) -> dict[str, str]:
        """Create or update every client of the file; returns clientId -> id."""
        have = {c["clientId"]: c for c in self.admin.get_clients()}
        ids = {client_id: c["id"] for client_id, c in have.items()}
        for client in self.doc.get("clients", []):
            client_id = client["clientId"]
            if client_id not in have:
                created = self._do(f"client {client_id}: create", lambda c=client: self.admin.create_client(c))
                ids[client_id] = created or f"(new {client_id})"
                continue
            plain = {k: v for k, v in client.items() if k not in CLIENT_OWN_STEPS}
            current = have[client_id]
            changed = sorted(k for k, v in plain.items() if differs(v, current.get(k)))
            if changed:
                merged = {
                    **current,
                    **plain,
                    "attributes": {**current.get("attributes", {}), **plain.get("attributes", {})},
                }
                merged.pop("secret", None)
                self._do(
                    f"client {client_id}: {', '.join(changed)}",
                    lambda cid=ids[client_id], m=merged: self.admin.update_client(cid, m),
                )
            self._client_scopes(client, ids[client_id], scope_ids)
            self._mappers(
                f"client {client_id}",
                client.get("protocolMappers", []),
                self.admin.get_mappers_from_client(ids[client_id]),
                lambda m, cid=ids[client_id]: self.admin.add_mapper_to_client(cid, m),
                lambda mid, m, cid=ids[client_id]: self.admin.update_client_mapper(cid, mid, m),
            )
        return ids

    def _client_scopes(self, client: dict[str, Any], cid: str, scope_ids: dict[str, str]) -> None:
        a = self.admin
        for key, get, add, remove in (
            (
                "defaultClientScopes",
                a.get_client_default_client_scopes,
                a.add_client_default_client_scope,
                a.delete_client_default_client_scope,
            ),
            (
                "optionalClientScopes",
                a.get_client_optional_client_scopes,
                a.add_client_optional_client_scope,
                a.delete_client_optional_client_scope,
            ),
        ):
            if key not in client:
                continue
            have = {s["name"]: s["id"] for s in get(cid)}
            want = client[key]
            for name in want:
                if name not in have:
                    self._do(
                        f"client {client['clientId']}: {key} add {name}",
                        lambda sid=scope_ids[name], add=add: add(cid, sid, {}),
                    )
            for name, sid in have.items():
                if name not in want:
                    self._do(
                        f"client {client['clientId']}: {key} remove {name}",
                        lambda sid=sid, remove=remove: remove(cid, sid),
                    )

    def service_accounts(self, client_ids: dict[str, str]) -> None:
        """The realm and client roles of each service account the file lists."""
        for user in self.doc.get("users", []):
            owner = user.get("serviceAccountClientId")
            if not owner:
                continue
            if client_ids[owner].startswith("(new"):
                self._do(f"service account of {owner}: grant its roles once the client exists", lambda: None)
                continue
            account = self.admin.get_client_service_account_user(client_ids[owner])
            have = {r["name"] for r in self.admin.get_realm_roles_of_user(account["id"])}
            missing = [r for r in user.get("realmRoles", []) if r not in have]
            if missing:
                self._do(
                    f"service account of {owner}: realm roles {', '.join(missing)}",
                    lambda a=account, m=missing: self.admin.assign_realm_roles(
                        a["id"], [self.admin.get_realm_role(r) for r in m]
                    ),
                )
            for client_name, roles in user.get("clientRoles", {}).items():
                cid = self.admin.get_client_id(client_name)
                held = {r["name"] for r in self.admin.get_client_roles_of_user(account["id"], cid)}
                missing = [r for r in roles if r not in held]
                if missing:
                    self._do(
                        f"service account of {owner}: {client_name} roles {', '.join(missing)}",
                        lambda a=account, cid=cid, m=missing: self.admin.assign_client_role(
                            a["id"], cid, [self.admin.get_client_role(cid, r) for r in m]
                        ),
                    )

    def required_actions(self) -> None:
        have = {a["alias"]: a for a in self.admin.get_required_actions()}
        for action in self.doc.get("requiredActions", []):
            current = have.get(action["alias"])
            if current is not None and differs({"enabled": action["enabled"]}, current):
                self._do(
                    f"required action {action['alias']}: enabled={action['enabled']}",
                    lambda a=action, c=current: self.admin.update_required_action(
                        a["alias"], {**c, "enabled": a["enabled"]}
                    ),
                )
