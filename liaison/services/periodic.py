"""Work a node does on a timer, beside the requests it answers.

Some findings come from time passing, not from an append: a notification that
was due and never came is a breach as soon as its deadline is behind us, with
no entry to trigger the check. A server process therefore runs the compliance
check every minute. Several processes sharing one PostgreSQL may all run it:
a breach is recorded once (a guard refuses a finding already on the record).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

__all__ = ["Periodic"]

log = logging.getLogger(__name__)


class Periodic:
    """Call ``work`` every ``interval`` seconds on a daemon thread until stopped."""

    def __init__(self, name: str, interval: float, work: Callable[[], object]) -> None:
        self.interval = interval
        self._work = work
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._work()
            except Exception:
                log.exception("periodic work %s failed", self._thread.name)
