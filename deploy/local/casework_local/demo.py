"""Demo data for a fresh local stack, created through the public APIs like any user would."""

from __future__ import annotations

import requests

from casework_local.config import StackConfig

# username -> what the start-up banner says about them
DEMO_USERS: dict[str, str] = {
    "maria": "member, north-london (has a demo case)",
    "mark": "member, north-london",
    "rachel": "rep, north-london (Maria's rep)",
    "ravi": "rep, south-london",
    "cora": "branch casework coordinator, north-london",
    "olive": "regional official, london",
    "carl": "regional caseworker, london",
    "dana": "data-protection officer (subject access, erasure, retention; no case content otherwise)",
    "ada": "admin (no case content)",
}

DEMO_CASE = {
    "member": {
        "name": "Maria Okafor",
        "membership_number": "M100001",
        "email": "maria@union.example.org",
        "employer": "Metro Transit Ltd",
        "workplace": "Finsbury Park depot",
        "job_role": "Station assistant",
    },
    "case_type": "disciplinary",
    "summary": "Invited to a disciplinary hearing about alleged lateness.",
}


def password_token(config: StackConfig, username: str, password: str | None = None) -> str:
    """An access token for a demo user (password grant on the dev overlay's casework-dev client)."""
    response = requests.post(
        f"{config.issuer}/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "username": username,
            "password": password or config.secrets.demo_password,
            "scope": "openid",
            "client_id": "casework-dev",
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def seed(config: StackConfig) -> None:
    """Give Maria a case with Rachel as her rep, unless she already has one."""
    token = password_token(config, "rachel")
    headers = {"Authorization": f"Bearer {token}"}
    cases = requests.get(f"{config.url('workflow')}/v1/cases", headers=headers, timeout=10)
    cases.raise_for_status()
    if any(c["member"]["membership_number"] == "M100001" for c in cases.json()["items"]):
        return
    requests.post(f"{config.url('workflow')}/v1/cases", json=DEMO_CASE, headers=headers, timeout=10).raise_for_status()
