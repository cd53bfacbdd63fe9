"""CoT atom types map onto MIL-STD-2525C symbol codes position by position, as types.txt says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from liaison.cot import symbol_code_from_type
from liaison.cot.types import AFFILIATIONS, BATTLE_DIMENSIONS

TYPES_TXT = Path(__file__).parents[2] / ".." / "shared" / "interop" / "cot" / "types.txt"


def _section(text: str, begin: str, end: str) -> str:
    return text[text.index(begin) : text.index(end, text.index(begin))]


def test_every_affiliation_in_the_type_tree_is_mapped() -> None:
    text = TYPES_TXT.read_text()
    block = _section(text, "CoT affiliation of these atoms", "Battle dimension")
    letters = set(re.findall(r"^\S*\s+([a-z]) - ", block, flags=re.MULTILINE))
    assert letters == set("puafnshjkox")
    assert set(AFFILIATIONS) == letters


def test_every_battle_dimension_in_the_type_tree_is_a_2525_dimension() -> None:
    text = TYPES_TXT.read_text()
    block = _section(text, "Battle dimension", "Function (dimension specific!)")
    letters = set(re.findall(r"^\S*\s+([A-Z]) - ", block, flags=re.MULTILINE))
    assert letters == set("PAGSUX")
    assert letters <= BATTLE_DIMENSIONS


def test_the_function_examples_in_the_type_tree() -> None:
    text = TYPES_TXT.read_text()
    assert "U-C-D-M-L-A - AIR DEFENSE MISSILE MOTORIZED (AVENGER)" in text
    assert symbol_code_from_type("a-f-G-U-C-D-M-L-A") == "SFGPUCDMLA*****"
    assert "U-C-A-A-A-T - ANTI ARMOR ARMORED TRACKED" in text
    assert symbol_code_from_type("a-h-G-U-C-A-A-A-T") == "SHGPUCAAAT*****"
    assert "a-f-G-E-V-A-A-R means Armored Personnel Carrier Recovery" in text
    assert symbol_code_from_type("a-f-G-E-V-A-A-R") == "SFGPEVAAR-*****"


CODES = [
    ("a-f-G-U-C", "SFGPUC----*****"),
    ("a-f-G-U-C-I", "SFGPUCI---*****"),
    ("a-h-A-M-F-Q", "SHAPMFQ---*****"),
    ("a-n-S", "SNSP------*****"),
    ("a-u-U", "SUUP------*****"),
    ("a-s-P", "SSPP------*****"),
    ("a-j-G", "SJGP------*****"),
    ("a-k-G", "SKGP------*****"),
    ("a-p-G", "SPGP------*****"),
    ("a-a-G", "SAGP------*****"),
    ("a-o-G", "SOGP------*****"),
    ("a-x-G", "SUGP------*****"),  # deprecated "other": shown as unknown
    ("a-f-F", "SFFP------*****"),
    ("a-f-X", "SFXP------*****"),
    ("a-f", "SFZP------*****"),  # no dimension: unknown
    ("a-f-G-U-C;extension", "SFGPUC----*****"),
    ("a-h-G-E-W-M-A-S-e-sa2", "SHGPEWMAS-*****"),  # the proposed extension ends the function
    ("a-f-G-U-C-I-Z-Z-Z-Z", "SFGPUCIZZZ*****"),  # at most six function letters
    ("a-f-G-u-C", "SFGP------*****"),  # lower case is not a function letter
]


@pytest.mark.parametrize(("cot_type", "code"), CODES)
def test_symbol_code(cot_type: str, code: str) -> None:
    assert symbol_code_from_type(cot_type) == code
    assert len(code) == 15


@pytest.mark.parametrize(
    "cot_type", ["b-m-r", "u-d-f", "t-x-c-t", "a", "a-q-G", "a-f-Q", "", "A-f-G", "af-G"]
)
def test_no_symbol_code_for_non_atoms_or_unknown_letters(cot_type: str) -> None:
    assert symbol_code_from_type(cot_type) is None
