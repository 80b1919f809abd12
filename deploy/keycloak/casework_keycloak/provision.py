"""Bring Keycloak's people in line with a membership export, through the admin API.

Idempotent on the membership number (a user attribute): a known number is updated (name, email,
branch, region, roles, re-enabled), an unknown one is created with the required actions a new
account needs, and an enabled account whose number the export no longer names is disabled, but
only within the branches (or regions) the export covers. Nobody is ever deleted: a person's
cases, timeline and audit entries keep pointing at their account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from keycloak import KeycloakAdmin
from keycloak.exceptions import KeycloakError

from casework_common.auth import HUMAN_ROLES
from casework_keycloak.members import Export, Member, RowError

#: Roles whose holders see many people's cases or run the system: they must set up an OTP device.
MFA_ROLES = frozenset({"official", "caseworker", "admin"})
NEW_ACCOUNT_ACTIONS = ("VERIFY_EMAIL", "UPDATE_PASSWORD")
OTP_ACTION = "CONFIGURE_TOTP"
#: The user attributes this tool owns; any other attribute on an account is left alone.
OWNED_ATTRIBUTES = ("membership_number", "branch", "region")
COVERAGE = ("branch", "region")


@dataclass
class Report:
    """What a run did (or, in a dry run, would do)."""

    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in ("created", "updated", "disabled", "unchanged", "errors")}

    def summary(self) -> str:
        prefix = "dry run, nothing changed: would have " if self.dry_run else ""
        counts = self.counts()
        return prefix + ", ".join(f"{counts[k]} {k}" for k in counts)


def _attribute(user: dict[str, Any], name: str) -> str | None:
    values = (user.get("attributes") or {}).get(name) or []
    return values[0] if values else None


class Provisioner:
    """Applies exports to one realm through ``admin`` (a python-keycloak KeycloakAdmin)."""

    def __init__(self, admin: KeycloakAdmin, coverage: str = "branch", dry_run: bool = False) -> None:
        if coverage not in COVERAGE:
            raise ValueError(f"coverage must be one of {COVERAGE}")
        self.admin = admin
        self.coverage = coverage
        self.dry_run = dry_run
        self._role_reps: dict[str, dict[str, Any]] = {}

    # -- reading Keycloak ------------------------------------------------------

    def _accounts_in(self, places: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Accounts with a membership number in the covered branches/regions, by membership number."""
        found: dict[str, dict[str, Any]] = {}
        for place in sorted(places):
            for user in self.admin.get_users({"q": f"{self.coverage}:{place}", "briefRepresentation": False}):
                number = _attribute(user, "membership_number")
                if number and _attribute(user, self.coverage) == place:
                    found[number.upper()] = user
        return found

    def _account(self, number: str) -> dict[str, Any] | None:
        users = self.admin.get_users({"q": f"membership_number:{number}", "briefRepresentation": False})
        return next((u for u in users if (_attribute(u, "membership_number") or "").upper() == number), None)

    def _role_holders(self) -> dict[str, set[str]]:
        """User id -> the casework roles they hold; one paged listing per role, not one call per person."""
        holders: dict[str, set[str]] = {}
        for role in HUMAN_ROLES:
            for user in self.admin.get_realm_role_members(role):
                holders.setdefault(user["id"], set()).add(role)
        return holders

    def _role(self, name: str) -> dict[str, Any]:
        if name not in self._role_reps:
            self._role_reps[name] = self.admin.get_realm_role(name)
        return self._role_reps[name]

    def _has_otp(self, user_id: str) -> bool:
        return any(c.get("type") == "otp" for c in self.admin.get_credentials(user_id))

    # -- writing Keycloak ------------------------------------------------------

    def _write(self, action: Callable[[], Any]) -> Any:
        return None if self.dry_run else action()

    def _set_roles(self, user_id: str, have: set[str], want: set[str]) -> None:
        if want - have:
            self._write(lambda: self.admin.assign_realm_roles(user_id, [self._role(r) for r in sorted(want - have)]))
        if have - want:
            self._write(
                lambda: self.admin.delete_realm_roles_of_user(user_id, [self._role(r) for r in sorted(have - want)])
            )

    def _create(self, member: Member, report: Report) -> None:
        actions = list(NEW_ACCOUNT_ACTIONS) + ([OTP_ACTION] if MFA_ROLES.intersection(member.roles) else [])
        payload = {
            "username": member.membership_number.lower(),
            "enabled": True,
            "email": member.email,
            "emailVerified": False,
            "firstName": member.first_name,
            "lastName": member.last_name,
            "attributes": {
                "membership_number": [member.membership_number],
                "branch": [member.branch],
                "region": [member.region],
            },
            "requiredActions": actions,
        }
        user_id = self._write(lambda: self.admin.create_user(payload))
        if user_id:
            self._set_roles(user_id, set(), set(member.roles))
        report.created.append(member.membership_number)
        report.lines.append(
            f"created {member.membership_number} ({'+'.join(member.roles)}, {member.branch}/{member.region};"
            f" required actions {', '.join(actions)})"
        )

    def _update(self, member: Member, user: dict[str, Any], have: set[str], report: Report) -> None:
        changes: list[str] = []
        attributes = {k: list(v) for k, v in (user.get("attributes") or {}).items()}
        for name in OWNED_ATTRIBUTES:
            old, new = _attribute(user, name), getattr(member, name)
            if old != new:
                changes.append(f"{name} {old or '-'} -> {new}")
                attributes[name] = [new]
        payload: dict[str, Any] = {}
        for key, new in (("firstName", member.first_name), ("lastName", member.last_name)):
            if (user.get(key) or "") != new:
                changes.append(f"{key} changed")
                payload[key] = new
        actions = list(user.get("requiredActions") or [])
        if (user.get("email") or "").lower() != member.email:
            changes.append(f"email -> {member.email} (to be verified)")
            payload.update(email=member.email, emailVerified=False)
            actions += [] if "VERIFY_EMAIL" in actions else ["VERIFY_EMAIL"]
        if not user.get("enabled", True):
            changes.append("re-enabled")
            payload["enabled"] = True
        want = set(member.roles)
        if want != have:
            changes.append(f"roles {'+'.join(sorted(have)) or '-'} -> {'+'.join(sorted(want))}")
        if MFA_ROLES.intersection(want) and OTP_ACTION not in actions and not self._has_otp(user["id"]):
            changes.append("must set up OTP")
            actions.append(OTP_ACTION)
        if not changes:
            report.unchanged.append(member.membership_number)
            return
        if attributes != (user.get("attributes") or {}):
            payload["attributes"] = attributes
        if actions != list(user.get("requiredActions") or []):
            payload["requiredActions"] = actions
        if payload:
            self._write(lambda: self.admin.update_user(user["id"], payload))
        self._set_roles(user["id"], have, want)
        report.updated.append(member.membership_number)
        report.lines.append(f"updated {member.membership_number}: {'; '.join(changes)}")

    # -- the run ---------------------------------------------------------------

    def run(self, export: Export) -> Report:
        """Apply ``export``; per-row problems (in the file or from Keycloak) are reported, not raised."""
        report = Report(dry_run=self.dry_run)
        report.errors += [str(e) for e in export.errors]
        covered = {getattr(m, self.coverage) for m in export.members}
        accounts = self._accounts_in(covered)
        holders = self._role_holders()
        for member in export.members:
            try:
                user = accounts.get(member.membership_number) or self._account(member.membership_number)
                if user is None:
                    self._create(member, report)
                else:
                    have = holders.get(user["id"], set())
                    self._update(member, user, have, report)
            except KeycloakError as exc:
                report.errors.append(str(RowError(member.row, f"Keycloak refused {member.membership_number}: {exc}")))
        for number, user in sorted(accounts.items()):
            if number in export.named or not user.get("enabled", True):
                continue
            self._write(lambda user=user: self.admin.update_user(user["id"], {"enabled": False}))
            report.disabled.append(number)
            place = _attribute(user, self.coverage)
            report.lines.append(f"disabled {number} (not in the export; {self.coverage} {place}; account kept)")
        return report
