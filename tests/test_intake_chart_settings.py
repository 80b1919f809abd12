"""The chart hands intake its upload settings: the Idempotency-Key lifetime and the pending bucket
reach IntakeSettings from the intake ConfigMap, for the defaults and a value an operator sets."""

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
        {**env, "CASEWORK_OIDC_ISSUER": "https://idp", "CASEWORK_DATABASE_URL": "postgresql://x"},
        clear=True,
    ):
        settings = IntakeSettings()
    assert settings.idempotency_key_ttl_s == ttl and settings.pending_bucket == bucket
