"""``liaison demo``'s node: the scenario on a fresh embedded store, keys and tokens on disk."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from liaison.demo import build_demo, build_replay, instructions
from liaison.services.verify import verify_store
from liaison.store.queries import EntryFilter


def test_the_demo_loads_the_scenario_and_writes_every_members_key_and_token(
    tmp_path: Path,
) -> None:
    said: list[str] = []
    folder = tmp_path / "demo"
    (folder / "stale").mkdir(parents=True)  # an earlier demo is replaced
    node, members = build_demo(folder, say=said.append)
    try:
        assert not (folder / "stale").exists()
        assert verify_store(node.store).ok
        names = {m.member for m in members}
        assert {"eden", "molotov", "kerr", "burrows", "deane", "slavin", "tito"} <= names
        tokens = dict(
            line.split("=", 1) for line in (folder / "tokens.env").read_text().splitlines()
        )
        assert set(tokens) == {f"LIAISON_TOKEN_{m.upper()}" for m in names}
        assert (folder / "tokens.env").stat().st_mode & 0o077 == 0
        for member in members:
            assert member.key_file.exists()
            assert tokens[f"LIAISON_TOKEN_{member.member.upper()}"] == member.token
        assert node.record.count("uk", EntryFilter(kind="meeting.account")) == 5
        assert "1941" in said[-1]
        text = instructions(members, "http://127.0.0.1:8000", folder)
        eden = next(m for m in members if m.member == "eden")
        assert eden.token in text
        assert "Press Ctrl-C to stop." in text
    finally:
        node.close()


def test_the_demo_can_load_a_synthetic_coalition(tmp_path: Path) -> None:
    node, members = build_demo(tmp_path / "demo", say=lambda _: None, synthetic=300)
    try:
        assert {m.party for m in members} == {f"p{i:02d}" for i in range(1, 7)}
        assert node.record.size() == 1 + 6 + 12 + 300
        assert verify_store(node.store).ok
        assert "p01-officer" in instructions(members, "http://x", tmp_path)
    finally:
        node.close()


def test_a_replay_opens_with_the_first_days_cast_and_plays_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    node, members, replay = build_replay(folder, say=lambda _: None, speed_days=10_000_000)
    try:
        assert "eden" in {m.member for m in members}
        assert "tito" not in {m.member for m in members}  # appointed in November 1943
        assert node.record.clock.historical
        replay.start()
        result = replay.join(timeout=120)
        assert replay.error is None
        assert not replay.running
        assert "tito" in {m.member for m in members}  # the folder learnt of later appointments
        assert "LIAISON_TOKEN_TITO=" in (folder / "tokens.env").read_text()
        assert result.entry("mil-1582").stamp.at.year == 1944
        assert not node.record.clock.historical
        assert verify_store(node.store).ok
    finally:
        node.close()


@pytest.mark.slow
def test_liaison_demo_replay_serves_at_once_and_plays_the_scenario_forward(
    tmp_path: Path,
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    command = ["demo", "--dir", str(folder), "--port", str(port), "--replay", "100000"]
    process = subprocess.Popen(
        [sys.executable, "-m", "liaison.cli", *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        tokens = folder / "tokens.env"
        while "LIAISON_TOKEN_TOLBUKHIN=" not in (tokens.read_text() if tokens.exists() else ""):
            assert process.poll() is None, "liaison demo --replay exited"
            assert time.monotonic() < deadline, "the replay did not reach July 1944"
            time.sleep(0.2)
        token = dict(line.split("=", 1) for line in tokens.read_text().splitlines())
        url = f"http://127.0.0.1:{port}/v1/entries"
        headers = {"Authorization": f"Bearer {token['LIAISON_TOKEN_MOLOTOV']}"}
        while True:
            sent = httpx.get(url, params={"kind": "message.send", "limit": 100}, headers=headers)
            if sent.status_code == 200 and len(sent.json()["entries"]) >= 6:
                break
            assert time.monotonic() < deadline, "the replay did not send the 1944 messages"
            time.sleep(0.2)
        times = [e["appended_at"] for e in sent.json()["entries"]]
        assert times[0].startswith("1943-02-24")
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.stdout is not None
    printed = process.stdout.read().decode()
    assert "Replaying" in printed
    assert "timeline[" in printed
