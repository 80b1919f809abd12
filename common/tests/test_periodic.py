"""runtime.periodic: a failed pass is counted and the loop goes on; a stop ends it (pure logic)."""

import threading

from prometheus_client import CollectorRegistry, Counter

from casework_common.runtime import periodic


def test_a_failed_pass_is_counted_and_the_next_pass_still_runs() -> None:
    passes = Counter("passes", "test", ("outcome",), registry=CollectorRegistry())
    stop = threading.Event()
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database restarted")
        if len(calls) == 3:
            stop.set()

    thread = threading.Thread(target=periodic("test", work, 0.001, passes), args=(stop,), daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and len(calls) == 3
    assert passes.labels("failed")._value.get() == 1 and passes.labels("ok")._value.get() == 2


def test_wait_first_waits_an_interval_before_the_first_pass() -> None:
    # Without wait_first the first pass runs at once (the second half); with it, not within a second
    # of a one-hour interval, and a stop meanwhile ends the loop with no pass at all.
    ran, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=periodic("test", ran.set, 3600, wait_first=True), args=(stop,), daemon=True)
    thread.start()
    assert not ran.wait(1)
    stop.set()
    thread.join(10)
    assert not thread.is_alive() and not ran.is_set()
    ran, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=periodic("test", ran.set, 3600), args=(stop,), daemon=True)
    thread.start()
    assert ran.wait(10)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
