"""Members: appointment hands over a key file and a token once; authority comes from the record."""

from __future__ import annotations

import base64
import json
import stat
import time
from collections.abc import Callable

import pytest

from liaison.domain.time import format_time, utcnow
from liaison.errors import InvalidInput
from liaison.ledger.signing import KeyFile, b64e
from liaison.node import Node
from tests.cli.support import Cli

IDENTITY_POINT = bytes([1]) + bytes(31)


def add_eden(cli: Cli, *extra: str) -> dict[str, object]:
    added: dict[str, object] = cli.json(
        "member",
        "add",
        "eden",
        "--party",
        "uk",
        "--name",
        "Anthony Eden",
        "--role",
        "officer",
        "--topic",
        "diplomacy",
        *extra,
    )
    return added


def test_member_add_prints_a_token_once_and_writes_a_private_key_file(initialised: Cli) -> None:
    result = initialised.ok(
        "member", "add", "eden", "--party", "uk", "--name", "Anthony Eden", "--role", "officer"
    )
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("lsn_")
    assert "shown only now" in result.stderr
    key_file = initialised.folder / "eden.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = KeyFile.read(key_file)
    assert (key.owner, key.party) == ("eden", "uk")
    # The record holds the public key of that file, and only the token's hash.
    node = Node.open("liaison.db", "liaison-node.key")
    try:
        assert node.record.authority("eden").current_key.public_key == key.public_key
        with node.store.read() as conn:
            dump = b"".join(
                bytes(row.content) for row in conn.exec_driver_sql("SELECT content FROM entries")
            )
        assert token.encode() not in dump
        assert b64e(key.seed).encode() not in dump
    finally:
        node.close()


def test_member_add_writes_the_key_where_asked_and_never_overwrites(
    initialised: Cli, size_of: Callable[[], int]
) -> None:
    added = add_eden(initialised, "--key-out", "keys-eden.key")
    assert added["key_file"] == "keys-eden.key"
    assert KeyFile.read(initialised.folder / "keys-eden.key").owner == "eden"
    before = size_of()
    result = initialised(
        "member",
        "add",
        "kerr",
        "--party",
        "uk",
        "--name",
        "Kerr",
        "--role",
        "officer",
        "--key-out",
        "keys-eden.key",
    )
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert size_of() == before  # refused before anything was appointed


def test_member_add_refuses_an_unknown_role_and_changes_nothing(
    initialised: Cli, size_of: Callable[[], int]
) -> None:
    before = size_of()
    result = initialised(
        "member", "add", "eden", "--party", "uk", "--name", "Eden", "--role", "marshal"
    )
    assert result.exit_code == 2
    assert "marshal" in result.stderr
    assert "plenipotentiary" in result.stderr
    assert size_of() == before
    assert not (initialised.folder / "eden.key").exists()


def test_member_add_refuses_an_unknown_party_and_changes_nothing(
    initialised: Cli, size_of: Callable[[], int]
) -> None:
    before = size_of()
    result = initialised(
        "member", "add", "eden", "--party", "fr", "--name", "E", "--role", "officer"
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: no party fr on the record"
    assert size_of() == before


def test_member_add_takes_a_geojson_area_and_an_expiry(initialised: Cli) -> None:
    area = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[20.0, 44.0], [21.0, 44.0], [21.0, 45.0], [20.0, 45.0], [20.0, 44.0]]],
        },
    }
    (initialised.folder / "belgrade.geojson").write_text(json.dumps(area), encoding="utf-8")
    add_eden(initialised, "--area", "belgrade.geojson", "--expires", "2045-05-08T23:01:00Z")
    [eden] = initialised.json("member", "list")
    assert eden["mandate"]["expires"] == "2045-05-08T23:01:00.000000Z"
    assert eden["mandate"]["areas"][0]["coordinates_e7"][0][1] == [210000000, 440000000]


def test_member_add_refuses_an_area_that_is_not_a_polygon(
    initialised: Cli, size_of: Callable[[], int]
) -> None:
    (initialised.folder / "point.geojson").write_text(
        json.dumps({"type": "Point", "coordinates": [20, 44]}), encoding="utf-8"
    )
    before = size_of()
    result = initialised(
        "member",
        "add",
        "eden",
        "--party",
        "uk",
        "--name",
        "E",
        "--role",
        "officer",
        "--area",
        "point.geojson",
    )
    assert result.exit_code == 2
    assert "Polygon" in result.stderr
    assert size_of() == before


