"""Replaying a scenario at a watchable pace, while the node serves it.

``liaison demo --replay`` starts the server first and then plays the scenario forward in a
background thread, so the map, conflicts, messages and agreements unfold in the browser (and in
``liaison follow``) as they did on the record's own clock. The pause before each step is the
scenario time since the previous step divided by ``speed`` (scenario seconds per wall-clock
second), never longer than ``max_pause``, so that a quiet year does not stall the show.

The entries still carry the scenario's times: the node's clock reads each step's time while the
step is applied (:mod:`liaison.scenario.clock`), and goes back to the wall clock once the replay
ends or is stopped. An entry a member appends through the API during a replay is stamped with
the scenario's current time, like everything else appended then.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from liaison.scenario.errors import ScenarioError
from liaison.scenario.loader import Loader, LoadResult, Step

__all__ = ["Replay", "pause_before"]

log = logging.getLogger("liaison.scenario")

#: the longest pause between two steps, in seconds, whatever the scenario time between them
DEFAULT_MAX_PAUSE = 3.0


def pause_before(previous: datetime | None, step: Step, speed: float, max_pause: float) -> float:
    """Seconds to wait before ``step``: its scenario time since ``previous`` over ``speed``."""
    if previous is None or speed <= 0:
        return 0.0
    gap = (step.at - previous).total_seconds()
    return max(0.0, min(gap / speed, max_pause))


class Replay:
    """Applies a loader's steps in a background thread, paced; ``stop`` ends it early.

    ``first`` steps are applied at once, before the thread starts pacing (a demo applies the
    opening roster so it can print how members sign in).
    """

    def __init__(
        self,
        loader: Loader,
        *,
        speed: float,
        max_pause: float = DEFAULT_MAX_PAUSE,
        on_step: Callable[[Step], None] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed is scenario seconds per second, and must be positive")
        self.loader = loader
        self.speed = speed
        self.max_pause = max_pause
        self.on_step = on_step
        self.error: ScenarioError | None = None
        self._steps = loader.steps()
        self._next = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def remaining(self) -> int:
        return len(self._steps) - self._next

    def apply_until(self, moment: datetime) -> None:
        """Apply at once every step before or at ``moment`` (no pacing)."""
        while self._next < len(self._steps) and self._steps[self._next].at <= moment:
            self._apply(self._steps[self._next])

    def _apply(self, step: Step) -> None:
        self.loader.apply(step)
        self._next += 1
        if self.on_step is not None:
            self.on_step(step)

    def start(self) -> None:
        """Play the remaining steps in a daemon thread."""
        if self._thread is not None:
            raise RuntimeError("a replay is started once")
        self._thread = threading.Thread(target=self._run, name="liaison-replay", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        previous = self._steps[self._next - 1].at if self._next else None
        try:
            while self._next < len(self._steps):
                step = self._steps[self._next]
                if self._stop.wait(pause_before(previous, step, self.speed, self.max_pause)):
                    return
                self._apply(step)
                previous = step.at
        except ScenarioError as exc:
            self.error = exc
            log.error("the replay stopped: %s", exc.detail)
        finally:
            self.loader.clock.release()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop after the step under way; the clock goes back to the wall clock."""
        self._stop.set()
        self.join(timeout)

    def join(self, timeout: float | None = None) -> LoadResult:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.loader.finish()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
