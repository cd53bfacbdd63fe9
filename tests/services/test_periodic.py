"""The timer that runs the compliance check while a server is up."""

from __future__ import annotations

import threading
import time

from liaison.services.periodic import Periodic


def test_periodic_work_runs_until_stopped_and_survives_a_failure() -> None:
    calls: list[int] = []
    ran_twice = threading.Event()

    def work() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a failing check must not stop the timer")
        ran_twice.set()

    timer = Periodic("test-periodic", 0.01, work)
    timer.start()
    assert ran_twice.wait(5)
    timer.stop()
    count = len(calls)
    time.sleep(0.05)
    assert len(calls) == count  # nothing runs after stop
