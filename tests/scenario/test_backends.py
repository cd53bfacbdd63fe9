"""The scenario loads into PostgreSQL as into SQLite: same record, same verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison.scenario import load_new, read_scenario
from liaison.services.verify import verify_store
from tests.scenario.conftest import SCENARIO


@pytest.mark.postgres
@pytest.mark.slow
def test_the_scenario_loads_into_postgresql_and_verifies(pg_url: str, tmp_path: Path) -> None:
    node, result = load_new(
        read_scenario(SCENARIO), pg_url, tmp_path / "node.key", base=SCENARIO.parent
    )
    try:
        assert verify_store(node.store).ok
        treaty = result.entry("anglo-soviet-treaty").id
        assert node.agreements.status("su", treaty).state == "binding"
        rules = {b.breach.content.body["rule"] for b in node.agreements.breaches("uk")}
        assert rules == {"notify_before"}
        [nis] = node.picture.conflicts("us", limit=None)
        assert nis["status"] == "cleared"
    finally:
        node.close()
