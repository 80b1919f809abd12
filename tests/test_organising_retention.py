"""Retention of recruitment campaigns on the real platform: after a campaign's own period, the
retention command (``python -m casework_organising retention --as-of``, with organising's own
environment, as the chart's CronJob runs it) removes non-members' details and target-list entries
while every count stays; a campaign still inside its period keeps everything.

The campaigns end today, one kept 0 days and one 30, and the command runs as of tomorrow: the
service's own hourly pass (real date) cannot have removed anything before the test looks.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from casework_common.typed_dates import london_today
from casework_local.services import SERVICES, service_env
from harness import Platform

pytestmark = [pytest.mark.stack, pytest.mark.timeout(300)]

TODAY = london_today()
COUNTS = (
    "SELECT outcome, issue_category, workplace, is_member, petition_signed, card_left, count(*)"
    " FROM organising.contacts WHERE campaign_id = %s GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
)


def organising_command(platform: Platform, *args: str) -> subprocess.CompletedProcess[str]:
    """An organising command as ops run it: organising's own settings, nothing else."""
    spec = next(s for s in SERVICES if s.name == "organising")
    return subprocess.run(
        [sys.executable, "-m", "casework_organising", *args],
        env={**service_env(spec, platform.config, platform.stack.servers), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def rows(platform: Platform, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with platform.superuser_db() as db:
        return db.execute(sql, params).fetchall()


def make_campaign(platform: Platform, retention_days: int) -> dict[str, str]:
    """A london campaign ending today with north-london's plan, a session and a one-row target list."""

    def ok(response: requests.Response, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return response.json()

    day = TODAY.isoformat()
    campaign = ok(
        platform.call(
            "olive",
            "POST",
            "organising",
            "/v1/campaigns",
            json={
                "name": f"Retention test {retention_days}",
                "starts_on": day,
                "ends_on": day,
                "retention_days": retention_days,
            },
        )
    )
    plan = ok(platform.call("cora", "PUT", "organising", f"/v1/campaigns/{campaign['id']}/plans/north-london", json={}))
    session = {
        "place": "Gate",
        "workplace": "Archway bus garage",
        "kind": "stall",
        "starts_at": f"{day}T07:00",
        "ends_at": f"{day}T08:00",
        "target_contacts": 10,
        "approach": "petition",
        "team": ["rachel"],
    }
    added = ok(platform.call("cora", "POST", "organising", f"/v1/plans/{plan['id']}/sessions", json=session))
    imported = ok(
        platform.call(
            "cora",
            "POST",
            "organising",
            f"/v1/campaigns/{campaign['id']}/target-lists",
            params={"filename": "garage.csv"},
            data=b"Name,Workplace\nRobin Listed,Archway bus garage\n",
            headers={"Content-Type": "text/csv"},
        )
    )
    [entry] = ok(platform.call("cora", "GET", "organising", f"/v1/target-lists/{imported['id']}/entries"), 200)["items"]
    ids = {"campaign": campaign["id"], "session": added["id"], "list": imported["id"], "entry": entry["id"]}
    for body in (
        {
            "outcome": "call_again",
            "call_again_on": (TODAY + dt.timedelta(days=2)).isoformat(),
            "person_name": "Kim Keeper",
            "person_contact": "07700 900456",
            "lawful_basis": "consent",
            "issue_category": "health_and_safety",
            "issue_text": "Kim says the garage has no first aider",
            "target_entry_id": str(ids["entry"]),
        },
        {"outcome": "joined", "issue_category": "pay", "issue_text": "Pay is behind", "petition_signed": True},
        {"outcome": "not_interested", "card_left": True},
    ):
        answer = platform.call(
            "rachel",
            "POST",
            "organising",
            f"/v1/sessions/{ids['session']}/contacts",
            json={"client_id": str(uuid.uuid4()), "is_member": False, **body},
        )
        assert answer.status_code == 201, answer.text
    helped = platform.call(
        "rachel", "POST", "organising", f"/v1/sessions/{ids['session']}/help-requests", json={"message": "Kim needs us"}
    )
    assert helped.status_code == 201, helped.text
    return ids


@pytest.fixture(scope="module")
def removal(platform: Platform) -> dict[str, Any]:
    old, kept = make_campaign(platform, 0), make_campaign(platform, 30)
    before = {c["campaign"]: rows(platform, COUNTS, c["campaign"]) for c in (old, kept)}
    ran = organising_command(platform, "retention", "--as-of", (TODAY + dt.timedelta(days=1)).isoformat())
    assert ran.returncode == 0, ran.stderr
    return {"old": old, "kept": kept, "before": before, "output": ran.stdout}


def test_the_command_says_what_it_removed(removal: dict[str, Any]) -> None:
    line = next(line for line in removal["output"].splitlines() if removal["old"]["campaign"] in line)
    assert "1 target-list entries deleted" in line and "details of 3 contacts removed" in line
    assert removal["kept"]["campaign"] not in removal["output"]


def test_non_members_details_and_target_entries_are_gone(platform: Platform, removal: dict[str, Any]) -> None:
    old = removal["old"]["campaign"]
    assert (
        rows(
            platform,
            "SELECT person_name, person_contact, issue_text, details_removed_at IS NOT NULL FROM organising.contacts"
            " WHERE campaign_id = %s",
            old,
        )
        == [(None, None, "", True)] * 3
    )
    assert rows(platform, "SELECT count(*) FROM organising.target_entries WHERE campaign_id = %s", old) == [(0,)]
    assert rows(platform, "SELECT message FROM organising.help_requests WHERE campaign_id = %s", old) == [("",)]
    [(removed_at,)] = rows(platform, "SELECT details_removed_at FROM organising.campaigns WHERE id = %s", old)
    assert removed_at is not None
    # Text columns only: a random id can itself contain "07700".
    contacts = rows(platform, "SELECT * FROM organising.contacts WHERE campaign_id = %s", old)
    dump = " ".join(value for row in contacts for value in row if isinstance(value, str))
    assert "Kim" not in dump and "07700" not in dump and "first aider" not in dump


def test_counts_stay(platform: Platform, removal: dict[str, Any]) -> None:
    old = removal["old"]["campaign"]
    assert rows(platform, COUNTS, old) == removal["before"][old]
    assert rows(
        platform,
        "SELECT rows, members, removed_at IS NOT NULL FROM organising.target_lists WHERE campaign_id = %s",
        old,
    ) == [(1, 0, True)]
    # Its follow-up is closed: no reminder about a person whose details are gone.
    assert rows(
        platform,
        "SELECT outcome, state, closed_at IS NOT NULL FROM organising.follow_ups WHERE campaign_id = %s",
        old,
    ) == [("call_again", "closed", True)]


def test_the_branch_sees_the_conversations_without_details_and_logs_no_more(
    platform: Platform, removal: dict[str, Any]
) -> None:
    session = removal["old"]["session"]
    seen = platform.call("rachel", "GET", "organising", f"/v1/sessions/{session}/contacts")
    assert seen.status_code == 200, seen.text
    items = seen.json()["items"]
    assert len(items) == 3 and all(c["details_removed"] and c["person_name"] is None for c in items)
    late = platform.call(
        "rachel",
        "POST",
        "organising",
        f"/v1/sessions/{session}/contacts",
        json={"client_id": str(uuid.uuid4()), "is_member": False, "outcome": "joined"},
    )
    assert late.status_code == 409, late.text


def test_a_campaign_inside_its_period_keeps_everything(platform: Platform, removal: dict[str, Any]) -> None:
    kept = removal["kept"]["campaign"]
    assert rows(
        platform, "SELECT person_name FROM organising.contacts WHERE campaign_id = %s AND person_name IS NOT NULL", kept
    ) == [("Kim Keeper",)]
    assert rows(platform, "SELECT count(*) FROM organising.target_entries WHERE campaign_id = %s", kept) == [(1,)]
    assert rows(platform, "SELECT details_removed_at FROM organising.campaigns WHERE id = %s", kept) == [(None,)]


def test_a_second_run_finds_nothing_more_for_it(platform: Platform, removal: dict[str, Any]) -> None:
    again = organising_command(platform, "retention", "--as-of", (TODAY + dt.timedelta(days=1)).isoformat())
    assert again.returncode == 0, again.stderr
    assert removal["old"]["campaign"] not in again.stdout and "campaign(s) done" in again.stdout


def test_a_list_imported_while_retention_runs_is_refused(platform: Platform) -> None:
    """The retention pass holds the campaign (FOR UPDATE) and marks it done; an import that read the
    campaign before waits for it, then answers 409 and stores no entry that nothing would remove."""
    campaign_id = uuid.uuid4()
    with platform.superuser_db() as db:
        db.execute(
            "INSERT INTO organising.campaigns (id, region, name, starts_on, ends_on, retention_days, created_by)"
            " VALUES (%s, 'london', 'Retention race', %s, %s, 0, 'olive')",
            (campaign_id, TODAY, TODAY),
        )
    waiting = (
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%campaigns%FOR SHARE%'"
    )
    with platform.superuser_db() as retention, platform.superuser_db() as watch, ThreadPoolExecutor(1) as pool:
        with retention.transaction():
            retention.execute("SELECT 1 FROM organising.campaigns WHERE id = %s FOR UPDATE", (campaign_id,))
            retention.execute(
                "UPDATE organising.campaigns SET details_removed_at = now() WHERE id = %s", (campaign_id,)
            )
            sent = pool.submit(
                platform.call,
                "cora",
                "POST",
                "organising",
                f"/v1/campaigns/{campaign_id}/target-lists",
                params={"filename": "late.csv"},
                data=b"Name,Workplace\nRobin Late,Archway bus garage\n",
                headers={"Content-Type": "text/csv"},
            )
            # The import has read the campaign (not yet done, for it) and waits for the pass's lock.
            for _ in range(600):
                if watch.execute(waiting).fetchone()[0] or sent.done():
                    break
                time.sleep(0.1)
        answer = sent.result()
    assert answer.status_code == 409, answer.text
    assert rows(platform, "SELECT count(*) FROM organising.target_lists WHERE campaign_id = %s", campaign_id) == [(0,)]
