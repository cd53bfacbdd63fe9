"""The index gives exactly the conflicts a brute-force loop over the rules gives.

Random operations, unit reports and measures are packed into a few kilometres (so that conflicts
are common) around a centre that is ordinary, on the antimeridian or near a pole. Every index
answer — check, sweep, after removals, in any insertion order — must equal the brute force.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from liaison.deconfliction import (
    Conflict,
    ControlMeasure,
    DeconflictionIndex,
    Operation,
    OperationState,
    Side,
    UnitPosition,
    Volume,
    enters_restricted_area,
    fires_beyond_line,
    fires_near_unit,
    operations_overlap,
)
from liaison.geometry import AltitudeBand, Circle, Datum, GeometryError, Line

from ..geometry.strategies import footprints_at, offset
from .support import SIDC, area_measure, circle_op, hours, unit

KINDS = [
    "air_strike",
    "artillery_fire",
    "ground_movement",
    "air_drop",
    "convoy",
    "humanitarian_site",
]
PARTIES = ["GB", "SU", "US"]
CENTRES = [(10.0, 50.0), (180.0, -30.0), (-179.995, 10.0), (45.0, 89.97), (0.0, -89.98)]


@st.composite
def world(draw: st.DrawFn) -> tuple[list[Operation], list[UnitPosition], list[ControlMeasure]]:
    lon, lat = draw(st.sampled_from(CENTRES))

    def near() -> tuple[float, float]:
        return offset(lon, lat, draw(st.floats(0, 360)), draw(st.floats(0, 6000)))

    ops = []
    for i in range(draw(st.integers(2, 14))):
        volumes = []
        for _ in range(draw(st.integers(1, 2))):
            start = draw(st.integers(0, 10))
            altitude = draw(
                st.sampled_from(
                    [
                        AltitudeBand.surface_to_unlimited(),
                        AltitudeBand(0.0, 1000.0, Datum.AMSL),
                        AltitudeBand(1500.0, 3000.0, Datum.AMSL),
                    ]
                )
            )
            volumes.append(
                Volume(
                    draw(footprints_at(*near())),
                    hours(start, start + draw(st.integers(1, 6))),
                    altitude,
                )
            )
        state = draw(
            st.sampled_from(
                [OperationState.PLANNED, OperationState.ACTIVE, OperationState.CANCELLED]
            )
        )
        ops.append(
            Operation(
                f"op{i}",
                draw(st.sampled_from(PARTIES)),
                draw(st.sampled_from(KINDS)),
                tuple(volumes),
                state,
            )
        )
    units = []
    for i in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, 10))
        units.append(
            unit(f"u{i}", draw(st.sampled_from(PARTIES)), *near(), window=hours(start, start + 2))
        )
    measures: list[ControlMeasure] = []
    for i in range(draw(st.integers(0, 3))):
        owner = draw(st.sampled_from(PARTIES))
        if draw(st.booleans()):
            a, b = near(), near()
            assume(a != b)
            sides = tuple((p, draw(st.sampled_from([Side.LEFT, Side.RIGHT]))) for p in PARTIES)
            depth = draw(st.floats(500.0, 5000.0))
            with contextlib.suppress(GeometryError):  # a zone that folds over is refused
                measures.append(
                    ControlMeasure(
                        f"m{i}",
                        "bomb_line",
                        owner,
                        frozenset(PARTIES),
                        Line((a, b)),
                        hours(0, 12),
                        permitted_sides=sides,
                        depth_m=depth,
                    )
                )
        else:
            kind = draw(st.sampled_from(["no_fire_area", "restricted_operating_zone", "boundary"]))
            measures.append(
                area_measure(
                    f"m{i}",
                    kind,
                    owner,
                    set(PARTIES),
                    Circle(*near(), draw(st.floats(100.0, 3000.0))),
                    window=hours(2, 9),
                )
            )
    return ops, units, measures


def brute(
    ops: list[Operation],
    units: list[UnitPosition],
    measures: list[ControlMeasure],
    consents: frozenset[tuple[str, str]],
    pairs: bool = True,
) -> set[str]:
    found: list[Conflict | None] = []
    for i, a in enumerate(ops):
        if pairs:
            found.extend(operations_overlap(a, b) for b in ops[i + 1 :])
        found.extend(fires_near_unit(a, u) for u in units)
        for m in measures:
            if m.is_line:
                found.append(fires_beyond_line(a, m))
            else:
                found.append(enters_restricted_area(a, m, consents))
    return {c.id for c in found if c is not None}


def ids(conflicts: Iterable[Conflict]) -> set[str]:
    return {c.id for c in conflicts}


#: Grid cells (degrees, degrees, days): the default; tiny, so that most boxes go to the R-tree
#: and a query spans many cells; huge, so that everything shares one cell.
CELLS = [(0.25, 0.25, 0.5), (0.001, 0.001, 0.01), (1000.0, 1000.0, 1e6)]


def build(
    items: Iterable[Operation | UnitPosition | ControlMeasure],
    consents: frozenset[tuple[str, str]] = frozenset(),
    cell: tuple[float, float, float] = CELLS[0],
) -> DeconflictionIndex:
    index = DeconflictionIndex(consents=consents, grid_cell=cell)
    for item in items:
        index.insert(item)
    return index


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=world(), order=st.randoms(use_true_random=False), cell=st.sampled_from(CELLS))
def test_sweep_and_check_equal_brute_force(
    data: tuple[list[Operation], list[UnitPosition], list[ControlMeasure]],
    order: object,
    cell: tuple[float, float, float],
) -> None:
    ops, units, measures = data
    live = [o for o in ops if o.is_live]
    consents = frozenset({(o.id, m.id) for o in ops[:2] for m in measures})
    expected = brute(live, units, measures, consents)
    items: list[Operation | UnitPosition | ControlMeasure] = [*ops, *units, *measures]
    index = build(items, consents, cell)
    assert ids(index.sweep()) == expected
    shuffled = list(items)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    assert ids(build(shuffled, consents, cell).sweep()) == expected
    # Checking each item against the others gives its share of the conflicts.
    for op in live:
        others = build([o for o in ops if o.id != op.id] + [*units, *measures], consents, cell)
        mine = {c for c in expected if c in ids(index.check(op))}
        assert ids(others.check(op)) == mine == ids(index.check(op))
    for u in units:
        assert ids(index.check(u)) == {c.id for o in live if (c := fires_near_unit(o, u))}
    for m in measures:
        assert ids(index.check(m)) == brute(live, [], [m], consents, pairs=False)
    # Remove half of the operations: the sweep follows.
    for op in ops[::2]:
        index.remove_operation(op.id)
    kept = [o for o in live if o not in ops[::2]]
    assert ids(index.sweep()) == brute(kept, units, measures, consents)


def test_amend_cancel_and_self() -> None:
    index = DeconflictionIndex()
    a = circle_op("a", "GB", "convoy", 10.0, 50.0)
    b = circle_op("b", "SU", "convoy", 10.0, 50.0)
    index.insert(a)
    index.insert(b)
    assert len(index.sweep()) == 1
    assert len(index.check(a)) == 1  # against b, not against its own old version
    moved = circle_op("a", "GB", "convoy", 11.0, 50.0)
    index.insert(moved)
    assert index.sweep() == []
    assert len(list(index.operations())) == 2
    index.insert(circle_op("a", "GB", "convoy", 10.0, 50.0, state=OperationState.CANCELLED))
    assert [o.id for o in index.operations()] == ["b"]
    index.remove_operation("b")
    index.remove_operation("missing")
    assert len(index) == 0


def test_latest_unit_report_wins() -> None:
    index = DeconflictionIndex()
    index.insert(circle_op("f", "GB", "artillery_fire", 10.0, 50.0, window=hours(0, 5)))
    index.insert(unit("u", "SU", 10.0, 50.0, window=hours(1, 2)))
    assert len(index.sweep()) == 1
    newer = UnitPosition(
        "u",
        "SU",
        unit("x", "SU", 12.0, 50.0).position,
        hours(1.5, 3).start,
        hours(1.5, 3).end,
        SIDC,
    )
    index.insert(newer)
    assert index.sweep() == []
    index.insert(unit("u", "SU", 10.0, 50.0, window=hours(1, 2)))  # older: ignored
    assert index.sweep() == []
    index.remove_unit("u")
    assert len(index) == 1


def test_consent_can_be_granted_and_revoked() -> None:
    index = DeconflictionIndex()
    index.insert(area_measure("nfa", "no_fire_area", "GB", {"SU"}, Circle(10.0, 50.0, 1000.0)))
    strike = circle_op("s", "SU", "air_strike", 10.0, 50.0)
    index.insert(strike)
    assert len(index.sweep()) == 1
    index.grant_consent("s", "nfa")
    assert index.sweep() == []
    assert index.check(strike) == []
    index.revoke_consent("s", "nfa")
    assert len(index.check(strike)) == 1
    index.remove_measure("nfa")
    assert index.sweep() == []


def test_results_are_ordered_by_severity() -> None:
    index = DeconflictionIndex()
    index.insert(circle_op("c", "SU", "convoy", 10.0, 50.0))
    index.insert(unit("u", "SU", 10.0, 50.0))
    found = index.check(circle_op("f", "GB", "artillery_fire", 10.0, 50.0))
    assert [c.severity.value for c in found] == ["critical", "high"]


def test_rejects_other_objects() -> None:
    with pytest.raises(TypeError):
        DeconflictionIndex().insert("op")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        DeconflictionIndex().check(3)  # type: ignore[arg-type]


def test_many_removals_compact_the_sweep_rows() -> None:
    index = DeconflictionIndex()
    for i in range(3000):
        index.insert(circle_op(f"o{i}", PARTIES[i % 3], "convoy", 10.0 + i * 1e-3, 50.0, 100.0))
    for i in range(2500):
        index.remove_operation(f"o{i}")
    assert ids(index.sweep()) == brute(list(index.operations()), [], [], frozenset())


@pytest.mark.parametrize("cell", CELLS)
def test_grid_and_rtree_together_equal_brute_force(cell: tuple[float, float, float]) -> None:
    """Short and long windows, small and wide footprints around a grid corner: boxes in one
    cell, in several, and in the R-tree (too many cells) all answer as the brute force does,
    through amendments and removals, and nothing is left behind."""
    rng = random.Random(7)
    ops = []
    for i in range(150):
        lon = 10.0 + rng.uniform(-0.3, 0.3)
        lat = 50.0 + rng.uniform(-0.3, 0.3)
        start = rng.uniform(-30.0, 30.0)
        length = rng.choice([0.5, 3.0, 20.0, 24.0 * rng.uniform(1.0, 40.0)])
        radius = rng.choice([300.0, 2000.0, 30_000.0])
        kind = rng.choice(KINDS)
        ops.append(
            circle_op(
                f"o{i}",
                rng.choice(PARTIES),
                kind,
                lon,
                lat,
                radius,
                window=hours(start, start + length),
            )
        )
    index = build(ops, cell=cell)
    assert ids(index.sweep()) == brute(ops, [], [], frozenset())
    for op in ops[:40]:
        expected = {c.id for o in ops if (c := operations_overlap(op, o))}
        assert ids(index.check(op)) == expected
    # Amend every third operation (move it), remove every fifth: answers follow.
    for i, op in enumerate(ops):
        if i % 3 == 0:
            moved = circle_op(op.id, op.party, op.kind, 10.5, 50.5, 300.0, window=hours(0, 1))
            index.insert(moved)
            ops[i] = moved
    for op in ops[::5]:
        index.remove_operation(op.id)
    kept = [o for i, o in enumerate(ops) if i % 5]
    assert ids(index.sweep()) == brute(kept, [], [], frozenset())
    for op in kept:
        index.remove_operation(op.id)
    assert len(index) == 0
    assert index.sweep() == []
    assert index.check(ops[1]) == []
    tree = index._op_tree  # the grid keeps no empty cells, the R-tree no stale boxes
    assert not tree._cells
    assert tree._in_rtree == 0


@pytest.mark.parametrize(
    ("lon", "lat"), [(10.0, 50.0), (180.0, -30.0), (-179.999, 10.0), (45.0, 89.99), (0.0, -90.0)]
)
def test_hot_path_boxes_cover_the_geometry_module_bounds(lon: float, lat: float) -> None:
    """The index reads a circle's or a position's cap without building it: its boxes must still
    hold the boxes :func:`liaison.geometry.sphere.bounding_boxes` gives for the shape's cap."""
    from liaison.deconfliction.index import _DAY_S, _boxes
    from liaison.geometry import Position
    from liaison.geometry.earth import R_MIN, TOLERANCE_M
    from liaison.geometry.sphere import bounding_boxes

    window = hours(0, 3)
    for shape in (Circle(lon, lat, 2500.0), Position(lon, lat)):
        for margin in (0.0, 3000.0):
            got = _boxes(shape, margin, window)
            want = bounding_boxes(shape.cap, (margin + TOLERANCE_M) / R_MIN)
            for w in want:
                assert any(
                    g[0] <= w[0] + 1e-12
                    and g[1] <= w[1] + 1e-12
                    and g[3] >= w[2] - 1e-12
                    and g[4] >= w[3] - 1e-12
                    for g in got
                ), (shape, w, got)
            for g in got:
                assert g[2] * _DAY_S <= window.start.timestamp() <= window.end.timestamp()
                assert window.end.timestamp() <= g[5] * _DAY_S
