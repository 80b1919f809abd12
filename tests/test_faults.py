"""Each dependency and each service killed (SIGKILL) and frozen (SIGSTOP, then SIGCONT) in turn
while uploads and searches run, on the shared test platform (loopback only).

Every fault ends with the platform restored (the local stack's supervisor restarts what was
killed) and every service ready again, so later tests see a whole platform. Each asserts:
- every acknowledged (2xx) upload ends indexed and is found exactly once, by a phrase only it
  carries and in its case's evidence list;
- every refused request was refused with a problem+json body; none hung;
- every /readyz of a service still running answered within its own timeout during the fault.
What answered is written to test-artifacts/fault-outcomes.json.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

import testdocs
from casework_common.settings import HttpSettings
from casework_local.process import Managed
from harness import IN_PROGRESS, Platform, unique_number

pytestmark = pytest.mark.stack

ARTIFACT = os.path.join(os.path.dirname(__file__), os.pardir, "test-artifacts", "fault-outcomes.json")
READY_TIMEOUT_S = float(
    os.environ.get("CASEWORK_READY_TIMEOUT_S", HttpSettings.model_fields["ready_timeout_s"].default)
)
# A probe's own allowance on top of the service's timeout: the HTTP round trip on a busy machine.
PROBE_MARGIN_S = 2.0
FREEZE_S = READY_TIMEOUT_S + 1.5  # longer than /readyz waits, so a check that hangs would show
REQUEST_TIMEOUT_S = 30.0  # no answer by then is a hang
RESTORE_TIMEOUT_S = 150.0
DEPENDENCIES = ("postgres", "kafka", "opensearch", "s3", "smtp")
SERVICES = ("workflow", "intake", "ocr", "search", "notify")
USER = "rachel"
PROBLEM = "application/problem+json"


# -- what the clients saw ---------------------------------------------------------------------


@dataclass
class Outcomes:
    """Every answer the load and the probes got during one fault."""

    acked: dict[str, str] = field(default_factory=dict)  # evidence id -> the phrase only it carries
    answers: Counter[str] = field(default_factory=Counter)  # "upload 503 problem", "search 200", ...
    broken: list[str] = field(default_factory=list)  # hangs, and refusals without a problem body
    slow_ready: list[str] = field(default_factory=list)

    def answered(self, what: str, response: requests.Response) -> bool:
        """Record one answer; True when it was a success."""
        kind = response.headers.get("Content-Type", "").split(";")[0]
        if response.ok:
            self.answers[f"{what} {response.status_code}"] += 1
            return True
        label = f"{what} {response.status_code} {'problem' if kind == PROBLEM else kind or 'no body type'}"
        self.answers[label] += 1
        if kind != PROBLEM:
            self.broken.append(f"{label}: {response.text[:200]!r}")
        return False

    def failed(self, what: str, exc: requests.RequestException) -> None:
        if isinstance(exc, requests.Timeout):
            self.answers[f"{what} hung"] += 1
            self.broken.append(f"{what}: no answer within {REQUEST_TIMEOUT_S:.0f}s ({exc})")
        else:  # the service itself was down or restarting: nothing answered, nothing was acknowledged
            self.answers[f"{what} unreachable"] += 1


class Load(threading.Thread):
    """Uploads (each a PDF with a phrase of its own) and searches, one after the other, until stopped."""

    def __init__(self, platform: Platform, case_id: str, outcomes: Outcomes) -> None:
        super().__init__(name="fault-load", daemon=True)
        self.platform, self.case_id, self.outcomes = platform, case_id, outcomes
        self.stop = threading.Event()

    def run(self) -> None:
        api = self.platform.api(USER)
        intake, search = self.platform.url("intake"), self.platform.url("search")
        while not self.stop.is_set():
            phrase = testdocs.fresh_phrase()
            pdf = testdocs.text_pdf(testdocs.letter_lines("Reference", phrase))
            try:
                response = api.post(
                    f"{intake}/v1/cases/{self.case_id}/evidence",
                    files=[("file", ("letter.pdf", pdf, "application/pdf"))],
                    timeout=REQUEST_TIMEOUT_S,
                )
                if self.outcomes.answered("upload", response):
                    self.outcomes.acked[response.json()["items"][0]["id"]] = phrase
            except requests.RequestException as exc:
                self.outcomes.failed("upload", exc)
            try:
                params = {"q": "Reference", "case_id": self.case_id}
                self.outcomes.answered(
                    "search", api.get(f"{search}/v1/search", params=params, timeout=REQUEST_TIMEOUT_S)
                )
            except requests.RequestException as exc:
                self.outcomes.failed("search", exc)
            self.stop.wait(0.2)


class ReadyProbes(threading.Thread):
    """Asks every service but the one under fault for /readyz, over and over, until stopped."""

    def __init__(self, platform: Platform, skip: str, outcomes: Outcomes) -> None:
        super().__init__(name="fault-probes", daemon=True)
        self.urls = {
            name: platform.url(spec.port) for name, (spec, _) in platform.stack.services.items() if name != skip
        }
        self.outcomes = outcomes
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for name, url in self.urls.items():
                try:
                    status = requests.get(f"{url}/readyz", timeout=READY_TIMEOUT_S + PROBE_MARGIN_S).status_code
                    self.outcomes.answers[f"{name} readyz {status}"] += 1
                except requests.Timeout:
                    self.outcomes.slow_ready.append(f"{name} /readyz took over {READY_TIMEOUT_S + PROBE_MARGIN_S}s")
                except requests.ConnectionError:  # restarting after a broker restart: refused at once
                    self.outcomes.answers[f"{name} readyz unreachable"] += 1
            self.stop.wait(0.3)


# -- faults -----------------------------------------------------------------------------------


def process_of(platform: Platform, target: str) -> Managed:
    if target in platform.stack.services:
        return platform.stack.services[target][1]
    return next(p for p in platform.stack.infra if p.name == target)


def kill(platform: Platform, target: str) -> None:
    """SIGKILL the process (its children are left as a crash leaves them); wait for its replacement."""
    victim = process_of(platform, target)
    os.kill(victim.process.pid, signal.SIGKILL)
    wait_until(lambda: process_of(platform, target) is not victim and process_of(platform, target).alive())


def freeze(platform: Platform, target: str) -> None:
    """SIGSTOP the whole process group for longer than /readyz waits, then SIGCONT it."""
    group = process_of(platform, target).process.pid
    os.killpg(group, signal.SIGSTOP)
    try:
        time.sleep(FREEZE_S)
    finally:
        os.killpg(group, signal.SIGCONT)


FAULTS: dict[str, Callable[[Platform, str], None]] = {"kill": kill, "freeze": freeze}


def wait_until(condition: Callable[[], bool], timeout_s: float = RESTORE_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except AssertionError:
            raise
        except Exception:  # noqa: BLE001, S110 - each server's client fails its own way while it starts
            pass
        time.sleep(0.25)
    raise AssertionError(f"not restored within {timeout_s:.0f}s")


def settle(
    platform: Platform, evidence_ids: list[str], timeout_s: float = 90.0, stall_s: float = 8.0
) -> dict[str, str]:
    """Each item's status once all are final, or as they stand when ``timeout_s`` runs out or when
    none of the unfinished ones has moved for ``stall_s`` (an item whose event the fault lost stays
    put until intake's reconciler hands it over again: no point waiting the whole timeout for it).
    A stall called too early costs nothing in what is proved: the item is only handed over again,
    as the reconciler would, and must still end indexed and found exactly once."""
    statuses: dict[str, str] = {}
    deadline = time.monotonic() + timeout_s
    moved = time.monotonic()
    pending = list(evidence_ids)
    while pending:
        for evidence_id in list(pending):
            item = platform.call(USER, "GET", "intake", f"/v1/evidence/{evidence_id}").json()
            state = f"{item['status']} {item.get('pages_done')}"
            if statuses.get(evidence_id) != state:
                moved = time.monotonic()
            statuses[evidence_id] = state
            if item["status"] not in IN_PROGRESS:
                pending.remove(evidence_id)
        if pending and (time.monotonic() > deadline or time.monotonic() - moved > stall_s):
            break
        time.sleep(0.5 if pending else 0)
    return {evidence_id: state.split(" ")[0] for evidence_id, state in statuses.items()}


def restored(platform: Platform, supervisor_errors: list[BaseException]) -> bool:
    """Every server answers and every service says it is ready."""
    if supervisor_errors:
        raise AssertionError(f"the supervisor gave up: {supervisor_errors[0]}")
    stack = platform.stack
    servers_up = all(p.alive() and server.ready() for server, p in zip(stack.servers, stack.infra, strict=True))
    return servers_up and all(stack.service_ready(spec) for spec, _ in stack.services.values())


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def supervisor(platform: Platform) -> Iterator[list[BaseException]]:
    """The stack's own supervisor runs while this module's faults are injected; yields what it raised."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def supervise() -> None:
        try:
            platform.stack.supervise(stop)
        except Exception as exc:  # noqa: BLE001 - Unrecoverable and anything else: the tests report it
            errors.append(exc)

    thread = threading.Thread(target=supervise, name="stack-supervisor", daemon=True)
    thread.start()
    yield errors
    stop.set()
    thread.join(timeout=60)


@pytest.fixture(scope="module")
def record() -> Iterator[dict[str, Any]]:
    outcomes: dict[str, Any] = {}
    yield outcomes
    os.makedirs(os.path.dirname(ARTIFACT), exist_ok=True)
    with open(ARTIFACT, "w") as out:
        json.dump(outcomes, out, indent=2, sort_keys=True)


# -- the suite --------------------------------------------------------------------------------


CASES = [pytest.param(fault, target, id=f"{fault}-{target}") for fault in FAULTS for target in DEPENDENCIES + SERVICES]


@pytest.mark.parametrize(("fault", "target"), CASES)
def test_a_fault_loses_no_acknowledged_upload_and_hangs_nothing(
    platform: Platform, supervisor: list[BaseException], record: dict[str, Any], fault: str, target: str
) -> None:
    wait_until(lambda: restored(platform, supervisor))  # whatever ran before left the platform whole
    case_id = platform.create_case(USER, unique_number(), name="Fault Tester")["id"]
    outcomes = Outcomes()
    load, probes = Load(platform, case_id, outcomes), ReadyProbes(platform, target, outcomes)
    load.start()
    probes.start()
    try:
        wait_until(lambda: len(outcomes.acked) >= 1, timeout_s=60)  # work is in flight
        FAULTS[fault](platform, target)
        wait_until(lambda: restored(platform, supervisor))
        acked_before = len(outcomes.acked)
        wait_until(lambda: len(outcomes.acked) > acked_before, timeout_s=60)  # uploads work again
    finally:
        load.stop.set()
        probes.stop.set()
        load.join(timeout=REQUEST_TIMEOUT_S + 5)
        probes.join(timeout=READY_TIMEOUT_S + PROBE_MARGIN_S + 5)
        record[f"{fault} {target}"] = {"acked": len(outcomes.acked), "answers": dict(outcomes.answers)}
    assert outcomes.broken == []
    assert outcomes.slow_ready == []

    final = settle(platform, list(outcomes.acked))
    # Any fault can cost an item a step (an event the in-memory broker lost, a stage killed mid-write).
    # Intake's reconciler is the recovery for an item left unfinished; let its threshold pass
    # for those items, as tests/test_reconciler.py does.
    unfinished = [evidence_id for evidence_id, status in final.items() if status in IN_PROGRESS]
    if unfinished:
        with platform.superuser_db() as db:
            db.execute(
                "UPDATE intake.evidence SET updated_at = now() - interval '1 day' WHERE id = ANY(%s::uuid[])",
                (unfinished,),
            )
        # Now the reconciler's pass (every 5 s here) must come round first: allow it far more
        # than one pass before calling these items stalled.
        final.update(settle(platform, unfinished, stall_s=30.0))
    lost = []
    for evidence_id, phrase in outcomes.acked.items():
        hits = platform.search(USER, f'"{phrase}"', case_id=case_id).json()["items"]
        if final[evidence_id] != "indexed" or [h["evidence_id"] for h in hits] != [evidence_id]:
            lost.append((evidence_id, final[evidence_id], len(hits)))
    assert lost == [], f"{len(lost)} of {len(outcomes.acked)} acknowledged uploads not findable exactly once"
    listed = Counter(
        i["id"] for i in platform.call(USER, "GET", "intake", f"/v1/cases/{case_id}/evidence").json()["items"]
    )
    assert {evidence_id: listed[evidence_id] for evidence_id in outcomes.acked} == dict.fromkeys(outcomes.acked, 1)
