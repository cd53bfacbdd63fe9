"""Group commit: many appenders, one durable transaction at a time.

Appenders hand their work to one writer thread and wait. The writer takes
everything queued (up to ``max_batch``), runs it in a single write
transaction, commits — on SQLite with ``synchronous=FULL``, on PostgreSQL with
its default synchronous commit, so the commit is durable — and only then
resolves each appender's future. An append is therefore never acknowledged
before it is on disk, and the cost of one fsync is shared by the whole batch.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

__all__ = ["GroupCommitWriter"]

J = TypeVar("J")
R = TypeVar("R")

#: a batch runner returns, for each job, a result or the exception that refused it
BatchRunner = Callable[[Sequence[J]], list[R | BaseException]]


#: one appender's jobs, and the future of their results (in order)
_Item = tuple[list[J], "Future[list[R | BaseException]]"]


class GroupCommitWriter(Generic[J, R]):
    def __init__(self, run_batch: BatchRunner[J, R], *, max_batch: int = 512) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        # Each item is one appender's jobs with one future for all their results: the writer
        # sees them all at once (not a job at a time, starting on the first before the rest
        # arrive), and an appender of a thousand entries waits on one future, not a thousand.
        self._queue: queue.SimpleQueue[_Item[J, R] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="liaison-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def run(self, job: J) -> R:
        """Run one job; its result once committed, or the exception that refused it, raised."""
        result = self.run_many([job])[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def run_many(self, jobs: Sequence[J]) -> list[R | BaseException]:
        """Run jobs, in order; for each, its result once committed, or the exception that
        refused it (or that failed its transaction, in which nothing was committed)."""
        if self._closed:
            raise RuntimeError("the writer is closed")
        if not jobs:
            return []
        future: Future[list[R | BaseException]] = Future()
        self._queue.put((list(jobs), future))
        return future.result()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            items = [item]
            count = len(item[0])
            stop = False
            while count < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                items.append(more)
                count += len(more[0])
            self._execute(items)
            if stop:
                return

    def _execute(self, items: list[_Item[J, R]]) -> None:
        jobs = [job for item_jobs, _ in items for job in item_jobs]
        results: list[R | BaseException] = []
        # In order, at most ``max_batch`` jobs to a transaction.
        for start in range(0, len(jobs), self._max_batch):
            chunk = jobs[start : start + self._max_batch]
            try:
                results.extend(self._run_batch(chunk))
            except BaseException as exc:  # the transaction failed: nothing of it was committed
                results.extend([exc] * len(chunk))
        at = 0
        for item_jobs, future in items:
            future.set_result(results[at : at + len(item_jobs)])
            at += len(item_jobs)
