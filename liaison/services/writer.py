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


class GroupCommitWriter(Generic[J, R]):
    def __init__(self, run_batch: BatchRunner[J, R], *, max_batch: int = 512) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        # Each item is one appender's jobs, queued together so that the writer sees them all at
        # once: ``run_many`` hands over a whole batch, not a job at a time for the writer to
        # start on before the rest arrive (a second transaction, and a thread switch per job).
        self._queue: queue.SimpleQueue[list[tuple[J, Future[R]]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="liaison-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, job: J) -> Future[R]:
        return self.run_many([job])[0]

    def run(self, job: J) -> R:
        return self.submit(job).result()

    def run_many(self, jobs: Sequence[J]) -> list[Future[R]]:
        if self._closed:
            raise RuntimeError("the writer is closed")
        items: list[tuple[J, Future[R]]] = [(job, Future()) for job in jobs]
        if items:
            self._queue.put(items)
        return [future for _, future in items]

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
            batch = list(item)
            stop = False
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.extend(more)
            # In order, at most ``max_batch`` jobs to a transaction.
            for start in range(0, len(batch), self._max_batch):
                self._execute(batch[start : start + self._max_batch])
            if stop:
                return

    def _execute(self, batch: list[tuple[J, Future[R]]]) -> None:
        live = [(job, fut) for job, fut in batch if fut.set_running_or_notify_cancel()]
        try:
            results = self._run_batch([job for job, _ in live])
        except BaseException as exc:  # the transaction failed: nothing was committed
            for _, fut in live:
                fut.set_exception(exc)
            return
        for (_, fut), result in zip(live, results, strict=True):
            if isinstance(result, BaseException):
                fut.set_exception(result)
            else:
                fut.set_result(result)
