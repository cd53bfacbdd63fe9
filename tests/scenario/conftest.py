"""The 1941-44 scenario loaded into a fresh embedded store, once per test module.

Loading replays 86 steps through the services (a few seconds), so the tests of one module share
one load; a module whose tests append to the record gets a load of its own all the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from liaison.node import Node
from liaison.scenario import (
    Loader,
    LoadResult,
    Scenario,
    ScenarioClock,
    create_node,
    read_scenario,
)
from liaison.scenario import schema as s

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "1943-44.json"


@dataclass
class History:
    """A node holding the 1941-44 scenario, what the load returned, and the scenario itself."""

    node: Node
    result: LoadResult
    scenario: Scenario
    #: conflict views taken when the Niš arrangement had just bound, before the strike moved
    arranged: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def id(self, name: str) -> str:
        return self.result.entry(name).id

    def event(self, name: str) -> s.Event:
        return next(e for e in self.scenario.timeline if e.id == name)


def load_history(folder: Path) -> History:
    """Replay the scenario step by step, keeping the picture as it stood once the Niš
    arrangement was signed by both sides (the strike is moved only afterwards)."""
    scenario = read_scenario(SCENARIO)
    clock = ScenarioClock(scenario.start)
    node = create_node(str(folder / "liaison.db"), folder / "node.key", scenario.origin, clock)
    loader = Loader(scenario, node, clock, base=SCENARIO.parent, name=str(SCENARIO))
    history = History(node, loader.result, scenario)
    for step in loader.steps():
        loader.apply(step)
        item = step.item
        if isinstance(item, s.PictureSign) and item.by == "slavin":
            for party in ("us", "su", "uk"):
                history.arranged[party] = node.picture.conflicts(party, limit=None)
    clock.release()
    loader.finish()
    return history


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    loaded = load_history(tmp_path_factory.mktemp("history"))
    yield loaded
    loaded.node.close()
