"""Administration on a store: init, parties, export, rebuild, and refusals that change nothing."""

from __future__ import annotations

import stat
from collections.abc import Callable

from liaison.ledger.signing import KeyFile
from tests.cli.support import Cli


def test_init_creates_the_store_and_the_node_key(cli: Cli) -> None:
    result = cli.ok("init", "--origin", "liaison.test/record")
    assert (cli.folder / "liaison.db").is_file()
    key_file = cli.folder / "liaison-node.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = KeyFile.read(key_file)
    assert key.owner == "node"
    assert "liaison.test/record+" in result.stdout  # the verifier key parties pin


def test_init_refuses_a_second_init_and_keeps_the_first_record(
    cli: Cli, size_of: Callable[[], int]
) -> None:
    cli.ok("init")
    cli.ok("party", "add", "uk", "United Kingdom")
    key_before = (cli.folder / "liaison-node.key").read_bytes()
    result = cli("init")
    assert result.exit_code == 2
    assert "already holds a record" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert (cli.folder / "liaison-node.key").read_bytes() == key_before
    assert size_of() == 2


def test_commands_on_a_missing_store_say_to_run_init(cli: Cli) -> None:
    result = cli("party", "list")
    assert result.exit_code == 2
    assert "liaison init" in result.stderr


def test_party_add_puts_the_party_on_the_record(initialised: Cli) -> None:
    initialised.ok("party", "add", "su", "Soviet Union", "--default-release", "uk")
    listing = initialised.ok("party", "list").stdout
    for text in ("uk", "United Kingdom", "us", "United States", "su", "Soviet Union"):
        assert text in listing


def test_party_add_refuses_a_bad_party_id_and_changes_nothing(
    initialised: Cli, size_of: Callable[[], int]
) -> None:
    before = size_of()
    result = initialised("party", "add", "Red Army", "Red Army")
    assert result.exit_code == 2
    assert "party id 'Red Army'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert size_of() == before


def test_party_add_refuses_a_duplicate(initialised: Cli, size_of: Callable[[], int]) -> None:
    before = size_of()
    result = initialised("party", "add", "uk", "Great Britain")
    assert result.exit_code == 2
    assert "already on the record" in result.stderr
    assert size_of() == before


def test_rebuild_reports_the_projections_it_rebuilt(initialised: Cli) -> None:
    initialised.ok("member", "add", "eden", "--party", "uk", "--name", "Eden", "--role", "officer")

    def members() -> list[dict[str, object]]:
        listed: list[dict[str, object]] = initialised.json("member", "list")
        return [{k: v for k, v in m.items() if k != "at"} for m in listed]

    before = members()
    result = initialised.ok("rebuild")
    assert "proj_members" in result.stdout
    assert "Replayed 4 entries" in result.stdout
    assert members() == before


def test_export_as_a_party_writes_a_bundle_that_verifies(initialised: Cli) -> None:
    initialised.ok("export", "uk.bundle", "--as-party", "uk")
    result = initialised.ok("verify", "--bundle", "uk.bundle")
    assert "bundle uk.bundle" in result.stdout
    assert "ok" in result.stdout


def test_export_refuses_to_overwrite_a_file(initialised: Cli) -> None:
    (initialised.folder / "out.bundle").write_text("keep me", encoding="utf-8")
    result = initialised("export", "out.bundle")
    assert result.exit_code == 2
    assert (initialised.folder / "out.bundle").read_text(encoding="utf-8") == "keep me"


def test_export_for_an_unknown_party_is_refused(initialised: Cli) -> None:
    result = initialised("export", "out.bundle", "--as-party", "fr")
    assert result.exit_code == 2
    assert "no party fr" in result.stderr
