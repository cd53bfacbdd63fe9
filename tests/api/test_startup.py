"""The API builds the deconfliction index at start, before serving, not inside a request.

The index is a projection of the record: starting the app rebuilds it from the store and checks
what was appended since the latest conflict notice (as by a process that stopped between an
append and its notices), so the conflict is on the record before any request arrives.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from liaison.api import create_app
from liaison.domain.kinds import KINDS
from liaison.node import Node
from liaison.services.record import AppendRequest, RecordService
from liaison.store.queries import EntryFilter
from tests.conftest import World
from tests.picture.support import END, START, square, unit


def _notices(node: Node) -> int:
    return node.record.count(None, EntryFilter(kind="picture.notice"))


def test_starting_the_app_builds_the_index_and_checks_what_was_never_checked(
    world: World, store_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "starting-node.key"
    world.node.key.write(key)
    unit(world.node)
    # A strike on the unit, appended by a record service with no picture service listening.
    body = KINDS.get("picture.operation").validate(
        {
            "ref": "quiet",
            "kind": "air_strike",
            "volumes": [{"footprint": square(), "window": {"start": START, "end": END}}],
        }
    )
    bare = RecordService(world.node.store, world.node.key.signing_key)
    bare.append(AppendRequest("burrows", "picture.operation", body, release=[]))
    later = Node.open(store_url, key)
    app = create_app(later, compliance_seconds=0)
    before = _notices(later)

    async def start() -> int:
        async with app.router.lifespan_context(app):  # what uvicorn runs before serving
            return _notices(later)

    try:
        # No request made: starting the app built the index and wrote the notices.
        assert asyncio.run(start()) == before + 2
        assert [c["rule"] for c in later.picture.conflicts("us")] == ["fires_near_unit"]
    finally:
        later.close()
