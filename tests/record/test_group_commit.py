"""The group-commit writer: every appender gets its own results, in order, once committed."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from liaison.services.writer import GroupCommitWriter


class Boom(Exception):
    pass


class Refused(Exception):
    pass


def test_results_come_back_to_each_appender_in_order() -> None:
    batches: list[list[int]] = []

    def run(jobs: Sequence[int]) -> list[int | BaseException]:
        batches.append(list(jobs))
        return [Refused(j) if j % 3 == 0 else j * 10 for j in jobs]

    writer: GroupCommitWriter[int, int] = GroupCommitWriter(run, max_batch=4)
    try:
        out: dict[int, list[int | BaseException]] = {}

        def appender(n: int) -> None:
            out[n] = writer.run_many(list(range(n * 10, n * 10 + 7)))

        threads = [threading.Thread(target=appender, args=(n,)) for n in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for n, results in out.items():
            jobs = range(n * 10, n * 10 + 7)
            assert [r if isinstance(r, int) else r.args[0] for r in results] == [
                j if j % 3 == 0 else j * 10 for j in jobs
            ]
        assert all(len(b) <= 4 for b in batches)
        assert sorted(j for b in batches for j in b) == sorted(
            j for n in range(5) for j in range(n * 10, n * 10 + 7)
        )
        assert writer.run(1) == 10
        with pytest.raises(Refused):
            writer.run(3)
        assert writer.run_many([]) == []
    finally:
        writer.close()
    with pytest.raises(RuntimeError):
        writer.run(1)


def test_a_failed_transaction_fails_only_its_own_jobs() -> None:
    def run(jobs: Sequence[int]) -> list[int | BaseException]:
        if 5 in jobs:
            raise Boom("the transaction failed")
        return list(jobs)

    writer: GroupCommitWriter[int, int] = GroupCommitWriter(run, max_batch=4)
    try:
        results = writer.run_many(list(range(10)))
        # Transactions of 0-3, 4-7 and 8-9: only the second failed, and all of it.
        assert results[:4] == [0, 1, 2, 3]
        assert all(isinstance(r, Boom) for r in results[4:8])
        assert results[8:] == [8, 9]
        with pytest.raises(Boom):
            writer.run(5)
    finally:
        writer.close()
