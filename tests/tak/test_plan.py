"""The ingest's first half, in a worker process: the same plans as in the process that records,
a worker's body validated again before it is appended, and a dead worker costing no event."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison.cot import CotFramer
from liaison.domain.time import utcnow
from liaison.tak import Tak
from liaison.tak.plan import Plan, Planner, Unreadable, plan_frames
from tests.tak.support import drawing, ping, position, running, wire

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "interop" / "cot"
PARTIES = frozenset({"uk", "us", "su"})

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def planner() -> Iterator[Planner]:
    planner = Planner(1)
    planner.start()
    yield planner
    planner.close()


def _frames() -> list[bytes]:
    """Every sample of shared/interop/cot as the listener frames it, and events of each kind,
    good and bad."""
    framer = CotFramer(max_connection_bytes=None)
    frames: list[bytes] = []
    for sample in sorted(SAMPLES.iterdir()):
        if sample.suffix in (".cot", ".xml", ".txt"):
            frames += framer.feed(sample.read_bytes())
    framer.close()
    return [
        *frames,
        wire(position("P-1", releasable_to="us")),
        wire(position("P-2", releasable_to="narnia")),
        wire(ping()),
        wire(drawing("D-1")),
        b"<event version='2.0' uid='x' type='a-f-G'></event>",
        b"<event><point lat='1'",
    ]


def _same(here: Plan | Unreadable, there: Plan | Unreadable) -> None:
    assert type(here) is type(there)
    if isinstance(here, Unreadable):
        assert here == there
        return
    assert isinstance(there, Plan)
    assert (here.uid, here.type, here.kind, here.release, here.refusal, here.reply) == (
        there.uid,
        there.type,
        there.kind,
        there.release,
        there.refusal,
        there.reply,
    )
    assert here.unit == there.unit
    assert here.report == there.report
    assert here.event == there.event


def test_a_worker_plans_every_sample_as_the_recording_process_does(planner: Planner) -> None:
    frames = _frames()
    moment = utcnow()
    here = plan_frames(frames, PARTIES, moment, 256 * 1024)
    there = planner.plan(frames, PARTIES, moment, 256 * 1024)
    assert len(here) == len(there) == len(frames)
    kinds = {p.kind if isinstance(p, Plan) else "unreadable" for p in there}
    assert {"position", "ping", "shape", "route", "marker", "other", "unreadable"} <= kinds
    assert any(isinstance(p, Plan) and p.refusal is not None for p in there)
    for a, b in zip(here, there, strict=True):
        _same(a, b)
    # What came back is plain data: the bodies are no longer the spec's own, and are
    # validated again where they are appended.
    for plan in there:
        if isinstance(plan, Plan):
            assert plan.unit is None or type(plan.unit) is dict
            assert (plan.event is None) == (plan.kind in ("ping", "other") or bool(plan.refusal))


def test_bodies_from_a_worker_are_validated_again_and_a_bad_one_changes_nothing(
    tak: Tak, planner: Planner
) -> None:
    (good,) = planner.plan([wire(position("W-1"))], PARTIES, utcnow(), 256 * 1024)
    assert isinstance(good, Plan)
    assert type(good.unit) is dict
    forged = Plan(
        good.uid,
        good.type,
        good.kind,
        {**good.unit, "symbol_code": "not a symbol"},
        good.report,
        good.release,
        event=good.event,
    )
    record = tak.node.record
    size = record.size()
    authority, _ = tak.ingest.roster("burrows")
    (outcome,) = tak.ingest.commit("burrows", authority, [forged])
    assert (outcome.action, outcome.code) == ("refused", "bad_unit")
    assert record.size() == size
    (outcome,) = tak.ingest.commit("burrows", authority, [good])
    assert outcome.action == "reported"
    assert record.size() == size + 2  # the report entry and the unit report


def test_a_dead_worker_costs_time_never_an_event() -> None:
    planner = Planner(1)
    planner.start()
    try:
        pool = planner._ensure()
        pid = pool.submit(os.getpid).result()
        assert pid != os.getpid()
        os.kill(pid, signal.SIGKILL)
        frames = [wire(position(f"K-{n}")) for n in range(5)]
        plans = planner.plan(frames, PARTIES, utcnow(), 256 * 1024)
        assert [p.uid for p in plans if isinstance(p, Plan)] == [f"K-{n}" for n in range(5)]
        assert planner.restarts == 1
        # The next batch goes to a new worker.
        again = planner.plan(frames, PARTIES, utcnow(), 256 * 1024)
        assert len(again) == 5
        assert planner._ensure().submit(os.getpid).result() not in (pid, os.getpid())
    finally:
        planner.close()


def test_no_workers_plans_in_the_calling_process() -> None:
    planner = Planner(0)
    planner.start()
    (plan,) = planner.plan([wire(position("Z-1"))], PARTIES, utcnow(), 256 * 1024)
    assert isinstance(plan, Plan)
    assert plan.unit is not None
    assert type(plan.unit) is not dict  # the spec's own frozen body: not validated again
    with pytest.raises(ValueError, match="0 or more"):
        Planner(-1)


def test_workers_end_when_the_serving_process_is_gone_without_closing_them() -> None:
    """A serving process that is killed never tells its workers to stop; they notice that
    their parent is gone and end, rather than live on as orphans."""
    program = (
        "import os, sys\n"
        "from liaison.tak.plan import Planner\n"
        "planner = Planner(1)\n"
        "planner.start()\n"
        "print(planner._ensure().submit(os.getpid).result(), flush=True)\n"
        "os._exit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    worker = int(done.stdout.split()[-1])
    deadline = time.monotonic() + 15
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(worker), "the worker outlived its parent"
