"""The four conflict rules, one pure function each.

Why pure functions over pairs: the index only narrows down candidates; whether two things conflict
is decided here and nowhere else, so the index, the brute-force oracle in the tests and the
benchmark's plain loop all give the same answer by construction. Each rule is symmetric: the
result does not depend on which of the two was recorded first or passed first (rule 1 orders its
operands by id; rules 2–4 relate different kinds of things and give the same conflict whichever
of them is new).

All distances use :func:`liaison.geometry.within_distance` (exact geodesic, 1 cm tolerance).
"""

from __future__ import annotations

from collections.abc import Collection

from liaison.deconfliction.model import (
    Clash,
    Conflict,
    ControlMeasure,
    Operation,
    Rule,
    Severity,
    Subject,
    SubjectType,
    UnitPosition,
)
from liaison.deconfliction.settings import DEFAULT_SETTINGS, DeconflictionSettings
from liaison.geometry.distance import within_distance
from liaison.geometry.shapes import Line

Consents = Collection[tuple[str, str]]


def operations_overlap(
    a: Operation, b: Operation, settings: DeconflictionSettings = DEFAULT_SETTINGS
) -> Conflict | None:
    """Rule 1: two parties' operations come closer than the separation for their kinds.

    A volume pair clashes when their time windows overlap, their altitude bands come within the
    vertical separation, and their footprints within the horizontal separation. Severity:
    critical for fires against a protected kind (a humanitarian site), high for any other clash
    involving fires, medium otherwise.
    """
    if a.id == b.id or a.party == b.party or not (a.is_live and b.is_live):
        return None
    if b.id < a.id:
        a, b = b, a
    sep = settings.separation(a.kind, b.kind)
    clashes: list[Clash] = []
    for va in a.volumes:
        for vb in b.volumes:
            window = va.window.intersection(vb.window)
            if window is None or not va.altitude.overlaps(vb.altitude, sep.vertical_m):
                continue
            if within_distance(va.footprint, vb.footprint, sep.horizontal_m):
                clashes.append(Clash(window, va.footprint, vb.footprint))
    if not clashes:
        return None
    fires = settings.is_fires(a.kind) or settings.is_fires(b.kind)
    protected = a.kind in settings.protected_kinds or b.kind in settings.protected_kinds
    if fires and protected:
        severity = Severity.CRITICAL
    elif fires:
        severity = Severity.HIGH
    else:
        severity = Severity.MEDIUM
    return Conflict.build(
        Rule.OPERATIONS_OVERLAP,
        severity,
        (Subject(SubjectType.OPERATION, a.id), Subject(SubjectType.OPERATION, b.id)),
        (a.party, b.party),
        clashes,
    )


def fires_near_unit(
    op: Operation, unit: UnitPosition, settings: DeconflictionSettings = DEFAULT_SETTINGS
) -> Conflict | None:
    """Rule 2: a fires operation within its kind's danger distance of another party's unit.

    Only while the unit's report is current (``[time, stale_time)``) during the volume's window.
    Altitude is ignored: a unit is at risk from fires above it. Severity: critical.
    """
    if not op.is_live or not settings.is_fires(op.kind) or op.party == unit.party:
        return None
    danger = settings.danger_distance(op.kind)
    current = unit.currency
    clashes: list[Clash] = []
    for volume in op.volumes:
        window = volume.window.intersection(current)
        if window is None:
            continue
        if within_distance(volume.footprint, unit.position, danger):
            clashes.append(Clash(window, volume.footprint, unit.position))
    if not clashes:
        return None
    return Conflict.build(
        Rule.FIRES_NEAR_UNIT,
        Severity.CRITICAL,
        (Subject(SubjectType.OPERATION, op.id), Subject(SubjectType.UNIT, unit.unit_id)),
        (op.party, unit.party),
        clashes,
    )


def fires_beyond_line(
    op: Operation, line: ControlMeasure, settings: DeconflictionSettings = DEFAULT_SETTINGS
) -> Conflict | None:
    """Rule 3: a fires operation reaches into the zone beyond a line where its party may not strike.

    The zone is the line's forbidden side for that party, ``depth_m`` deep, touching the line
    included; only while the line is in force. Severity: high.
    """
    if not op.is_live or not line.is_line or not settings.is_fires(op.kind):
        return None
    zone = line.forbidden_zone(op.party)
    if zone is None:
        return None
    clashes: list[Clash] = []
    for volume in op.volumes:
        windows = line.in_force(volume.window)
        if windows and within_distance(volume.footprint, zone, 0.0):
            clashes.extend(Clash(w, volume.footprint, zone) for w in windows)
    if not clashes:
        return None
    return Conflict.build(
        Rule.FIRES_BEYOND_LINE,
        Severity.HIGH,
        (Subject(SubjectType.OPERATION, op.id), Subject(SubjectType.MEASURE, line.id)),
        (op.party, line.owner),
        clashes,
    )


def enters_restricted_area(
    op: Operation,
    area: ControlMeasure,
    consents: Consents = frozenset(),
    settings: DeconflictionSettings = DEFAULT_SETTINGS,
) -> Conflict | None:
    """Rule 4: an operation enters an area another party restricts, without that party's consent.

    Applies when the operation's party is bound by the area and is not its owner, the kind is one
    the area restricts, ``(op.id, area.id)`` is not in ``consents``, the altitude bands overlap,
    and the footprint touches the area while it is in force. Severity: high for fires, else medium.
    """
    if not op.is_live or area.is_line or op.party == area.owner or op.party not in area.binds:
        return None
    kinds = settings.restricted_kinds(area)
    if kinds is not None and op.kind not in kinds:
        return None
    if (op.id, area.id) in consents:
        return None
    footprint = area.geometry
    if isinstance(footprint, Line):
        return None
    clashes: list[Clash] = []
    for volume in op.volumes:
        if not volume.altitude.overlaps(area.altitude):
            continue
        windows = area.in_force(volume.window)
        if windows and within_distance(volume.footprint, footprint, 0.0):
            clashes.extend(Clash(w, volume.footprint, footprint) for w in windows)
    if not clashes:
        return None
    return Conflict.build(
        Rule.RESTRICTED_AREA_ENTRY,
        Severity.HIGH if settings.is_fires(op.kind) else Severity.MEDIUM,
        (Subject(SubjectType.OPERATION, op.id), Subject(SubjectType.MEASURE, area.id)),
        (op.party, area.owner),
        clashes,
    )
