"""The docs cannot drift: generated references are current, and the hand-written ones
name every setting, and the README shows the two commands CI runs."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from liaison.config import SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def test_the_api_reference_is_generated_from_the_current_app() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_api_docs
    finally:
        sys.path.pop(0)
    spec = gen_api_docs.openapi()
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(spec)), "run `make docs` and commit docs/"
    assert (ROOT / "docs" / "api.md").read_text() == gen_api_docs.markdown(spec)


def test_every_route_appears_in_the_api_reference() -> None:
    reference = (ROOT / "docs" / "api.md").read_text()
    spec = json.loads((ROOT / "docs" / "openapi.json").read_text())
    for path, operations in spec["paths"].items():
        for method in operations:
            assert f"`{method.upper()} {path}`" in reference


def test_every_setting_is_in_the_operations_guide() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text()
    for item in SETTINGS:
        assert f"| `{item.name}` | `{item.env}` | `{item.default}` |" in guide, item.name


def test_the_readme_first_screen_shows_the_two_commands_and_ci_runs_one() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:30])
    assert re.search(r"^make demo\b", first_screen, re.M)
    assert re.search(r"^make test\b", first_screen, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_python_example_runs_against_a_served_node(tmp_path: Path) -> None:
    """The three-line client example of the README, run for real against `liaison demo`."""
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```python\n(.*?)```", readme, re.S)
    assert example is not None
    code = example.group(1)
    assert "Client(" in code
    from liaison.demo import build_demo

    node, members = build_demo(tmp_path / "demo", say=lambda _line: None)
    try:
        from liaison.api.app import create_app
        from tests.api.support import InProcessTransport

        transport = InProcessTransport(create_app(node))
        eden = next(m for m in members if m.member == "eden")
        code = code.replace('"lsn_..."', repr(eden.token))
        code = code.replace(
            'Client("http://127.0.0.1:8000"', 'Client("http://testserver", transport=transport'
        )
        namespace: dict[str, object] = {"transport": transport}
        exec(compile(code, "README.md", "exec"), namespace)
        transport.shutdown()
    finally:
        node.close()
