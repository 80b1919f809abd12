"""The chart hands intake its settings: the Idempotency-Key lifetime and the pending bucket reach
IntakeSettings from the intake ConfigMap, for the defaults and a value an operator sets; every
variable the chart sets for intake's API and the mailroom is a setting, and the mailroom's values
(addresses, listener, TLS, checks, IMAP, scan drop, devices) reach the mailroom's settings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from unittest import mock

import helm_python
import pytest
import yaml

from casework_intake.settings import IntakeSettings

CHART = Path(__file__).resolve().parents[1] / "deploy" / "helm" / "casework"


def intake_config_map(values: dict[str, Any]) -> dict[str, str]:
    rendered = helm_python.Chart.load(str(CHART)).render(values, name="casework", namespace="casework", is_install=True)
    for path, text in rendered.items():
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc and doc["kind"] == "ConfigMap" and doc["metadata"]["name"].endswith("intake"):
                return doc["data"]
    raise AssertionError("no intake ConfigMap rendered")


@pytest.mark.parametrize(
    ("values", "ttl", "bucket"),
    [
        ({}, 86400, "casework-evidence-pending"),
        (
            {"services": {"intake": {"idempotencyKeyTtlSeconds": 3600}}, "external": {"s3": {"pendingBucket": "up"}}},
            3600,
            "up",
        ),
    ],
)
def test_intake_reads_its_upload_settings_from_the_chart(values: dict[str, Any], ttl: int, bucket: str) -> None:
    env = intake_config_map(values)
    with mock.patch.dict(
        os.environ,
        # The two secrets the test stands in for (the chart gives them from Secrets).
        {**env, "CASEWORK_OIDC_CLIENT_SECRET": "s", "CASEWORK_DATABASE_URL": "postgresql://x"},
        clear=True,
    ):
        settings = IntakeSettings()
    assert settings.idempotency_key_ttl_s == ttl and settings.pending_bucket == bucket


# Variables the chart sets that are not IntakeSettings fields, and who reads them instead.
NOT_SETTINGS = {
    "PGSSLMODE": "libpq",
    "PGSSLROOTCERT": "libpq",
    # casework.env gives every service the Keycloak realm; intake's processes do not use it.
    "CASEWORK_KEYCLOAK_URL": "nobody in intake",
    "CASEWORK_KEYCLOAK_REALM": "nobody in intake",
}
OPERATOR_VALUES: dict[str, Any] = {
    "external": {"s3": {"heldBucket": "held-here"}, "postgres": {"sslmode": "verify-full"}},
    "services": {
        "intake": {
            "mail": {"domain": "in.example.net", "casePrefix": "c.", "generalLocal": "docs", "scannerLocal": "scans"},
            "mailroom": {
                "protocol": "lmtp",
                "port": 2424,
                "tls": {"secret": "mail-tls", "requireTls": True},
                "authservId": "mx.example.net",
                "maxMessageBytes": 104857600,
                "receiptFrom": "Receipts <receipts@example.net>",
                "imap": {
                    "url": "imaps://evidence@imap.example.net/INBOX",
                    "password": {"name": "imap", "key": "password"},
                    "intervalSeconds": 30,
                },
                "scanDrop": {
                    "bucket": "scans",
                    "prefix": "copiers/",
                    "region": "north",
                    "branch": "leeds",
                    "pollIntervalSeconds": 7,
                    "settleSeconds": 3,
                },
                "scannerDevices": {"copier@example.net": {"region": "north", "branch": "leeds"}},
            },
        }
    },
}


def rendered_containers(values: dict[str, Any]) -> dict[str, tuple[dict[str, str], list[dict[str, Any]]]]:
    """Intake's and the mailroom's containers: (ConfigMap data, env list)."""
    documents = [
        doc
        for path, text in helm_python.Chart.load(str(CHART))
        .render(values, name="casework", namespace="casework", is_install=True)
        .items()
        if not path.endswith("NOTES.txt")
        for doc in yaml.safe_load_all(text)
        if doc
    ]
    maps = {doc["metadata"]["name"]: doc["data"] for doc in documents if doc["kind"] == "ConfigMap"}
    found = {}
    for doc in documents:
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] in ("casework-intake", "casework-intake-mailroom"):
            (container,) = doc["spec"]["template"]["spec"]["containers"]
            data: dict[str, str] = {}
            for source in container["envFrom"]:
                data.update(maps[source["configMapRef"]["name"]])
            found[container["name"]] = (data, container["env"])
    assert set(found) == {"intake", "mailroom"}
    return found


def test_the_mailroom_message_limit_defaults_to_50_mib() -> None:
    data, _env = rendered_containers({})["mailroom"]
    assert data["CASEWORK_MAIL_MAX_MESSAGE_BYTES"] == str(50 * 1024 * 1024)


@pytest.mark.parametrize("values", [{}, OPERATOR_VALUES], ids=["defaults", "operator"])
def test_every_variable_the_chart_sets_for_intake_is_a_setting(values: dict[str, Any]) -> None:
    """A misspelt variable would be ignored and the code would use its default: every CASEWORK_
    variable the chart gives intake's API or the mailroom is an IntakeSettings field."""
    fields = {f"CASEWORK_{name.upper()}" for name in IntakeSettings.model_fields}
    for name, (data, env) in rendered_containers(values).items():
        names = set(data) | {item["name"] for item in env}
        assert names - fields - NOT_SETTINGS.keys() == set(), name


