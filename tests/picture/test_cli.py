"""``liaison picture`` against a real server, as members on their own machines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liaison.api import create_app
from tests.api.support import running_server
from tests.cli.support import Cli
from tests.conftest import World
from tests.picture.support import END, SIDC, START, square


class Member:
    """Runs ``liaison`` as one member against the server."""

    def __init__(self, cli: Cli, url: str, world: World, member: str) -> None:
        self.cli, self.url, self.world, self.member = cli, url, world, member

    def args(self, *args: str) -> list[str]:
        return [*args, "--url", self.url, "--token", self.world.token(self.member)]

    def ok(self, *args: str) -> Any:
        return self.cli.ok(*self.args(*args))

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json").stdout)


@pytest.fixture
def members(sqlite_world: World, tmp_path: Path) -> Iterator[dict[str, Member]]:
    cli = Cli(tmp_path, CliRunner())
    with running_server(create_app(sqlite_world.node)) as url:
        yield {m: Member(cli, url, sqlite_world, m) for m in ("burrows", "deane", "slavin")}


def _strike(uk: Member, *extra: str) -> Any:
    return uk.json(
        "picture", "operation", "add", "op-strike", "air_strike",
        "--footprint", json.dumps(square()), "--start", START, "--end", END,
        "--name", "TOTALIZE", *extra,
    )  # fmt: skip


def _unit(us: Member) -> Any:
    return us.json(
        "picture", "unit", "report", "1-armd", "--point", "10.005,50.012",
        "--time", "2044-07-12T15:00:00Z", "--stale", "2044-07-12T20:00:00Z", "--symbol", SIDC,
    )  # fmt: skip


def test_operations_units_and_conflicts_from_the_command_line(
    members: dict[str, Member],
) -> None:
    uk, us = members["burrows"], members["deane"]
    entry = _strike(uk)
    assert entry["kind"] == "picture.operation"
    _unit(us)
    found = us.json("picture", "conflict", "list")
    assert [c["rule"] for c in found] == ["fires_near_unit"]
    assert "TOTALIZE" not in json.dumps(found)
    shown = us.ok("picture", "conflict", "show", found[0]["conflict"]).stdout
    assert "not released to you" in shown
    table = uk.ok("picture", "conflict", "list").stdout
    assert "fires_near_unit" in table
    at = uk.json("picture", "show", "--at", "2044-07-12T17:00:00Z")
    assert [o["ref"] for o in at["operations"]] == ["op-strike"]
    uk.ok("picture", "operation", "cancel", "op-strike")
    assert us.json("picture", "conflict", "list", "--status", "cleared")[0]["status"] == "cleared"


def test_resolving_with_an_arrangement_signed_on_each_members_machine(
    members: dict[str, Member], sqlite_world: World, tmp_path: Path
) -> None:
    uk, us = members["burrows"], members["deane"]
    _strike(uk)
    _unit(us)
    cid = uk.json("picture", "conflict", "list")[0]["conflict"]
    uk.ok("picture", "conflict", "resolve", cid, "--acknowledge")
    arrangement = uk.json("picture", "conflict", "resolve", cid, "--arrange", "Hold fire.")
    for member in (uk, us):
        key = tmp_path / f"{member.member}.key"
        sqlite_world.members[member.member].key.write(key)
        member.ok("picture", "conflict", "resolve", cid, "--sign", arrangement["id"],
                  "--key", str(key))  # fmt: skip
    assert us.json("picture", "conflict", "show", cid)["status"] == "arranged"


def test_a_bad_footprint_is_refused_with_the_problem_named(members: dict[str, Member]) -> None:
    uk = members["burrows"]
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[10.0, 50.0], [10.01, 50.01], [10.01, 50.0], [10.0, 50.01], [10.0, 50.0]]],
    }
    result = uk.cli(*uk.args(
        "picture", "operation", "add", "bad", "air_strike", "--footprint", json.dumps(bowtie),
        "--start", START, "--end", END,
    ))  # fmt: skip
    assert result.exit_code == 2
    assert "self_intersection" in result.stderr


def test_geojson_export_and_import_from_the_command_line(
    members: dict[str, Member], tmp_path: Path
) -> None:
    uk, su = members["burrows"], members["slavin"]
    _strike(uk, "--release", "su")
    su.ok("picture", "measure", "add", "roz-1", "restricted_operating_zone",
          "--geometry", json.dumps(square(10.02, 50.0, 0.02)),
          "--from", "2044-07-01T00:00:00Z", "--until", "2044-08-01T00:00:00Z",
          "--binds", "uk", "--binds", "us")  # fmt: skip
    out = tmp_path / "picture.geojson"
    uk.ok("picture", "export", "-o", str(out))
    collection = json.loads(out.read_text())
    assert {f["properties"]["liaison"] for f in collection["features"]} == {
        "operation",
        "control_measure",
    }
    report = uk.json("picture", "import", str(out))
    assert report["skipped"] == 1
    assert [i["action"] for i in report["items"]] == ["unchanged"]
    assert [m["ref"] for m in uk.json("picture", "measure", "list")] == ["roz-1"]
