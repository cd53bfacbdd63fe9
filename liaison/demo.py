"""The demonstration node behind ``make demo``.

It creates a fresh embedded (SQLite) store in a folder of its own, puts three
parties and their members on the record, appends a few entries with different
release sets, writes each member's key file and token where the person trying
Liaison can use them, and prints how to sign in and what to try.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from liaison.node import Node
from liaison.services.record import AppendRequest

__all__ = ["DemoMember", "build_demo"]


@dataclass(frozen=True)
class DemoMember:
    member: str
    party: str
    role: str
    token: str
    key_file: Path


PARTIES = [
    ("uk", "United Kingdom"),
    ("us", "United States"),
    ("su", "Soviet Union"),
]
MEMBERS = [
    ("eden", "uk", "Anthony Eden", "plenipotentiary", ["*"]),
    ("kerr", "uk", "Sir Archibald Clark Kerr", "officer", ["diplomacy", "coordination"]),
    ("burrows", "uk", "Lt-Gen. M. B. Burrows", "commander", ["coordination"]),
    ("deane", "us", "Maj-Gen. John R. Deane", "commander", ["coordination"]),
    ("molotov", "su", "V. M. Molotov", "plenipotentiary", ["*"]),
    ("slavin", "su", "Gen. N. V. Slavin", "commander", ["coordination"]),
]
NOTES = [
    (
        "burrows",
        ["us"],
        "Mil 1582: Deane and I propose machinery to coordinate operations as the armies converge.",
    ),
    (
        "deane",
        ["uk", "su"],
        "Exchange of operational information will become increasingly important.",
    ),
    ("molotov", [], "Draft reply to the British memorandum (31 March 1943): not to be sent."),
    (
        "kerr",
        ["su"],
        "Request for a meeting with Commissar Molotov on the question of the minor allies.",
    ),
]


def build_demo(
    directory: Path, say: Callable[[str], None] = print
) -> tuple[Node, list[DemoMember]]:
    """Create the demo node in ``directory`` (replacing an earlier demo there)."""
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "keys").mkdir(parents=True)
    node, _ = Node.create(
        str(directory / "liaison.db"), directory / "node.key", "liaison.demo/record"
    )
    for party, name in PARTIES:
        node.roster.add_party(party, name)
    members = []
    for member, party, name, role, topics in MEMBERS:
        appointment = node.roster.appoint(member, party, name, role, {"topics": topics})
        key_file = directory / "keys" / f"{member}.key"
        appointment.key.write(key_file)
        members.append(DemoMember(member, party, role, appointment.token, key_file))
    for author, release, text in NOTES:
        node.record.append(
            AppendRequest(author=author, kind="note", body={"text": text}, release=release)
        )
    node.proofs.checkpoint()
    tokens = directory / "tokens.env"
    tokens.write_text(
        "".join(f"LIAISON_TOKEN_{m.member.upper()}={m.token}\n" for m in members), encoding="utf-8"
    )
    tokens.chmod(0o600)
    say(f"A fresh record is in {directory}/liaison.db with {node.record.size()} entries.")
    return node, members


def instructions(members: list[DemoMember], url: str, directory: Path) -> str:
    lines = [
        "",
        f"Liaison is serving the demo record at {url}  (API docs: {url}/docs)",
        "",
        "Members (tokens are also in " + str(directory / "tokens.env") + "):",
    ]
    for m in members:
        lines.append(f"  {m.member:<8} {m.party:<3} {m.role:<16} token {m.token}")
    eden = next(m for m in members if m.member == "eden")
    molotov = next(m for m in members if m.member == "molotov")
    lines += [
        "",
        "Try, in another terminal (each party sees only what was released to it):",
        f"  .venv/bin/liaison list --url {url} --token {eden.token}",
        f"  .venv/bin/liaison list --url {url} --token {molotov.token}",
        '  .venv/bin/liaison append note --body \'{"text": "hello"}\' --release su \\',
        f"      --url {url} --token {eden.token} --sign --key {eden.key_file}",
        f"  .venv/bin/liaison verify --url {url} --token {molotov.token}",
        f"  .venv/bin/liaison verify --db {directory}/liaison.db",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)
