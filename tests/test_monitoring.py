"""Every metric the shipped Grafana dashboards and Prometheus alerts use exists on the running
services' /metrics (scraped from the real local stack, after one piece of evidence went through)."""

from __future__ import annotations

import re
import smtplib
import uuid
from email.message import EmailMessage

import promtool
import requests

import testdocs
from harness import Platform, unique_number

# config.ports keys; the mailroom's metrics are intake's (scraped under job "intake" in the chart).
SERVICES = (
    "workflow",
    "intake",
    "intake_mailroom",
    "ocr",
    "search",
    "notify",
    "portal",
    "bundle",
    "bundle_worker",
    "organising",
)
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


def queue_gauges(platform: Platform) -> dict[str, tuple[float, float]]:
    """casework_intake_queue_waiting and its _oldest_seconds, by queue, as intake's API exports them."""
    text = requests.get(f"{platform.url('intake')}/metrics", timeout=10).text
    found: dict[str, list[float]] = {}
    for name, queue, value in re.findall(
        r'^casework_intake_queue_waiting(_oldest_seconds)?\{queue="([a-z]+)"\} (\S+)$', text, re.M
    ):
        found.setdefault(queue, [0.0, 0.0])[1 if name else 0] = float(value)
    return {queue: (count, oldest) for queue, (count, oldest) in found.items()}


def test_held_mail_is_counted_in_the_waiting_queue_until_decided(platform: Platform) -> None:
    """The gauge the CaseworkIntakeQueueWaiting alert reads: a message from a stranger, held for the
    case's team, is one more waiting in queue "mail"; rejected, it no longer waits."""
    case = platform.create_case("rachel", unique_number())
    before = queue_gauges(platform)
    assert set(before) == {"mail", "unfiled"}
    mail = EmailMessage()
    mail["From"] = f"stranger-{uuid.uuid4().hex[:8]}@mail.example.org"
    mail["To"] = "evidence@intake.casework.localhost"  # the general address in the local stack's mail domain
    mail["Subject"] = f"About {case['reference']}"
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@mail.example.org>"
    mail.set_content("A letter I was sent.")
    with smtplib.SMTP("127.0.0.1", platform.config.ports["mailroom"], timeout=60) as client:
        client.send_message(mail)
    (held,) = platform.call("rachel", "GET", "intake", f"/v1/cases/{case['id']}/held-mail").json()["items"]
    assert queue_gauges(platform)["mail"][0] == before["mail"][0] + 1
    response = platform.call("rachel", "POST", "intake", f"/v1/held-mail/{held['id']}/reject")
    assert response.status_code == 200, response.text
    assert queue_gauges(platform)["mail"][0] == before["mail"][0]
