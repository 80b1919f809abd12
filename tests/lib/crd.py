"""Custom resources (ServiceMonitor, PrometheusRule, KEDA ScaledObject) validated against their
CRDs' openAPIV3Schemas: types, required fields, enums and patterns, by the validators the
@kubernetes-models npm packages compile from those schemas (pinned in tests/crd/package.json,
installed by ``./casework test`` into the venv's tools/crd; run by tests/crd/validate.mjs)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

MODULES = Path(sys.prefix) / "tools" / "crd" / "node_modules"
SCRIPT = Path(__file__).resolve().parents[1] / "crd" / "validate.mjs"
KINDS = frozenset({"ServiceMonitor", "PrometheusRule", "ScaledObject"})


def problems(resources: list[dict[str, Any]]) -> dict[str, list[str]]:
    """What each resource breaks in its CRD's schema ("apiVersion/kind/name" -> messages); only
    resources with problems are named. Fails the test (never skips) when the schemas are missing."""
    node = shutil.which("node")
    if node is None or not MODULES.is_dir():
        pytest.fail(
            f"the CRD schemas are missing (node: {node}, {MODULES}): `./casework test` installs them "
            "with npm ci from tests/crd/package-lock.json"
        )
    result = subprocess.run(
        [node, str(SCRIPT), str(MODULES)],
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {f"{r['kind']}/{r['name']}": r["errors"] for r in json.loads(result.stdout) if r["errors"]}
