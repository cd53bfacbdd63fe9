"""``liaison member cert`` and ``liaison serve --cot-…``: the real command, the real server.

The end-to-end test runs ``liaison serve`` in a subprocess with both CoT ports, binds a device
certificate with the CLI, sends a position over each port and reads it back through the HTTP
API that the same process serves.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.cli.support import Cli
from tests.cli.test_server import free_port, wait_until_up
from tests.tak.support import PKI, children, position, running, wire


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    runner = Cli(tmp_path, CliRunner())
    runner.ok("init")
    runner.ok("party", "add", "uk", "United Kingdom")
    runner.ok("party", "add", "us", "United States")
    return runner


def _member(cli: Cli, member: str, party: str, role: str = "commander") -> str:
    added = cli.json(
        "member", "add", member, "--party", party, "--name", member.title(), "--role", role,
        "--topic", "coordination",
    )  # fmt: skip
    token: str = added["token"]
    return token


def test_member_cert_binds_lists_and_revokes(cli: Cli, pki: PKI) -> None:
    _member(cli, "burrows", "uk")
    cert, _ = pki.client("cli-device")
    bound = cli.json("member", "cert", "burrows", "--cert", str(cert), "--label", "tablet")
    assert bound["member"] == "burrows"
    assert len(bound["fingerprint"]) == 64
    listed = cli.json("member", "cert", "burrows")
    assert [b["label"] for b in listed] == ["tablet"]
    assert "tablet" in cli.ok("member", "cert", "burrows").stdout
    revoked = cli.json("member", "cert", "burrows", "--cert", str(cert), "--revoke")
    assert revoked["revoked_at"] is not None


def test_member_cert_refuses_what_is_not_a_certificate_or_someone_elses(cli: Cli, pki: PKI) -> None:
    _member(cli, "burrows", "uk")
    _member(cli, "deane", "us")
    cert, key = pki.client("cli-other")
    refused = cli("member", "cert", "burrows", "--cert", str(key))
    assert refused.exit_code == 2
    assert "not a certificate" in refused.stderr
    cli.ok("member", "cert", "burrows", "--cert", str(cert))
    taken = cli("member", "cert", "deane", "--cert", str(cert))
    assert taken.exit_code != 0
    assert "bound to member burrows" in taken.stderr
    assert cli("member", "cert", "nobody", "--cert", str(cert)).exit_code != 0


def test_serve_refuses_incomplete_cot_options(cli: Cli) -> None:
    missing_member = cli("serve", "--cot-port", "0")
    assert missing_member.exit_code == 2
    assert "--cot-member" in missing_member.stderr
    missing_cert = cli("serve", "--cot-tls-port", "0")
    assert missing_cert.exit_code == 2
    assert "--cot-cert" in missing_cert.stderr


@pytest.mark.timeout(120)
def test_serve_runs_the_cot_listener_beside_the_api(cli: Cli, pki: PKI) -> None:
    token = _member(cli, "burrows", "uk")
    _member(cli, "deane", "us")
    cert, key = pki.client("served-deane")
    cli.ok("member", "cert", "deane", "--cert", str(cert))
    http, tcp, tls = free_port(), free_port(), free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "liaison.cli", "serve", "--port", str(http),
            "--cot-port", str(tcp), "--cot-member", "burrows",
            "--cot-tls-port", str(tls), "--cot-cert", str(pki.server_cert),
            "--cot-key", str(pki.server_key), "--cot-ca", str(pki.ca_file),
            "--cot-workers", "1",
        ],
        cwd=cli.folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{http}"
    try:
        wait_until_up(url, process)
        with socket.create_connection(("127.0.0.1", tcp), timeout=10) as plain:
            plain.sendall(wire(position("SERVED-UK", releasable_to="us")))
            context = ssl.create_default_context(cafile=str(pki.ca_file))
            context.load_cert_chain(str(cert), str(key))
            with (
                socket.create_connection(("127.0.0.1", tls), timeout=10) as raw,
                context.wrap_socket(raw, server_hostname="localhost") as secure,
            ):
                secure.sendall(wire(position("SERVED-US", releasable_to="uk")))
                deadline = time.monotonic() + 30
                while True:
                    units = httpx.get(
                        f"{url}/v1/picture/units",
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=5,
                    ).json()["units"]
                    seen = {(u["unit"], u["party"]) for u in units}
                    if seen == {("SERVED-UK", "uk"), ("SERVED-US", "us")}:
                        break
                    assert time.monotonic() < deadline, seen
                    time.sleep(0.1)
        workers = children(process.pid)
        assert workers, "no planning worker was started"
    finally:
        process.terminate()
        process.wait(timeout=30)
    # SIGTERM ends it cleanly: the listener drained and closed, its workers stopped.
    assert process.returncode == 0
    deadline = time.monotonic() + 10
    while [pid for pid in workers if running(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if running(pid)]
