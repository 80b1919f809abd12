"""Service-account access tokens (OAuth2 client-credentials grant), cached until near expiry."""

from __future__ import annotations

import threading
import time

import requests
from authlib.integrations.requests_client import OAuth2Session

from casework_common.settings import ServiceAccountSettings


class ServiceTokenProvider:
    """Fetches and caches this service's own access token."""

    def __init__(self, discovery_url: str, client_id: str, client_secret: str, refresh_margin_s: int = 30) -> None:
        self.discovery_url = discovery_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_margin_s = refresh_margin_s
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: ServiceAccountSettings) -> ServiceTokenProvider:
        return cls(settings.discovery_url, settings.oidc_client_id, settings.oidc_client_secret.get_secret_value())

    def token(self) -> str:
        """A valid access token for this service."""
        with self._lock:
            if self._token is None or time.time() > self._expires_at - self.refresh_margin_s:
                token_endpoint = requests.get(self.discovery_url, timeout=5).json()["token_endpoint"]
                with OAuth2Session(self.client_id, self.client_secret) as session:
                    fetched = session.fetch_token(token_endpoint, grant_type="client_credentials", timeout=5)
                self._token = fetched["access_token"]
                self._expires_at = time.time() + float(fetched.get("expires_in", 60))
            return self._token
