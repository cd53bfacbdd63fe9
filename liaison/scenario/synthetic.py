"""A synthetic load for trying Liaison at scale: a scenario generated, then loaded like any other.

``liaison demo --synthetic N`` (or :func:`synthetic_scenario`) makes a coalition of ``parties``
parties, each with an officer and a commander, and a timeline of ``entries`` events: mostly
reports (notes) released to random subsets of the other parties, and a share of operations of
every kind over one theatre, released the same way, so that the detector finds conflicts across
what parties cannot read of each other, and the release filter has work to do on every read.

It is the same format as a historical scenario and goes through the same loader and services;
the only concession to size is that reports at the same minute are appended in one group
commit (:meth:`liaison.scenario.loader.Loader.apply_batch`). The generator is deterministic
for a given ``seed``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from liaison.domain.time import format_time
from liaison.scenario.schema import Scenario
from liaison.scenario.validate import parse_scenario

__all__ = ["KINDS", "THEATRE", "synthetic_scenario"]

#: operation kinds the generator uses (the detector's kinds)
KINDS = ("air_strike", "artillery_fire", "ground_movement", "air_drop", "convoy")
#: the theatre operations are placed in: west, south, east, north (degrees)
THEATRE = (10.0, 44.0, 20.0, 48.0)
#: reports appended at one minute
PER_MINUTE = 200
#: the time the generated record starts
START = datetime(2030, 1, 1, tzinfo=UTC)


def _box(rng: random.Random) -> dict[str, Any]:
    west, south, east, north = THEATRE
    size = rng.uniform(0.02, 0.2)
    lon = round(rng.uniform(west, east - size), 4)
    lat = round(rng.uniform(south, north - size), 4)
    top, right = round(lat + size, 4), round(lon + size, 4)
    ring = [[lon, lat], [right, lat], [right, top], [lon, top], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def synthetic_scenario(
    entries: int = 10_000,
    *,
    parties: int = 6,
    operations_share: float = 0.05,
    seed: int = 0,
) -> Scenario:
    """A generated scenario with about ``entries`` events (plus the roster)."""
    if entries < 0 or not 2 <= parties <= 99 or not 0 <= operations_share <= 1:
        raise ValueError("entries >= 0, 2 <= parties <= 99 and 0 <= operations_share <= 1")
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    ids = [f"p{i:02d}" for i in range(1, parties + 1)]
    west, south, east, north = THEATRE
    theatre = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    members: list[dict[str, Any]] = []
    for party in ids:
        members.append(
            {
                "id": f"{party}-officer",
                "party": party,
                "name": f"Officer of {party}",
                "role": "officer",
                "mandate": {"topics": ["coordination", "reports"]},
            }
        )
        members.append(
            {
                "id": f"{party}-commander",
                "party": party,
                "name": f"Commander of {party}",
                "role": "commander",
                "mandate": {
                    "topics": ["coordination"],
                    "areas": [{"type": "Polygon", "coordinates": [theatre]}],
                },
            }
        )
    timeline: list[dict[str, Any]] = []
    minute = START
    in_minute = 0
    for number in range(entries):
        party = rng.choice(ids)
        others = [p for p in ids if p != party]
        release = sorted(rng.sample(others, rng.randint(0, len(others))))
        if rng.random() < operations_share:
            minute += timedelta(minutes=1)
            in_minute = 0
            begins = minute + timedelta(hours=rng.randint(1, 24 * 14))
            timeline.append(
                {
                    "at": format_time(minute),
                    "do": "picture.operation",
                    "by": f"{party}-commander",
                    "ref": f"op-{number}",
                    "kind": rng.choice(KINDS),
                    "volumes": [
                        {
                            "footprint": _box(rng),
                            "start": format_time(begins),
                            "end": format_time(begins + timedelta(hours=rng.randint(1, 6))),
                        }
                    ],
                    "release": release,
                }
            )
            minute += timedelta(minutes=1)
            continue
        if in_minute >= PER_MINUTE:
            minute += timedelta(minutes=1)
            in_minute = 0
        in_minute += 1
        timeline.append(
            {
                "at": format_time(minute),
                "do": "note",
                "by": f"{party}-officer",
                "topic": "reports",
                "text": f"Report {number} of {party}: position, state and intentions.",
                "release": release,
            }
        )
    data = {
        "format": "liaison-scenario/1",
        "title": f"Synthetic load: {parties} parties, {entries} events (seed {seed})",
        "description": "Generated by liaison.scenario.synthetic for trying the system at scale.",
        "illustrative": "Everything: the parties, places and times are generated.",
        "origin": "liaison.demo/synthetic",
        "start": format_time(START),
        "parties": [{"id": p, "name": f"Party {p[1:]}"} for p in ids],
        "members": members,
        "timeline": timeline,
    }
    return parse_scenario(data, name="synthetic scenario")
