"""The chart's alert rules, checked and unit-tested by promtool (offline, no platform): every alert
has cases that fire and cases that do not, in tests/promtool/alerts.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import promtool
import pytest
import yaml

ALERT_TESTS = Path(__file__).resolve().parent / "promtool" / "alerts.yaml"
SERIES_JOB = re.compile(r'casework_([a-z]+)_[a-z_]+\{job="([^"]+)"')  # (service in the name, job label)


@pytest.fixture(scope="module")
def groups() -> list[dict]:
    return promtool.rule_groups()


def test_rendered_rules_pass_promtool_check(groups: list[dict], tmp_path: Path) -> None:
    rules = tmp_path / promtool.RULES_FILE
    rules.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    result = promtool.promtool("check", "rules", rules)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_cases_that_fire_and_cases_that_do_not(groups: list[dict]) -> None:
    cases = [case for test in yaml.safe_load(ALERT_TESTS.read_text())["tests"] for case in test["alert_rule_test"]]
    firing = {case["alertname"] for case in cases if case["exp_alerts"]}
    quiet = {case["alertname"] for case in cases if not case["exp_alerts"]}
    names = promtool.alert_names(groups)
    assert len(names) >= 8
    assert names - firing == set(), "alerts never seen firing"
    assert names - quiet - {"CaseworkReferralWaiting"} == set(), "alerts never seen quiet"
    assert (firing | quiet) - names == set(), "tests of alerts the chart does not have"


def test_alert_unit_tests_pass(groups: list[dict], tmp_path: Path) -> None:
    result = promtool.run_unit_tests(ALERT_TESTS, groups, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_summaries_show_thresholds_as_configured(tmp_path: Path) -> None:
    # Helm's `mul` truncates to integers: 0.05 * 100 became "0%".
    groups = promtool.rule_groups({"monitoring": {"alerts": {"errorRatio": 0.025}}})
    (rule,) = [r for g in groups for r in g["rules"] if r.get("alert") == "CaseworkHighErrorRate"]
    assert "more than 2.5%" in rule["annotations"]["summary"]


def test_the_job_label_rules_and_panels_split_by_is_the_service_in_the_metric_names() -> None:
    """Rules and panels split by `job`: the ServiceMonitors' jobLabel must make it the service whose
    casework_<service>_ metrics the target exports, as the series in tests/promtool/ assume."""
    documents = promtool.rendered()
    services = [doc for doc in documents if doc["kind"] == "Service"]
    jobs = set()
    for monitor in [doc for doc in documents if doc["kind"] == "ServiceMonitor"]:
        selector = monitor["spec"]["selector"]["matchLabels"]
        matched = [s for s in services if selector.items() <= s["metadata"]["labels"].items()]
        assert matched, monitor["metadata"]["name"]
        jobs |= {s["metadata"]["labels"][monitor["spec"]["jobLabel"]] for s in matched}
    assert jobs == {"workflow", "intake", "search", "notify", "portal", "ocr", "bundle", "organising"}
    pairs = [pair for path in ALERT_TESTS.parent.glob("*.yaml") for pair in SERIES_JOB.findall(path.read_text())]
    assert len(pairs) > 20
    assert [(service, job) for service, job in pairs if service != job] == []
