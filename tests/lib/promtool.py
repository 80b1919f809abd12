"""promtool and the chart's monitoring, for the tests of alert rules and dashboard queries.

promtool comes from Debian's prometheus package, unpacked (never installed as a service) by
``./casework test`` into the venv's tools/ folder; the tests run it from there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "casework"
DASHBOARDS = CHART / "files" / "dashboards"
PROMTOOL = Path(sys.prefix) / "tools" / "prometheus" / "usr" / "bin" / "promtool"
RULES_FILE = "casework-rules.yaml"  # the name the files in tests/promtool/ load their rules from


def promtool(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run promtool; fails the test (never skips) when it is not where ``./casework test`` puts it."""
    if not PROMTOOL.is_file():
        pytest.fail(
            f"promtool is missing at {PROMTOOL}: `./casework test` unpacks it there from Debian's "
            "prometheus package (apt-get download prometheus; dpkg -x)"
        )
    return subprocess.run(
        [str(PROMTOOL), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def served_apis() -> dict[str, Any]:
    """Values for rendering offline as for a cluster that serves the Prometheus operator's and KEDA's
    APIs (the chart renders their resources only then), where the chart's values take them."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    if "apiVersions" not in schema["properties"]:
        return {}
    return {"apiVersions": ["monitoring.coreos.com/v1", "keda.sh/v1alpha1"]}


def rendered(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every manifest the chart renders with ``values`` over its defaults, the operators' APIs served."""
    chart = helm_python.Chart.load(str(CHART))
    output = chart.render(served_apis() | (values or {}), name="casework", namespace="casework")
    manifests = [text for path, text in output.items() if path.endswith(".yaml")]  # not NOTES.txt
    return [doc for text in manifests for doc in yaml.safe_load_all(text) if doc]


def rule_groups(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rule groups of the chart's PrometheusRule."""
    (rule,) = [doc for doc in rendered(values) if doc["kind"] == "PrometheusRule"]
    return rule["spec"]["groups"]


def alert_names(groups: list[dict[str, Any]]) -> set[str]:
    return {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}


def panel_targets() -> list[dict[str, str]]:
    """Every dashboard panel target as {key: "<file> / <title> / <refId>", expr, legend}, once per
    value of the dashboard's $service where its expression uses it."""
    found = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text())
        services = [o["value"] for v in dashboard["templating"]["list"] if v["name"] == "service" for o in v["options"]]
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                key = f"{path.name} / {panel['title']} / {target['refId']}"
                expr = target["expr"]
                exprs = [expr.replace("${service}", s) for s in services] if "${service}" in expr else [expr]
                found += [{"key": key, "expr": e, "legend": target.get("legendFormat", "")} for e in exprs]
    return found


def run_unit_tests(test_file: Path, groups: list[dict[str, Any]], workdir: Path) -> subprocess.CompletedProcess[str]:
    """``promtool test rules`` on ``test_file`` with ``groups`` as its rules file (written beside a
    copy of the test file in ``workdir``, since promtool resolves rule_files from there)."""
    (workdir / RULES_FILE).write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    (workdir / test_file.name).write_text(test_file.read_text())
    return promtool("test", "rules", test_file.name, cwd=workdir)
