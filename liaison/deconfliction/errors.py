"""The error raised for invalid deconfliction input that is not itself geometry.

Why a stable ``code`` as in :class:`liaison.geometry.GeometryError`: the API maps both to one
problem type and clients branch on the code, not on the wording.
"""

from __future__ import annotations

from enum import StrEnum


class DeconflictionErrorCode(StrEnum):
    """Stable reasons; the values are part of the public contract."""

    INVALID_ID = "invalid_id"
    INVALID_KIND = "invalid_kind"
    INVALID_STATE = "invalid_state"
    INVALID_VOLUME = "invalid_volume"
    INVALID_UNIT = "invalid_unit"
    INVALID_SYMBOL = "invalid_symbol"
    INVALID_MEASURE = "invalid_measure"
    INVALID_SETTING = "invalid_setting"
    INVALID_FEATURE = "invalid_feature"


class DeconflictionError(ValueError):
    """Invalid operation, unit, control measure, setting or GeoJSON feature."""

    def __init__(self, code: DeconflictionErrorCode, detail: str) -> None:
        super().__init__(f"{code.value}: {detail}")
        self.code: DeconflictionErrorCode = code
        self.detail: str = detail
