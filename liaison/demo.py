"""The demonstration node behind ``make demo``: the 1941–44 scenario on a fresh embedded store.

:func:`build_demo` creates a fresh SQLite store in a folder of its own and loads a scenario into
it through the real services (``scenarios/1943-44.json`` unless told otherwise, or a synthetic
load of any size), on a clock that reads the scenario's times, so the record holds 1942 entries
stamped in 1942. It writes each member's key file and token where the person trying Liaison can
use them, and :func:`instructions` prints how to sign in and what to try.
:func:`build_replay` does the same but loads only the opening (the parties and members of the
first day) and returns a :class:`~liaison.scenario.Replay` that plays the rest forward while the
node serves it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from liaison.node import Node
from liaison.scenario import (
    Loader,
    Replay,
    Scenario,
    ScenarioClock,
    create_node,
    load_new,
    read_scenario,
    synthetic_scenario,
)
from liaison.scenario.loader import describe
from liaison.services.roster import Appointment

__all__ = ["DEFAULT_SCENARIO", "DemoMember", "build_demo", "build_replay", "instructions"]

#: the scenario ``liaison demo`` loads unless told otherwise
DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "1943-44.json"


@dataclass(frozen=True)
class DemoMember:
    member: str
    party: str
    role: str
    token: str
    key_file: Path


class _Folder:
    """The demo folder: the store, the node key, members' key files and tokens."""

    def __init__(self, directory: Path) -> None:
        if directory.exists():
            shutil.rmtree(directory)
        (directory / "keys").mkdir(parents=True)
        self.directory = directory
        self.db = str(directory / "liaison.db")
        self.node_key = directory / "node.key"
        self.tokens = directory / "tokens.env"
        self.tokens.touch()
        self.tokens.chmod(0o600)
        self.members: list[DemoMember] = []

    def add(self, member: str, appointment: Appointment) -> None:
        """Write a newly appointed member's key file and token (also during a replay)."""
        key_file = self.directory / "keys" / f"{member}.key"
        appointment.key.write(key_file)
        body = appointment.entry.content.body
        self.members.append(
            DemoMember(member, str(body["party"]), str(body["role"]), appointment.token, key_file)
        )
        with self.tokens.open("a", encoding="utf-8") as out:
            out.write(f"LIAISON_TOKEN_{member.upper().replace('-', '_')}={appointment.token}\n")


def _scenario(scenario: Path | Scenario | None, synthetic: int | None) -> tuple[Scenario, Path]:
    if synthetic is not None:
        return synthetic_scenario(synthetic), Path.cwd()
    path = DEFAULT_SCENARIO if scenario is None else scenario
    if isinstance(path, Scenario):
        return path, Path.cwd()
    return read_scenario(path), path.parent


def build_demo(
    directory: Path,
    say: Callable[[str], None] = print,
    *,
    scenario: Path | Scenario | None = None,
    synthetic: int | None = None,
) -> tuple[Node, list[DemoMember]]:
    """Create the demo node in ``directory`` (replacing an earlier demo there), loaded with
    ``scenario`` (default: the 1941–44 scenario) or with a synthetic load of that many events."""
    chosen, base = _scenario(scenario, synthetic)
    folder = _Folder(directory)
    say(f"Loading {chosen.title!r}: {len(chosen.timeline)} events through the services ...")
    node, result = load_new(
        chosen, folder.db, folder.node_key, base=base, name=chosen.title, on_member=folder.add
    )
    node.proofs.checkpoint()
    say(
        f"A fresh record is in {folder.db} with {result.size} entries, "
        f"stamped from {chosen.start:%d %B %Y} on the node's clock."
    )
    return node, folder.members


def build_replay(
    directory: Path,
    say: Callable[[str], None] = print,
    *,
    speed_days: float,
    scenario: Path | Scenario | None = None,
    synthetic: int | None = None,
) -> tuple[Node, list[DemoMember], Replay]:
    """Create the demo node with the scenario's opening only; start the returned replay (once
    the server is up) to play the rest at ``speed_days`` days of scenario time per second."""
    chosen, base = _scenario(scenario, synthetic)
    folder = _Folder(directory)
    clock = ScenarioClock(chosen.start)
    node = create_node(folder.db, folder.node_key, chosen.origin, clock)
    loader = Loader(chosen, node, clock, base=base, name=chosen.title, on_member=folder.add)
    replay = Replay(loader, speed=speed_days * 86_400, on_step=lambda step: say(describe(step)))
    replay.apply_until(chosen.start)
    say(
        f"Replaying {chosen.title!r} from {chosen.start:%d %B %Y}: {replay.remaining} steps "
        f"at {speed_days:g} days per second; later members' tokens are added to "
        f"{folder.tokens} as they are appointed."
    )
    return node, folder.members, replay


def _two_parties(members: list[DemoMember]) -> tuple[DemoMember, DemoMember]:
    """Eden and Molotov when the scenario has them; else the first members of two parties."""
    named = {m.member: m for m in members}
    if "eden" in named and "molotov" in named:
        return named["eden"], named["molotov"]
    first = members[0]
    return first, next((m for m in members if m.party != first.party), first)


def instructions(members: list[DemoMember], url: str, directory: Path) -> str:
    now = datetime.now(UTC)
    lines = [
        "",
        f"Liaison is serving the demo record at {url}  (API docs: {url}/docs)",
        "",
        "Members (tokens are also in " + str(directory / "tokens.env") + "):",
    ]
    for m in members:
        lines.append(f"  {m.member:<10} {m.party:<8} {m.role:<16} token {m.token}")
    first, second = _two_parties(members)
    lines += [
        "",
        "Try, in another terminal (each party sees only what was released to it):",
        f"  .venv/bin/liaison list --kind message.draft --url {url} --token {first.token}",
        f"  .venv/bin/liaison list --kind message.draft --url {url} --token {second.token}",
        '  .venv/bin/liaison append note --body \'{"text": "hello"}\' '
        f"--release {second.party} \\",
        f"      --url {url} --token {first.token} --sign --key {first.key_file}",
        f"  .venv/bin/liaison verify --url {url} --token {second.token}",
        f"  .venv/bin/liaison verify --db {directory}/liaison.db",
        "",
        "docs/tutorial.md walks the record as members of two parties.",
        f"(Entries appended now are stamped {now:%d %B %Y}, after the scenario's.)",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)