def test_the_mailroom_reads_what_the_operator_set() -> None:
    containers = rendered_containers(OPERATOR_VALUES)
    data, env = containers["mailroom"]
    secrets = {item["name"]: "stand-in" for item in env}
    with mock.patch.dict(os.environ, {**data, **secrets}, clear=True):
        settings = IntakeSettings(service_name="intake-mailroom")
    assert (settings.mail_domain, settings.mail_case_prefix) == ("in.example.net", "c.")
    assert (settings.mail_general_local, settings.mail_scanner_local) == ("docs", "scans")
    assert (settings.mailroom_protocol, settings.mailroom_port, settings.mailroom_require_tls) == ("lmtp", 2424, True)
    assert str(settings.mailroom_tls_cert_file).endswith("tls.crt") and str(settings.mailroom_tls_key_file).endswith(
        "tls.key"
    )
    assert settings.mail_authserv_id == "mx.example.net"
    assert settings.mail_max_message_bytes == 104857600  # an int64 above 2^24: not rendered as 1.048576e+08
    assert settings.mail_receipt_from == "Receipts <receipts@example.net>"
    assert settings.imap_url == "imaps://evidence@imap.example.net/INBOX" and settings.imap_interval_s == 30
    assert settings.imap_password is not None and settings.imap_password.get_secret_value() == "stand-in"
    assert (settings.scan_drop_bucket, settings.scan_drop_prefix) == ("scans", "copiers/")
    assert (settings.scan_drop_region, settings.scan_drop_branch) == ("north", "leeds")
    assert (settings.scan_poll_interval_s, settings.scan_settle_s) == (7, 3)
    assert settings.scanner_devices["copier@example.net"].branch == "leeds"
    assert settings.held_bucket == "held-here" and settings.cover_sheet_secret.get_secret_value() == "stand-in"
    assert settings.database_schema == "intake"
    # The API shows the same addresses and reads the same held bucket.
    api, api_env = containers["intake"]
    for variable in (
        "CASEWORK_MAIL_DOMAIN",
        "CASEWORK_MAIL_CASE_PREFIX",
        "CASEWORK_HELD_BUCKET",
        "CASEWORK_MAX_FILE_BYTES",
    ):
        assert api[variable] == data[variable], variable
    assert "CASEWORK_COVER_SHEET_SECRET" in {item["name"] for item in api_env}
