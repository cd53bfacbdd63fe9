"""Replay: the steps applied in time order, paced by scenario time over speed, stoppable."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from liaison.scenario import Loader, Replay, ScenarioClock, create_node, parse_scenario
from liaison.scenario.loader import Step
from liaison.scenario.replay import pause_before
from liaison.store.queries import EntryFilter
from tests.scenario.test_format import minimal

START = datetime(1943, 1, 1, 12, tzinfo=UTC)


def step(at: datetime) -> Step:
    return Step(at, "timeline[0] (note)", parse_scenario(minimal()).timeline[0])


def test_the_pause_is_scenario_time_over_speed_and_capped() -> None:
    day = timedelta(days=1)
    assert pause_before(None, step(START), speed=86_400, max_pause=3) == 0
    assert pause_before(START, step(START + day), speed=86_400, max_pause=3) == 1
    assert pause_before(START, step(START + 30 * day), speed=86_400, max_pause=3) == 3
    assert pause_before(START, step(START), speed=86_400, max_pause=3) == 0


def test_a_replay_applies_the_opening_at_once_then_plays_the_rest_with_their_times(
    tmp_path: Path,
) -> None:
    scenario = parse_scenario(minimal())
    clock = ScenarioClock(scenario.start)
    node = create_node(str(tmp_path / "l.db"), tmp_path / "k", scenario.origin, clock)
    try:
        seen: list[str] = []
        replay = Replay(
            Loader(scenario, node, clock),
            speed=86_400 * 20,  # twenty days a second: the four days take a fifth of a second
            on_step=lambda st: seen.append(st.path),
        )
        replay.apply_until(scenario.start)
        assert seen == ["parties[0]", "parties[1]", "members[0]"]
        assert replay.remaining == 5
        began = time.monotonic()
        replay.start()
        result = replay.join(timeout=30)
        assert time.monotonic() - began >= 0.15
        assert replay.error is None
        assert seen[3:] == [
            "members[1]",
            "timeline[0] (note)",
            "timeline[1] (channel.open)",
            "timeline[2] (message.draft)",
            "timeline[3] (message.send)",
        ]
        assert result.entry("hello").stamp.at == datetime(1943, 1, 3, 12, tzinfo=UTC)
        assert not clock.historical
        with pytest.raises(RuntimeError):
            replay.start()
    finally:
        node.close()


def test_a_stopped_replay_appends_nothing_more_and_gives_the_clock_back(tmp_path: Path) -> None:
    scenario = parse_scenario(minimal())
    clock = ScenarioClock(scenario.start)
    node = create_node(str(tmp_path / "l.db"), tmp_path / "k", scenario.origin, clock)
    try:
        replay = Replay(Loader(scenario, node, clock), speed=1.0, max_pause=60)
        replay.apply_until(scenario.start)
        replay.start()
        time.sleep(0.2)
        replay.stop(timeout=10)
        assert not replay.running
        assert replay.remaining == 5
        assert node.record.count(None, EntryFilter(kind="note")) == 0
        assert not clock.historical
    finally:
        node.close()


def test_speed_must_be_positive(tmp_path: Path) -> None:
    scenario = parse_scenario(minimal())
    clock = ScenarioClock(scenario.start)
    node = create_node(str(tmp_path / "l.db"), tmp_path / "k", scenario.origin, clock)
    try:
        with pytest.raises(ValueError, match="positive"):
            Replay(Loader(scenario, node, clock), speed=0)
    finally:
        node.close()
