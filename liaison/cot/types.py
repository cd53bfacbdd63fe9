"""CoT type → MIL-STD-2525C symbol identification code (SIDC).

Why 2525C and not D: the CoT atom tree (``types.txt`` in the interop samples)
*is* the 2525B/C function tree written with dashes — ``a-f-G-U-C-I`` is
affiliation F, battle dimension G, function ``U-C-I`` (infantry) — so the
15-character 2525C code can be assembled position by position without a lookup
table, and ATAK's own 2525 icon set is 2525B/C. 2525D's 20-digit numeric codes
would need a per-symbol translation table this module would have to guess at.

The code is built as::

    position 1      S   warfighting coding scheme
    position 2      affiliation from the 2nd CoT field (table below)
    position 3      battle dimension from the 3rd field: P A G S U F X, or Z if absent
    position 4      P   status "present" (CoT has no planned/anticipated status)
    positions 5-10  function letters from the remaining single-capital-letter fields,
                    padded with "-"; the first field that is not one capital letter
                    (the proposed extensions like ``a-h-G-E-W-M-A-S-e-sa2``) ends it
    positions 11-15 ``*****``: symbol modifier, country and order of battle are not
                    in a CoT type and are left unspecified

so ``a-f-G-U-C`` gives ``SFGPUC----*****``.

Affiliations: CoT ``p u a f n s h j k o`` map to the 2525C letters of the same
meaning (pending, unknown, assumed friend, friend, neutral, suspect, hostile,
joker, faker, none specified). CoT's deprecated ``x`` ("other") has no 2525C
equivalent and is shown as unknown, the safe reading.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from liaison.cot.model import base_type

__all__ = ["AFFILIATIONS", "BATTLE_DIMENSIONS", "symbol_code_from_type"]

#: CoT affiliation (2nd field of an ``a-`` type) → 2525C affiliation letter.
AFFILIATIONS: Final = MappingProxyType(
    {
        "p": "P",
        "u": "U",
        "a": "A",
        "f": "F",
        "n": "N",
        "s": "S",
        "h": "H",
        "j": "J",
        "k": "K",
        "o": "O",
        "x": "U",
    }
)

#: CoT battle dimensions (3rd field) that are 2525C battle dimension letters as they stand.
BATTLE_DIMENSIONS: Final = frozenset("PAGSUFXZ")

_FUNCTION_LENGTH: Final = 6


def symbol_code_from_type(cot_type: str) -> str | None:
    """The 2525C SIDC for an atom type (``a-…``), or None if ``cot_type`` is not one.

    None is returned for non-atoms (drawings, tasks, ...), for an unknown
    affiliation and for an unknown battle dimension; an unrecognised function
    letter sequence only shortens the function, since the affiliation and
    dimension alone already give the right frame.
    """
    fields = base_type(cot_type).split("-")
    if len(fields) < 2 or fields[0] != "a":
        return None
    affiliation = AFFILIATIONS.get(fields[1])
    if affiliation is None:
        return None
    dimension = fields[2] if len(fields) > 2 else "Z"
    if dimension not in BATTLE_DIMENSIONS:
        return None
    function = ""
    for letter in fields[3:]:
        if len(letter) != 1 or not ("A" <= letter <= "Z") or len(function) == _FUNCTION_LENGTH:
            break
        function += letter
    return f"S{affiliation}{dimension}P{function.ljust(_FUNCTION_LENGTH, '-')}*****"