def test_rotate_key_refuses_the_identity_point_and_changes_nothing(
    initialised: Cli, size_of: Callable[[], int]
) -> None:
    add_eden(initialised)
    before = size_of()
    weak = base64.b64encode(IDENTITY_POINT).decode()
    result = initialised("member", "rotate-key", "eden", "--public-key", weak)
    assert result.exit_code == 2
    assert "identity point" in result.stderr
    short = base64.b64encode(b"\x07" * 31).decode()
    result = initialised("member", "rotate-key", "eden", "--public-key", short)
    assert result.exit_code == 2
    assert "32 bytes" in result.stderr
    assert size_of() == before


def test_the_library_refuses_a_weak_key_the_cli_is_given(initialised: Cli) -> None:
    add_eden(initialised)
    node = Node.open("liaison.db", "liaison-node.key")
    try:
        with pytest.raises(InvalidInput, match="identity point"):
            node.roster.rotate_key("eden", IDENTITY_POINT)
    finally:
        node.close()


def test_rotate_key_writes_a_new_key_and_keeps_the_old_on_the_record(initialised: Cli) -> None:
    add_eden(initialised)
    initialised.ok("member", "rotate-key", "eden", "--key-out", "eden-2.key")
    new = KeyFile.read(initialised.folder / "eden-2.key")
    node = Node.open("liaison.db", "liaison-node.key")
    try:
        keys = node.record.authority("eden").keys
    finally:
        node.close()
    assert len(keys) == 2
    assert keys[-1].public_key == new.public_key


def test_member_token_issues_a_new_token(initialised: Cli) -> None:
    first = add_eden(initialised)["token"]
    second = initialised.json("member", "token", "eden")["token"]
    assert second != first
    assert str(second).startswith("lsn_")


def test_member_authority_at_past_moments(initialised: Cli) -> None:
    add_eden(initialised)
    time.sleep(0.01)
    as_officer = format_time(utcnow())
    time.sleep(0.01)
    initialised.ok("member", "change", "eden", "--role", "plenipotentiary", "--topic", "*")
    time.sleep(0.01)
    as_plenipotentiary = format_time(utcnow())
    time.sleep(0.01)
    initialised.ok("member", "revoke", "eden", "--reason", "recalled to London")

    then = initialised.json("member", "authority", "eden", "--at", as_officer)
    assert (then["role"], then["mandate"]["topics"], then["status"]) == (
        "officer",
        ["diplomacy"],
        "active",
    )
    later = initialised.json("member", "authority", "eden", "--at", as_plenipotentiary)
    assert (later["role"], later["mandate"]["topics"], later["status"]) == (
        "plenipotentiary",
        ["*"],
        "active",
    )
    now = initialised.json("member", "authority", "eden")
    assert now["status"] == "revoked: recalled to London"
    assert "revoked: recalled to London" in initialised.ok("member", "authority", "eden").stdout

    before_appointment = initialised("member", "authority", "eden", "--at", "1943-02-20T12:00:00Z")
    assert before_appointment.exit_code == 2
    assert "no member eden" in before_appointment.stderr


def test_member_authority_refuses_a_time_without_a_zone(initialised: Cli) -> None:
    add_eden(initialised)
    result = initialised("member", "authority", "eden", "--at", "1944-07-12T16:30:00")
    assert result.exit_code == 2
    assert "time zone" in result.stderr


def test_member_change_keeps_what_is_not_given(initialised: Cli) -> None:
    add_eden(initialised, "--expires", "2045-05-08T00:00:00Z")
    initialised.ok("member", "change", "eden", "--role", "commander")
    [eden] = initialised.json("member", "list")
    assert eden["role"] == "commander"
    assert eden["mandate"]["topics"] == ["diplomacy"]
    assert eden["mandate"]["expires"] == "2045-05-08T00:00:00.000000Z"
    initialised.ok("member", "change", "eden", "--expires", "never")
    [eden] = initialised.json("member", "list")
    assert eden["mandate"]["expires"] is None


def test_member_revoke_twice_is_refused(initialised: Cli, size_of: Callable[[], int]) -> None:
    add_eden(initialised)
    initialised.ok("member", "revoke", "eden", "--reason", "recalled")
    before = size_of()
    result = initialised("member", "revoke", "eden", "--reason", "again")
    assert result.exit_code == 2
    assert "already revoked" in result.stderr
    assert size_of() == before
