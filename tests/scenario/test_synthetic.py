"""The synthetic load: deterministic, valid, loaded by the same loader, conflicts across parties."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison.node import Node
from liaison.scenario import load_new, synthetic_scenario
from liaison.scenario import schema as s
from liaison.services.verify import verify_store
from liaison.store.queries import EntryFilter


def test_the_same_seed_gives_the_same_scenario_and_another_seed_another() -> None:
    first = synthetic_scenario(200, seed=7)
    assert first == synthetic_scenario(200, seed=7)
    assert first != synthetic_scenario(200, seed=8)
    assert len(first.timeline) == 200
    assert [e.at for e in first.timeline] == sorted(e.at for e in first.timeline)


def test_a_synthetic_load_goes_through_the_services_and_verifies(tmp_path: Path) -> None:
    scenario = synthetic_scenario(600, parties=4, operations_share=0.2, seed=1)
    operations = [e for e in scenario.timeline if isinstance(e, s.PictureOperation)]
    assert operations
    node, result = load_new(scenario, str(tmp_path / "l.db"), tmp_path / "k")
    try:
        assert result.size == 1 + 4 + 8 + 600 + _notices(node)
        assert verify_store(node.store).ok
        # conflicts were found, and no party was told of another's operation it may not read
        found = [
            c for p in ("p01", "p02", "p03", "p04") for c in node.picture.conflicts(p, limit=None)
        ]
        assert found
        for conflict in found:
            for other in conflict["others"]:
                if not other["released"]:
                    assert other["entry"] is None
                    assert other["ref"] is None
    finally:
        node.close()


def _notices(node: Node) -> int:
    """The conflict notices the node wrote itself, one per party per conflict revision."""
    return node.record.count(None, EntryFilter(kind="picture.notice"))


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="parties"):
        synthetic_scenario(10, parties=1)
    with pytest.raises(ValueError, match="operations_share"):
        synthetic_scenario(10, operations_share=2)
