"""Messages, agreements and meetings from the command line, against a real ``liaison serve``.

One flow of each, end to end, as members would run them on their own
machines: a joint message sent over two approvals; an agreement signed from
two key files until its status says it binds; two accounts of the meeting of
20 February 1943 filed by each side and compared.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.support import Cli
from tests.cli.test_server import Server, free_port, wait_until_up
from tests.meetings.support import FIXTURES

MEMBERS = [
    # member, party, role
    ("eden", "uk", "plenipotentiary"),
    ("kerr", "uk", "officer"),
    ("deane", "us", "officer"),
    ("molotov", "su", "plenipotentiary"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("capabilities")
    cli = Cli(folder, CliRunner())
    store = ["--db", str(folder / "liaison.db"), "--node-key", str(folder / "liaison-node.key")]
    cli.ok("init", "--origin", "liaison.test/capabilities", *store)
    for party, name in (("uk", "United Kingdom"), ("us", "United States"), ("su", "Soviet Union")):
        cli.ok("party", "add", party, name, *store)
    tokens = {}
    for member, party, role in MEMBERS:
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


def written_id(server: Server, member: str, *args: str) -> str:
    """Run a write command; it prints a line, then the new entry's id on its own line."""
    return server.ok(member, *args).stdout.strip().splitlines()[-1]


def key(server: Server, member: str) -> str:
    return str(server.folder / f"{member}.key")


def test_a_joint_message_is_sent_over_two_approvals(server: Server) -> None:
    written_id(
        server, "eden", "channel", "open", "uk.bmm-moscow", "British Military Mission, Moscow",
        "--party", "us", "--party", "su",
    )  # fmt: skip
    assert [c["channel"] for c in server.json("molotov", "channel", "list")] == ["uk.bmm-moscow"]
    draft = written_id(
        server, "eden", "message", "draft", "--channel", "uk.bmm-moscow",
        "--subject", "Letter to General Slavin",
        "--text", "Over the signatures of Deane and myself.",
        "--to", "su", "--sender", "uk", "--sender", "us", "--precedence", "immediate",
    )  # fmt: skip
    assert [d["id"] for d in server.json("deane", "message", "drafts")] == [draft]
    assert server.json("molotov", "message", "drafts") == []

    written_id(server, "eden", "message", "approve", draft)
    refused = server.run("eden", "message", "send", draft)
    assert refused.exit_code == 2
    assert "waiting for us" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    written_id(server, "deane", "message", "approve", draft)

    bad = server.run("eden", "message", "send", draft, "--dtg", "121630J JUL 44")
    assert bad.exit_code == 2
    assert "zone J" in bad.stderr
    sent = server.ok("eden", "message", "send", draft, "--dtg", "121630Z JUL 1944")
    assert "Sent no. 1 on uk.bmm-moscow, 121630Z JUL 44" in sent.stdout
    message = sent.stdout.strip().splitlines()[-1]

    shown = server.ok("molotov", "message", "show", message).stdout
    assert "121630Z JUL 44" in shown
    assert "Over the signatures of Deane and myself." in shown
    seen = server.json("molotov", "message", "show", message)
    assert (seen["senders"], seen["precedence"]) == (["uk", "us"], "immediate")
    thread = server.json("molotov", "channel", "thread", "uk.bmm-moscow")
    assert [m["id"] for m in thread] == [message]

    written_id(server, "molotov", "message", "ack", message)
    acks = server.json("deane", "message", "acks", message)
    assert ([r["party"] for r in acks["acknowledged"]], acks["pending"]) == (["su"], [])
    assert "su" in server.ok("eden", "message", "acks", message).stdout


