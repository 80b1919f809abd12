"""Recipients' email addresses, from Keycloak's admin API (python-keycloak), cached briefly."""

from __future__ import annotations

import threading
import time

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

CACHE_S = 300.0


class Directory:
    def __init__(self, server_url: str, realm: str, client_id: str, client_secret: str) -> None:
        connection = KeycloakOpenIDConnection(
            server_url=server_url,
            realm_name=realm,
            user_realm_name=realm,
            client_id=client_id,
            client_secret_key=client_secret,
            verify=True,
        )
        self._admin = KeycloakAdmin(connection=connection)
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def email(self, username: str) -> str | None:
        """The verified email address of ``username``, or None if they have none."""
        with self._lock:
            cached = self._cache.get(username)
            if cached and time.monotonic() - cached[0] < CACHE_S:
                return cached[1]
            users = self._admin.get_users({"username": username, "exact": True})
            user = next((u for u in users if u.get("username") == username), None)
            address = user.get("email") if user and user.get("emailVerified") else None
            self._cache[username] = (time.monotonic(), address)
            return address
