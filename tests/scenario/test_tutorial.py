"""docs/tutorial.md is run: its ``sh test`` blocks, in order, against a demo node started here.

Each block marked ```` ```sh test ```` runs in one bash session (so variables and functions carry
over), in a folder holding the demo's ``.demo`` and a link to the virtual environment, exactly as a
reader's checkout does after ``make demo``. The ```` ```text output ```` block after it lists lines
that must appear in what the block printed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.scenario.conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial.md"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@dataclass
class Block:
    line: int
    script: str
    expected: list[str] = field(default_factory=list)


def blocks(text: str) -> list[Block]:
    """The blocks to run, each with the output lines expected of it."""
    found: list[Block] = []
    for match in FENCE.finditer(text):
        info, body = match.group(1).split(), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        if info[:2] == ["sh", "test"]:
            found.append(Block(line, body))
        elif info[:2] == ["text", "output"]:
            assert found, f"docs/tutorial.md:{line}: expected output before any sh test block"
            found[-1].expected += [ln.strip() for ln in body.splitlines() if ln.strip()]
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A checkout-like folder with ``.demo`` served by ``liaison demo``, and its URL."""
    folder = tmp_path_factory.mktemp("reader")
    (folder / ".venv").symlink_to(Path(sys.prefix))  # the virtual environment running the tests
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "liaison.cli", "demo", "--dir", ".demo", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        start = time.monotonic()
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"liaison demo exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/v1/node", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() - start > 120:
                raise RuntimeError("liaison demo did not answer within 120 s")
            time.sleep(0.2)
        yield folder, url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_tutorial_has_blocks_to_run_each_with_expected_output() -> None:
    found = blocks(TUTORIAL.read_text(encoding="utf-8"))
    assert len(found) >= 10
    assert all(b.expected for b in found[1:]), "every block after the setup says what it shows"


@pytest.mark.slow
def test_the_tutorials_commands_run_and_show_what_it_says(demo: tuple[Path, str]) -> None:
    folder, url = demo
    found = blocks(TUTORIAL.read_text(encoding="utf-8"))
    script = ["set -euo pipefail"]
    for number, block in enumerate(found):
        script += [f"echo '@@block {number}@@'", block.script]
    script.append("echo '@@end@@'")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env |= {"LIAISON_URL": url, "COLUMNS": "100", "TERM": "dumb"}
    ran = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    outputs = re.split(r"^@@block (\d+)@@$", ran.stdout, flags=re.MULTILINE)
    shown = {int(outputs[i]): outputs[i + 1] for i in range(1, len(outputs) - 1, 2)}
    if ran.returncode != 0 or "@@end@@" not in ran.stdout:
        last = max(shown) if shown else 0
        pytest.fail(
            f"docs/tutorial.md:{found[last].line}: the block failed (exit {ran.returncode})\n"
            f"{found[last].script}\n--- stdout ---\n{shown.get(last, '')}\n"
            f"--- stderr ---\n{ran.stderr}"
        )
    for number, block in enumerate(found):
        output = shown[number].split("@@end@@")[0]
        for line in block.expected:
            assert line in output, (
                f"docs/tutorial.md:{block.line}: {line!r} is not in what the block printed:\n"
                f"{output}"
            )
