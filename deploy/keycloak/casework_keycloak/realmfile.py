"""Reads a Keycloak realm export, merges overlays onto it and resolves ``${VAR}`` placeholders.

The production realm (casework-realm.json) holds only what production needs. The dev overlay
(dev-overlay.json: demo users, a password-grant client for tests and scripts, an admin service
account) is merged on top by the local stack and the tests, never by the chart.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

KEYCLOAK_DIR = Path(__file__).resolve().parents[1]
REALM_FILE = KEYCLOAK_DIR / "casework-realm.json"
DEV_OVERLAY = KEYCLOAK_DIR / "dev-overlay.json"

_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)(?::([^}]*))?\}")
# The field that names an item in each kind of list in a realm export: overlay items with the same
# name are merged into the base item, new names are appended. Lists of anything else are replaced.
_IDENTITY_KEYS = ("clientId", "username", "name", "alias")


def resolve(value: Any, env: Mapping[str, str]) -> Any:
    """``value`` with ``${VAR}`` / ``${VAR:default}`` replaced from ``env``; a missing one is a KeyError.

    Only upper-case names are placeholders, so Keycloak's own ``${client_id}`` (in the client-roles
    claim name) and ``${role_...}`` message keys pass through untouched.
    """
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise KeyError(f"realm file needs environment variable {name}")

        return _PLACEHOLDER.sub(sub, value)
    if isinstance(value, list):
        return [resolve(v, env) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, env) for k, v in value.items()}
    return value


def _identity(item: Any) -> tuple[str, str] | None:
    if isinstance(item, dict):
        for key in _IDENTITY_KEYS:
            if isinstance(item.get(key), str):
                return key, item[key]
    return None


def merge(base: Any, overlay: Any) -> Any:
    """``overlay`` laid over ``base``: objects merge key by key, named lists merge item by item."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(overlay, list) and all(_identity(i) for i in base + overlay):
        merged_list = list(base)
        positions = {_identity(item): n for n, item in enumerate(merged_list)}
        for item in overlay:
            where = positions.get(_identity(item))
            if where is None:
                positions[_identity(item)] = len(merged_list)
                merged_list.append(item)
            else:
                merged_list[where] = merge(merged_list[where], item)
        return merged_list
    return overlay


def load_document(
    realm_file: Path = REALM_FILE, overlays: Iterable[Path] = (), env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The realm file with ``overlays`` merged in order, placeholders resolved from ``env`` (default: os.environ)."""
    document: dict[str, Any] = json.loads(realm_file.read_text(encoding="utf-8"))
    for overlay in overlays:
        document = merge(document, json.loads(overlay.read_text(encoding="utf-8")))
    return resolve(document, dict(os.environ if env is None else env))