def test_an_agreement_signed_from_two_key_files_binds(server: Server, tmp_path: Path) -> None:
    terms = tmp_path / "treaty.json"
    terms.write_text(
        json.dumps(
            {
                "title": "Anglo-Soviet Treaty",
                "text": "No arrangements with minor allies without full consultation.",
                "parties": ["uk", "su"],
                "topic": "diplomacy",
            }
        ),
        encoding="utf-8",
    )
    agreement = written_id(server, "eden", "agreement", "draft", "--terms-file", str(terms))
    written_id(server, "eden", "agreement", "consult", agreement, "--to", "su")
    consulted = server.json("eden", "agreement", "consulted", agreement)
    assert [r["party"] for r in consulted["reached"]] == ["su"]
    written_id(server, "molotov", "agreement", "answer", agreement, agreement, "accept",
               "--reasons", "Acceptable.")  # fmt: skip
    assert [
        p["body"]["stance"] for p in server.json("eden", "agreement", "positions", agreement)
    ] == ["accept"]

    unsigned = server.run("eden", "agreement", "sign", agreement)
    assert unsigned.exit_code == 2
    assert "key file" in unsigned.stderr
    written_id(server, "eden", "agreement", "sign", agreement, "--key", key(server, "eden"))
    status = server.json("molotov", "agreement", "status", agreement)
    assert (status["state"], status["missing"]) == ("not binding", ["su"])
    pending = server.ok("molotov", "agreement", "status", agreement).stdout
    assert "NOT BINDING" in pending
    assert re.search(r"^signed for +uk *$", pending, re.MULTILINE), pending

    written_id(server, "molotov", "agreement", "sign", agreement, "--key", key(server, "molotov"))
    status = server.json("eden", "agreement", "status", agreement)
    assert (status["state"], status["binding"], status["missing"]) == ("binding", True, [])
    text = server.ok("eden", "agreement", "status", agreement).stdout
    assert "BINDING" in text
    assert "NOT BINDING" not in text
    [listed] = server.json("molotov", "agreement", "list")
    assert (listed["agreement"], listed["state"]) == (agreement, "binding")
    assert [v["version"] for v in server.json("eden", "agreement", "versions", agreement)] == [
        agreement
    ]
    # Neither party is bound by an obligation yet, so there is nothing to breach.
    assert server.json("eden", "obligations") == []
    assert server.json("eden", "breaches") == []
    report = server.json("eden", "compliance", "report", "--from", "1942-05-26T00:00:00Z")
    assert report["findings"] == []
    assert "findings" in server.ok("eden", "compliance", "report").stdout
    # The Americans were never consulted: for them it does not exist.
    hidden = server.run("deane", "agreement", "status", agreement)
    absent = server.run("deane", "agreement", "status", "0" * 64)
    assert hidden.exit_code == absent.exit_code == 2
    assert hidden.stderr == absent.stderr


def test_two_accounts_of_20_february_1943_diverge_on_annihilation(server: Server) -> None:
    meeting = written_id(
        server, "kerr", "meeting", "record",
        "--title", "Clark Kerr and Molotov on post-war consultation and Germany",
        "--held-at", "1943-02-20T12:00:00Z",
        "--place", "People's Commissariat for Foreign Affairs, Moscow",
        "--participant", "uk|Sir Archibald Clark Kerr|ambassador|kerr",
        "--participant", "su|V. M. Molotov|People's Commissar for Foreign Affairs|molotov",
        "--topic", "diplomacy", "--release", "su",
    )  # fmt: skip
    assert [m["id"] for m in server.json("molotov", "meeting", "list")] == [meeting]
    assert "Clark Kerr" in server.ok("molotov", "meeting", "show", meeting).stdout
    bad = server.run("kerr", "meeting", "record", "--title", "T", "--held-at", "1943-02-20T12:00Z",
                     "--place", "P", "--participant", "uk|Kerr")  # fmt: skip
    assert bad.exit_code == 2
    assert "PARTY|NAME|ROLE" in bad.stderr

    british = FIXTURES / "1943-02-20-united-kingdom-clark-kerr.json"
    soviet = FIXTURES / "1943-02-20-soviet-union-molotov.json"
    written_id(server, "kerr", "account", "file", meeting, "--account-file", str(british),
               "--release", "su")  # fmt: skip
    one = server.ok("kerr", "meeting", "divergence", meeting).stdout
    assert "only one account of this meeting is available to you" in one
    written_id(server, "molotov", "account", "file", meeting, "--account-file", str(soviet),
               "--release", "uk")  # fmt: skip
    assert [a["party"] for a in server.json("kerr", "account", "list", meeting)] == ["su", "uk"]

    text = server.ok("kerr", "meeting", "divergence", meeting).stdout
    assert "annihilation" in text
    assert "Soviet Union (Molotov)" in text
    report = server.json("molotov", "meeting", "divergence", meeting)
    assert report["comparable"] is True

    version = written_id(server, "kerr", "agreed-record", "propose", meeting,
                         "--text", "The parties discussed post-war consultation.")  # fmt: skip
    written_id(server, "kerr", "agreed-record", "sign", version, "--key", key(server, "kerr"))
    assert "NOT BINDING" in server.ok("molotov", "agreed-record", "status", version).stdout
    written_id(server, "molotov", "agreed-record", "sign", version, "--key", key(server, "molotov"))
    status = server.json("kerr", "agreed-record", "status", version)
    assert (status["binding"], status["signed_by"]) == (True, ["su", "uk"])
    [listed] = server.json("molotov", "agreed-record", "list", meeting)
    assert listed["binding"] is True
    hidden = server.run("deane", "meeting", "divergence", meeting)
    assert hidden.exit_code == 2
    assert hidden.stderr == server.run("deane", "meeting", "divergence", "0" * 64).stderr
