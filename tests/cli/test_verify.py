"""`liaison verify`: a fresh record passes; a changed byte fails with exit code 1, naming it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.support import Cli


def entry_ids(db: Path) -> dict[int, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT seq, id FROM entries ORDER BY seq").fetchall())


def test_verify_passes_on_a_fresh_store(initialised: Cli) -> None:
    result = initialised.ok("verify")
    assert "pinned to the key in liaison-node.key" in result.stdout
    assert "ok" in result.stdout
    assert result.stderr == ""


def test_verify_fails_naming_the_entry_whose_content_changed_by_one_byte(
    initialised: Cli,
) -> None:
    db = initialised.folder / "liaison.db"
    with sqlite3.connect(db) as conn:
        (content,) = conn.execute("SELECT content FROM entries WHERE seq = 3").fetchone()
        tampered = bytes(content).replace(b"United States", b"United Statez")
        assert tampered != bytes(content)
        conn.execute("UPDATE entries SET content = ? WHERE seq = 3", (tampered,))
    result = initialised("verify")
    assert result.exit_code == 1
    first_line = result.stderr.strip().splitlines()[0]
    assert first_line.startswith(f"error: first failure: entry 3 ({entry_ids(db)[3]})")
    assert "rewritten" in first_line
    assert "failure(s)" in result.stdout


def test_verify_fails_when_an_entry_is_removed(initialised: Cli) -> None:
    db = initialised.folder / "liaison.db"
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM releases WHERE seq = 2")
        conn.execute("DELETE FROM entries WHERE seq = 2")
    result = initialised("verify")
    assert result.exit_code == 1
    assert "missing: the next entry present is 3 (removed or reordered)" in result.stdout


def test_verify_against_a_different_node_key_fails(initialised: Cli) -> None:
    (initialised.folder / "other").mkdir()
    initialised.ok("init", "--db", "other/liaison.db", "--node-key", "other/node.key")
    result = initialised("verify", "--node-key", "other/node.key")
    assert result.exit_code == 1
    assert "not the trusted one" in result.stderr


def test_verify_a_bundle_fails_naming_the_changed_entry(initialised: Cli) -> None:
    initialised.ok("export", "all.bundle")
    bundle = initialised.folder / "all.bundle"
    lines = bundle.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "United States" in lines[3]  # the header, then entries 1, 2, 3
    lines[3] = lines[3].replace("United States", "United Statez")
    bundle.write_text("".join(lines), encoding="utf-8")
    result = initialised("verify", "--bundle", "all.bundle")
    assert result.exit_code == 1
    assert "entry 3 (" in result.stderr


def test_verify_refuses_two_sources_at_once(initialised: Cli) -> None:
    initialised.ok("export", "all.bundle")
    result = initialised("verify", "--bundle", "all.bundle", "--url", "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert "one thing at a time" in result.stderr


@pytest.mark.postgres
def test_init_party_member_and_verify_on_postgresql(cli: Cli, pg_url: str) -> None:
    store = ["--db", pg_url, "--node-key", "pg-node.key"]
    cli.ok("init", *store)
    again = cli("init", *store)
    assert again.exit_code == 2
    assert "already holds a record" in again.stderr
    cli.ok("party", "add", "uk", "United Kingdom", *store)
    cli.ok("party", "add", "su", "Soviet Union", *store)
    added = cli.json(
        "member", "add", "molotov", "--party", "su", "--name", "V. M. Molotov",
        "--role", "plenipotentiary", "--topic", "*", *store,
    )  # fmt: skip
    assert added["entry"]["seq"] == 4
    assert (cli.folder / "molotov.key").exists()
    bad = cli("member", "add", "x", "--party", "fr", "--name", "X", "--role", "officer", *store)
    assert bad.exit_code == 2
    result = cli.ok("verify", *store)
    assert "entries checked" in result.stdout
    assert "│ 4 " in result.stdout or " 4 " in result.stdout
    # The password, if the URL has one, is never printed.
    assert "postgresql" in result.stdout
