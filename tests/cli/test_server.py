"""A member's commands against a real server: `liaison serve` in a subprocess on a free port.

The store is set up through the CLI itself (init, parties, members with
tokens and key files), then every member command is run in-process with
``--url`` and ``--token``, as a member would on their own machine.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from tests.cli.support import Cli, record_size


@dataclass
class Server:
    url: str
    folder: Path
    tokens: dict[str, str]
    cli: Cli

    @property
    def db(self) -> str:
        return str(self.folder / "liaison.db")

    def size(self) -> int:
        return record_size(self.db, self.folder / "liaison-node.key")

    def run(self, member: str, *args: str) -> Result:
        return self.cli(*args, "--url", self.url, "--token", self.tokens[member])

    def ok(self, member: str, *args: str) -> Result:
        result = self.run(member, *args)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    def json(self, member: str, *args: str) -> Any:
        return json.loads(self.ok(member, *args, "--json").stdout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[bytes], deadline: float = 30.0) -> None:
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"liaison serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/v1/node", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"liaison serve did not answer at {url} within {deadline} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("served")
    cli = Cli(folder, CliRunner())
    store = ["--db", str(folder / "liaison.db"), "--node-key", str(folder / "liaison-node.key")]
    cli.ok("init", "--origin", "liaison.test/served", *store)
    cli.ok("party", "add", "uk", "United Kingdom", *store)
    cli.ok("party", "add", "su", "Soviet Union", *store)
    tokens = {}
    for member, party, role in (("eden", "uk", "officer"), ("molotov", "su", "plenipotentiary")):
        added = cli.json(
            "member", "add", member, "--party", party, "--name", member.title(),
            "--role", role, "--topic", "*", "--key-out", str(folder / f"{member}.key"), *store,
        )  # fmt: skip
        tokens[member] = added["token"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "liaison.cli", "serve", *store, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(url, process)
        yield Server(url, folder, tokens, cli)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_append_list_and_show_through_the_server(server: Server) -> None:
    result = server.ok(
        "eden", "append", "note", "--body", '{"text": "Mil 1582: machinery to coordinate"}'
    )
    entry_id = result.stdout.strip().splitlines()[-1]
    listed = server.json("eden", "list", "--kind", "note")
    assert entry_id in [e["id"] for e in listed]
    shown = server.json("eden", "show", entry_id)
    assert shown["body"]["text"] == "Mil 1582: machinery to coordinate"
    assert shown["release"] == ["uk"]
    assert "Mil 1582" in server.ok("eden", "show", entry_id).stdout


def test_an_entry_not_released_is_the_same_as_one_that_does_not_exist(server: Server) -> None:
    entry = server.json("eden", "append", "note", "--body", '{"text": "for the British only"}')
    hidden = server.run("molotov", "show", entry["id"])
    absent = server.run("molotov", "show", "0" * 64)
    assert hidden.exit_code == absent.exit_code == 2
    assert hidden.stderr == absent.stderr
    assert "for the British only" not in server.run("molotov", "list", "--json").stdout


def test_append_released_to_another_party_is_visible_to_it(server: Server) -> None:
    entry = server.json(
        "eden", "append", "note", "--body", '{"text": "to Molotov"}', "--release", "su"
    )
    assert entry["release"] == ["su", "uk"]
    assert server.json("molotov", "show", entry["id"])["body"]["text"] == "to Molotov"


def test_append_signed_with_the_member_key(server: Server) -> None:
    entry = server.json(
        "eden", "append", "note", "--body", '{"text": "signed by Eden"}',
        "--sign", "--key", str(server.folder / "eden.key"),
    )  # fmt: skip
    assert entry["signatures"]["author"]
    assert entry["signatures"]["author_key"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("note", "--body", '{"text": '), "--body is not valid JSON"),
        (("note", "--body", '["a list"]'), "--body must be a JSON object"),
        (("note", "--body", '{"words": "no text field"}'), "does not fit kind 'note'"),
        (("dispatch", "--body", '{"text": "x"}'), "unknown entry kind 'dispatch'"),
        (("note", "--body", '{"text": "x"}', "--release", "fr"), "unknown parties: fr"),
        (("note",), "an entry needs a body"),
        (("note", "--body", '{"text": "x"}', "--sign"), "--sign needs the member's key file"),
    ],
)
def test_bad_input_to_append_is_refused_clearly_and_changes_nothing(
    server: Server, args: tuple[str, ...], message: str
) -> None:
    before = server.size()
    result = server.run("eden", "append", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert server.size() == before


def test_a_bad_token_is_refused(server: Server) -> None:
    result = server.cli("whoami", "--url", server.url, "--token", "lsn_not-a-token")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")


def test_a_missing_token_is_refused_before_calling_the_server(server: Server) -> None:
    result = server.cli("list", "--url", server.url)
    assert result.exit_code == 2
    assert "LIAISON_TOKEN" in result.stderr


def test_the_token_can_come_from_the_environment(server: Server) -> None:
    result = server.cli(
        "whoami", "--json", env={"LIAISON_URL": server.url, "LIAISON_TOKEN": server.tokens["eden"]}
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["member"] == "eden"


def test_an_unreachable_server_is_a_failure_not_a_traceback(server: Server) -> None:
    result = server.cli(
        "list", "--url", f"http://127.0.0.1:{free_port()}", "--token", server.tokens["eden"]
    )
    assert result.exit_code == 1
    assert "cannot reach" in result.stderr


def test_whoami_and_kinds(server: Server) -> None:
    me = server.json("molotov", "whoami")
    assert (me["member"], me["party"], me["role"]) == ("molotov", "su", "plenipotentiary")
    names = [k["name"] for k in server.json("molotov", "kinds")]
    assert "note" in names
    assert "note" in server.ok("molotov", "kinds").stdout


def test_checkpoint_prints_the_signed_note(server: Server) -> None:
    server.ok("eden", "append", "note", "--body", '{"text": "before the checkpoint"}')
    note = server.ok("eden", "checkpoint").stdout
    lines = note.splitlines()
    assert lines[0] == "liaison.test/served"
    assert int(lines[1]) == server.size()
    assert any(line.startswith("— liaison.test/served ") for line in lines)


def test_proof_inclusion_verifies_against_the_signed_checkpoint(server: Server) -> None:
    entry = server.json("eden", "append", "note", "--body", '{"text": "prove me"}')
    proof = server.json("molotov", "proof", "inclusion", str(entry["seq"]))
    # Molotov may not read the entry, yet checks its commitment is in the log.
    assert proof["stamp"]["entry"] == entry["id"]
    assert proof["tree_size"] >= entry["seq"]
    shown = server.ok("eden", "proof", "inclusion", str(entry["seq"])).stdout
    assert "yes, up to the signed checkpoint" in shown


def test_proof_consistency_between_two_sizes(server: Server) -> None:
    first = server.size()
    server.ok("eden", "append", "note", "--body", '{"text": "grow the log"}')
    proof = server.json("eden", "proof", "consistency", str(first))
    assert (proof["first"], proof["second"]) == (first, server.size())
    assert "extends the older one" in server.ok("eden", "proof", "consistency", "1").stdout


def test_proof_of_an_entry_beyond_the_log_is_refused(server: Server) -> None:
    result = server.run("eden", "proof", "inclusion", str(server.size() + 100))
    assert result.exit_code == 2


def test_verify_against_the_server_as_a_member(server: Server) -> None:
    server.ok("eden", "append", "note", "--body", '{"text": "hidden from Molotov"}')
    result = server.cli(
        "verify", "--url", server.url, "--token", server.tokens["molotov"]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "ok" in result.stdout


def test_follow_prints_new_entries_until_interrupted(server: Server) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    after = str(server.size())
    process = subprocess.Popen(
        [sys.executable, "-m", "liaison.cli", "follow", "--json", "--after", after,
         "--url", server.url, "--token", server.tokens["molotov"]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )  # fmt: skip
    try:
        time.sleep(1.0)  # let the stream open before appending
        server.ok("eden", "append", "note", "--body", '{"text": "not for Molotov"}')
        sent = server.json(
            "eden", "append", "note", "--body", '{"text": "for Molotov"}', "--release", "su"
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        followed = json.loads(line)
        assert followed["id"] == sent["id"]  # the unreleased entry never reached the stream
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_demo_builds_a_record_and_serves_it(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    folder = tmp_path / "demo"
    process = subprocess.Popen(
        [sys.executable, "-m", "liaison.cli", "demo", "--dir", str(folder), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(url, process)
        tokens = dict(
            line.split("=", 1)
            for line in (folder / "tokens.env").read_text(encoding="utf-8").splitlines()
        )
        cli = Cli(tmp_path, CliRunner())
        result = cli("list", "--json", "--url", url, "--token", tokens["LIAISON_TOKEN_EDEN"])
        assert result.exit_code == 0, result.stderr
        assert any(e["kind"] == "note" for e in json.loads(result.stdout))
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.stdout is not None
    assert "Press Ctrl-C to stop." in process.stdout.read().decode()
