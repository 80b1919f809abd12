"""The running platform as cross-service tests see it (the fixture that starts it is in tests/conftest.py)."""

from __future__ import annotations

import json
import mailbox
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import jwt
import psycopg
import requests
from prometheus_client.parser import text_string_to_metric_families

from casework_common.vocabulary import EVIDENCE_IN_PROGRESS
from casework_local.config import StackConfig
from casework_local.stack import Stack

# Statuses of an evidence item still being processed (the contract's, from casework_common.vocabulary).
IN_PROGRESS = EVIDENCE_IN_PROGRESS


@dataclass
class Platform:
    """The running platform as tests see it: URLs, users' tokens, mail, helpers."""

    stack: Stack
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> StackConfig:
        return self.stack.config

    def url(self, service: str) -> str:
        return self.config.url(service)

    # -- identity --------------------------------------------------------------

    def token(self, username: str) -> str:
        """A fresh-enough access token for a demo user (password grant on the dev overlay's casework-dev client)."""
        cached = self._tokens.get(username)
        if cached and jwt.decode(cached, options={"verify_signature": False})["exp"] > time.time() + 30:
            return cached
        response = requests.post(
            f"{self.config.issuer}/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "casework-dev",
                "username": username,
                "password": self.config.secrets.demo_password,
            },
            timeout=10,
        )
        response.raise_for_status()
        self._tokens[username] = response.json()["access_token"]
        return self._tokens[username]

    def service_token(self) -> str:
        response = requests.post(
            f"{self.config.issuer}/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=("casework-services", self.config.secrets.services_client_secret),
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def signing_key_pem(self) -> bytes:
        return self.config.path("idp", "signing-key.pem").read_bytes()

    def forge(self, username: str, key_pem: bytes | None = None, **changes: Any) -> str:
        """A real user's token with some claims changed, signed with the realm key (or another)."""
        original = self.token(username)
        header = jwt.get_unverified_header(original)
        claims = jwt.decode(original, options={"verify_signature": False})
        claims.update(changes)
        return jwt.encode(claims, key_pem or self.signing_key_pem(), algorithm="RS256", headers={"kid": header["kid"]})

    # -- HTTP ------------------------------------------------------------------

    def api(self, username: str | None) -> requests.Session:
        session = requests.Session()
        if username:
            session.headers["Authorization"] = f"Bearer {self.token(username)}"
        return session

    def call(self, username: str | None, method: str, service: str, path: str, **kwargs: Any) -> requests.Response:
        """One API request as ``username`` (None: without a token)."""
        return self.api(username).request(method, f"{self.url(service)}{path}", timeout=30, **kwargs)

    def mails_to(self, username: str, subject_contains: str = "") -> list[Message]:
        address = f"{username}@union.example.org"
        return [m for m in self.mail() if m["To"] == address and subject_contains in (m["Subject"] or "")]

    def inbox(self, username: str) -> list[dict[str, Any]]:
        response = self.call(username, "GET", "notify", "/v1/inbox", params={"limit": 200})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def create_case(self, rep: str, membership_number: str, name: str = "Test Member", **extra: Any) -> dict[str, Any]:
        body = {
            "member": {"name": name, "membership_number": membership_number, "employer": "Metro Transit Ltd"},
            "case_type": "disciplinary",
            "summary": "Created by a test.",
            **extra,
        }
        response = self.api(rep).post(f"{self.url('workflow')}/v1/cases", json=body, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()

    def upload(
        self,
        username: str,
        case_id: str,
        files: list[tuple[str, bytes, str]],
        visibility: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        data = {"visibility": visibility} if visibility else None
        return self.api(username).post(
            f"{self.url('intake')}/v1/cases/{case_id}/evidence",
            files=[("file", f) for f in files],
            data=data,
            headers=headers or {},
            timeout=60,
        )

    def wait_for_status(self, username: str, evidence_id: str, timeout_s: float = 90.0) -> dict[str, Any]:
        """Poll an evidence item as its uploader until it reaches a final status."""
        deadline = time.monotonic() + timeout_s
        item: dict[str, Any] = {}
        while time.monotonic() < deadline:
            response = self.api(username).get(f"{self.url('intake')}/v1/evidence/{evidence_id}", timeout=10)
            assert response.status_code == 200, response.text
            item = response.json()
            if item["status"] not in IN_PROGRESS:
                return item
            time.sleep(0.25)
        raise AssertionError(f"evidence {evidence_id} still {item.get('status')} after {timeout_s}s")

    def superuser_db(self) -> psycopg.Connection:
        """An autocommit connection to the platform's database as its superuser (for tests that
        inspect or age rows across the services' schemas); use it in a ``with`` block."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.config.ports["postgres"],
            dbname="casework",
            user="postgres",
            password=self.config.secrets.postgres_password,
            autocommit=True,
        )

    def search(self, username: str | None, query: str, **params: Any) -> requests.Response:
        return self.api(username).get(f"{self.url('search')}/v1/search", params={"q": query, **params}, timeout=10)

    def metric(self, service: str, name: str, **labels: str) -> float:
        """The sum of a service's samples ``casework_<service>_<name>`` (a counter's ``..._total``)
        whose labels include ``labels``, as its /metrics shows them now."""
        text = requests.get(f"{self.url(service)}/metrics", timeout=10).text
        full = f"casework_{service}_{name}"
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == full and labels.items() <= sample.labels.items()
        )

    # -- mail ------------------------------------------------------------------

    def mail(self) -> list[Message]:
        return list(mailbox.Maildir(self.config.path("mail"), create=False))

    def wait_for_mail(self, predicate: Callable[[Message], bool], timeout_s: float = 30.0) -> Message:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for message in self.mail():
                if predicate(message):
                    return message
            time.sleep(0.25)
        raise AssertionError("no matching email arrived")

    def log_lines(self, service: str) -> list[dict[str, Any]]:
        lines = []
        for raw in self.config.path("logs", f"{service}.log").read_text(errors="replace").splitlines():
            if raw.startswith("{"):
                try:
                    lines.append(json.loads(raw))
                except json.JSONDecodeError:
                    continue
        return lines


def unique_number() -> str:
    """A membership number no other test uses."""
    return "T" + uuid.uuid4().hex[:8].upper()
