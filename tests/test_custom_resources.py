"""The chart's custom resources are valid against their CRDs' schemas (tests/lib/crd.py), and the
validation is live: resources that break those schemas are refused."""

from __future__ import annotations

import copy
from typing import Any

import crd
import promtool
import pytest
import yaml


@pytest.fixture(scope="module")
def custom() -> list[dict[str, Any]]:
    """The custom resources of the default values and of every environment's values file."""
    environments = [{}] + [yaml.safe_load(p.read_text()) for p in sorted((promtool.CHART / "values").glob("*.yaml"))]
    return [doc for values in environments for doc in promtool.rendered(values) if doc["kind"] in crd.KINDS]


def test_every_custom_resource_the_chart_renders_is_valid(custom: list[dict[str, Any]]) -> None:
    assert {doc["kind"] for doc in custom} == crd.KINDS
    assert crd.problems(custom) == {}


BREAKAGES = {
    # kind: (what is changed, the field the schema must name)
    "PrometheusRule": (lambda d: d["spec"]["groups"][0]["rules"][0].update({"for": "10 minutes"}), "/for"),
    "ServiceMonitor": (lambda d: d["spec"]["endpoints"][0].update({"scheme": "ftp"}), "/scheme"),
    "ScaledObject": (lambda d: d["spec"].update({"minReplicaCount": "2"}), "/minReplicaCount"),
}


@pytest.mark.parametrize("kind", sorted(BREAKAGES))
def test_a_resource_breaking_its_crd_schema_is_refused(custom: list[dict[str, Any]], kind: str) -> None:
    broken = copy.deepcopy(next(doc for doc in custom if doc["kind"] == kind))
    change, field = BREAKAGES[kind]
    change(broken)
    (errors,) = crd.problems([broken]).values()
    assert any(field in error for error in errors), errors


def test_a_kind_without_a_known_schema_is_refused() -> None:
    resource = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor", "metadata": {"name": "x"}, "spec": {}}
    assert crd.problems([resource]) == {
        "monitoring.coreos.com/v1/PodMonitor/x": ["no CRD schema known for monitoring.coreos.com/v1/PodMonitor"]
    }
