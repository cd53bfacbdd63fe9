"""The CLI reference (docs/cli.md) is generated from the command tree and must match it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from liaison.cli.member import RoleChoice
from liaison.config import SETTINGS
from liaison.domain.roles import Role

ROOT = Path(__file__).resolve().parents[2]

#: the commands the foundation issue promises; the reference must show every one
PROMISED = [
    "liaison init",
    "liaison party add",
    "liaison party list",
    "liaison member add",
    "liaison member change",
    "liaison member revoke",
    "liaison member rotate-key",
    "liaison member token",
    "liaison member list",
    "liaison member authority",
    "liaison verify",
    "liaison export",
    "liaison rebuild",
    "liaison serve",
    "liaison whoami",
    "liaison append",
    "liaison list",
    "liaison show",
    "liaison follow",
    "liaison checkpoint",
    "liaison proof inclusion",
    "liaison proof consistency",
    "liaison kinds",
]


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_cli_md_is_what_the_generator_writes(generator: ModuleType) -> None:
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == generator.render(), "run: .venv/bin/python scripts/gen_cli_docs.py"


def test_every_command_has_a_section_in_the_reference(generator: ModuleType) -> None:
    text = generator.render()
    paths = generator.command_paths()
    assert set(PROMISED) <= set(paths)
    for path in paths:
        assert f"# `{path}`\n" in text, path


def test_every_setting_appears_in_the_reference_with_its_environment_variable(
    generator: ModuleType,
) -> None:
    text = generator.render()
    for setting in SETTINGS:
        assert f"`{setting.env}`" in text, setting.env


def test_the_role_choices_are_the_roles() -> None:
    assert [c.value for c in RoleChoice] == [str(r) for r in sorted(Role)]
