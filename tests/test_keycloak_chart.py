"""The chart's Keycloak parts: the realm ConfigMap holds the production realm only, and the apply Job."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import helm_python
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "deploy" / "helm" / "casework"
APPLY = {"keycloak": {"apply": {"enabled": True}}}


@pytest.fixture(scope="module")
def chart() -> helm_python.Chart:
    return helm_python.Chart.load(str(CHART))


def render(chart: helm_python.Chart, values: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    chart.validate_schema(chart.merge_values(values))
    rendered = chart.render(values, name="casework", namespace="casework", is_install=True)
    docs = [d for path, text in rendered.items() if not path.endswith("NOTES.txt") for d in yaml.safe_load_all(text)]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs if d}


def test_the_realm_configmap_has_no_dev_clients_or_demo_users(chart: helm_python.Chart) -> None:
    realm = json.loads(render(chart, {})[("ConfigMap", "casework-keycloak-realm")]["data"]["casework-realm.json"])
    assert {c["clientId"] for c in realm["clients"]} == {"casework-portal", "casework-services", "casework-provisioner"}
    assert all(u.get("serviceAccountClientId") for u in realm["users"])


def test_the_apply_job_runs_by_default_and_can_be_turned_off(chart: helm_python.Chart) -> None:
    assert ("Job", "casework-keycloak-apply") in render(chart, {})
    off = render(chart, {"keycloak": {"apply": {"enabled": False}}})
    assert not [key for key in off if "keycloak-apply" in key[1]]


def test_the_apply_job_runs_apply_on_the_realm_configmap_after_install_and_upgrade(chart: helm_python.Chart) -> None:
    job = render(chart, APPLY)[("Job", "casework-keycloak-apply")]
    kubernetes_validate.validate(job, "1.30.0", strict=True)
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"].startswith("ghcr.io/casework/workflow:")  # an image tests/test_images.py replays
    assert container["command"][:4] == ["python", "-m", "casework_keycloak", "apply"]
    assert pod["volumes"][0]["configMap"]["name"] == "casework-keycloak-realm"
    env = {e["name"]: e for e in container["env"]}
    # Every placeholder of the realm file has a value, and every secret comes from a Secret.
    text = (ROOT / "deploy" / "keycloak" / "casework-realm.json").read_text()
    placeholders = {p.split("}")[0].split(":")[0] for p in text.split("${")[1:] if p[:1].isupper()}
    assert placeholders <= env.keys()
    assert all("value" not in env[n] for n in env if "SECRET" in n or "PASSWORD" in n)
    assert env["CASEWORK_KEYCLOAK_ADMIN_REALM"]["value"] == "master"
    dry = render(chart, {"keycloak": {"apply": {"enabled": True, "dryRun": True}}})[("Job", "casework-keycloak-apply")]
    assert dry["spec"]["template"]["spec"]["containers"][0]["command"][-1] == "--dry-run"


def test_apply_without_the_realm_configmap_is_refused(chart: helm_python.Chart) -> None:
    with pytest.raises(Exception, match=re.escape("keycloak.apply.enabled needs keycloak.realmImport")):
        render(chart, {"keycloak": {"realmImport": False, "apply": {"enabled": True}}})
