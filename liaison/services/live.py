"""Wake live subscribers when the record grows.

The broadcaster carries only the fact that the log grew (the new size), never
content: each subscriber then reads what is new *through the same release
filter as every other read*, so a live stream cannot show more than a list.
Subscribers also poll on a timeout, so appends made by another process sharing
the database reach them too.
"""

from __future__ import annotations

import threading

__all__ = ["Broadcaster"]


class Broadcaster:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._size = 0

    def publish(self, size: int) -> None:
        with self._cond:
            if size > self._size:
                self._size = size
            self._cond.notify_all()

    def wait_beyond(self, size: int, timeout: float) -> int:
        """Block until the log is known to be larger than ``size`` or the timeout passes."""
        with self._cond:
            self._cond.wait_for(lambda: self._size > size, timeout=timeout)
            return self._size
