"""Every metric the shipped Grafana dashboards and Prometheus alerts use exists on the running
services' /metrics (scraped from the real local stack, after one piece of evidence went through)."""

from __future__ import annotations

import re

import promtool
import requests

import testdocs
from harness import Platform, unique_number

# config.ports keys; the mailroom's metrics are intake's (scraped under job "intake" in the chart).
SERVICES = ("workflow", "intake", "intake_mailroom", "ocr", "search", "notify", "portal", "bundle", "bundle_worker")
NAME_REGEX = re.compile(r'__name__=~"([^"]+)"')
BARE_NAME = re.compile(r"\bcasework_[a-z0-9_]+")
SUFFIXES = ("", "_total", "_bucket", "_sum", "_count", "_created")


def queries() -> list[str]:
    """Every PromQL expression in the dashboards (with $service expanded) and the alert rules."""
    panels = [target["expr"] for target in promtool.panel_targets()]
    return panels + [rule["expr"] for group in promtool.rule_groups() for rule in group["rules"]]


def scraped(platform: Platform) -> set[str]:
    names: set[str] = set()
    for service in SERVICES:
        text = requests.get(f"{platform.url(service)}/metrics", timeout=10).text
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                base = line.split()[2]
                names.update(base + suffix for suffix in SUFFIXES)
            elif line and not line.startswith("#"):
                names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def test_every_metric_in_dashboards_and_alerts_is_exported(platform: Platform) -> None:
    case = platform.create_case("rachel", unique_number())
    scan = testdocs.png(["Monitoring", "harpsichord"])
    response = platform.upload("rachel", case["id"], [("scan.png", scan, "image/png")])
    assert response.status_code == 201, response.text
    assert platform.wait_for_status("rachel", response.json()["items"][0]["id"])["status"] == "indexed"
    exported = scraped(platform)
    expressions = queries()
    assert len(expressions) > 20
    missing = set()
    for expr in expressions:
        for pattern in NAME_REGEX.findall(expr):
            if not any(re.fullmatch(pattern, name) for name in exported):
                missing.add(pattern)
        for name in BARE_NAME.findall(NAME_REGEX.sub("", expr)):
            if name not in exported:
                missing.add(name)
    assert not missing, f"used in dashboards/alerts but not exported: {sorted(missing)}"


def test_state_gauges_are_read_from_the_database(platform: Platform) -> None:
    # A failing query still exports the metric's name with no samples: check there are samples.
    text = requests.get(f"{platform.url('intake')}/metrics", timeout=10).text
    for status in ("received", "scanning", "extracting"):
        assert f'casework_intake_evidence_unfinished{{status="{status}"}}' in text
        assert f'casework_intake_evidence_unfinished_oldest_seconds{{status="{status}"}}' in text
    for queue in ("mail", "unfiled"):  # held mail and unfiled scanned parts, zero when none wait
        assert re.search(rf'^casework_intake_queue_waiting\{{queue="{queue}"\}} \d', text, re.M), queue
        assert re.search(rf'^casework_intake_queue_waiting_oldest_seconds\{{queue="{queue}"\}} \d', text, re.M), queue
    case = platform.create_case("rachel", unique_number())
    response = platform.call(
        "rachel",
        "POST",
        "workflow",
        f"/v1/cases/{case['id']}/referrals",
        json={"target": "regional_office", "reason": "Needs the regional office."},
    )
    assert response.status_code == 201, response.text
    text = requests.get(f"{platform.url('workflow')}/metrics", timeout=10).text
    assert re.search(r'casework_workflow_referrals_open\{[^}]*state="discussion_requested"[^}]*\} [1-9]', text)
