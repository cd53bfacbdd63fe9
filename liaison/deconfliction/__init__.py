"""Deconfliction: which operations, units and control measures of different parties clash.

Why pure and in memory: the rules are decided on immutable projections of the record, so they can
be re-run byte for byte, and an in-memory index keeps a check well under 5 ms at a million live
operations. Modules: :mod:`~liaison.deconfliction.model` (the dataclasses),
:mod:`~liaison.deconfliction.settings` (policy figures), :mod:`~liaison.deconfliction.rules`
(one function per rule), :mod:`~liaison.deconfliction.index` (:class:`DeconflictionIndex`),
:mod:`~liaison.deconfliction.codec` (float-free canonical form) and
:mod:`~liaison.deconfliction.geojson` (RFC 7946 FeatureCollection import and export).
"""

from liaison.deconfliction.errors import DeconflictionError, DeconflictionErrorCode
from liaison.deconfliction.index import DeconflictionIndex
from liaison.deconfliction.model import (
    Clash,
    Conflict,
    ControlMeasure,
    Operation,
    OperationState,
    Rule,
    Severity,
    Side,
    Subject,
    SubjectType,
    UnitPosition,
    Volume,
)
from liaison.deconfliction.rules import (
    enters_restricted_area,
    fires_beyond_line,
    fires_near_unit,
    operations_overlap,
)
from liaison.deconfliction.settings import DEFAULT_SETTINGS, DeconflictionSettings, Separation

__all__ = [
    "DEFAULT_SETTINGS",
    "Clash",
    "Conflict",
    "ControlMeasure",
    "DeconflictionError",
    "DeconflictionErrorCode",
    "DeconflictionIndex",
    "DeconflictionSettings",
    "Operation",
    "OperationState",
    "Rule",
    "Separation",
    "Severity",
    "Side",
    "Subject",
    "SubjectType",
    "UnitPosition",
    "Volume",
    "enters_restricted_area",
    "fires_beyond_line",
    "fires_near_unit",
    "operations_overlap",
]
