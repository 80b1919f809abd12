"""Every Grafana panel's PromQL parses and shows what its title and legend promise, evaluated by
promtool against a scrape history of two replicas per service (tests/promtool/dashboards.yaml)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import promtool
import yaml

SPEC = yaml.safe_load((Path(__file__).resolve().parent / "promtool" / "dashboards.yaml").read_text())
LEGEND_LABEL = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")
LABEL_NAME = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="')


def input_series() -> list[dict[str, str]]:
    series = list(SPEC["series"])
    for replica in SPEC["replicas"]:
        series += [
            {"series": s["series"].replace("${replica}", replica), "values": s["values"]} for s in SPEC["per_replica"]
        ]
        for service in SPEC["http_services"]:
            series += [
                {
                    "series": s["series"].replace("${replica}", replica).replace("${service}", service),
                    "values": s["values"],
                }
                for s in SPEC["per_http_service"]
            ]
    return series


def test_the_api_dashboard_offers_every_http_service() -> None:
    api = json.loads((promtool.DASHBOARDS / "api.json").read_text())
    (service,) = [v for v in api["templating"]["list"] if v["name"] == "service"]
    assert [o["value"] for o in service["options"]] == SPEC["http_services"]


def test_every_panel_has_expected_samples_whose_labels_its_legend_names() -> None:
    keys = {t["key"] for t in promtool.panel_targets()}
    assert keys - SPEC["expected"].keys() == set(), "panels with no expected samples"
    assert SPEC["expected"].keys() - keys == set(), "expected samples for panels that do not exist"
    for target in promtool.panel_targets():
        for labels in SPEC["expected"][target["key"]]:
            missing = set(LEGEND_LABEL.findall(target["legend"])) - set(LABEL_NAME.findall(labels))
            assert not missing, f"{target['key']}: legend {target['legend']!r} names {missing}, not in the result"


def test_every_panel_query_gives_its_expected_samples(tmp_path: Path) -> None:
    checks = [
        {
            # Rounded, so that the expected values can be written as decimals.
            "expr": f"round(({target['expr']}), 0.001)",
            "eval_time": SPEC["eval_time"],
            "exp_samples": [
                {"labels": labels, "value": value} for labels, value in SPEC["expected"].get(target["key"], {}).items()
            ],
        }
        for target in promtool.panel_targets()
    ]
    document = {
        "rule_files": [promtool.RULES_FILE],
        "evaluation_interval": SPEC["interval"],
        "tests": [{"interval": SPEC["interval"], "input_series": input_series(), "promql_expr_test": checks}],
    }
    test_file = tmp_path / "source" / "dashboards-test.yaml"
    test_file.parent.mkdir()
    test_file.write_text(yaml.safe_dump(document, sort_keys=False, width=1000))
    result = promtool.run_unit_tests(test_file, promtool.rule_groups(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
