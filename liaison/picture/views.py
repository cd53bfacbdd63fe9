"""What a reader is shown of picture entries: plain JSON in degrees, metres and ISO 8601.

Why separate views from bodies: the signed body is float-free (integers of 1e-7 degree and
millimetres) so that its bytes are reproducible; people, maps and scripts want GeoJSON in
degrees. Views are built only from entries already released to the reader (the service reads
them through the release filter), so a view can never show more than its entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from liaison.domain.entry import StoredEntry
from liaison.domain.time import format_time
from liaison.geometry import (
    decode_altitude,
    decode_footprint,
    decode_instant,
    decode_schedule,
    decode_shape,
    decode_window,
)
from liaison.geometry.time import format_instant, hull

__all__ = ["measure_view", "operation_view", "unit_view"]


def _meta(entry: StoredEntry) -> dict[str, Any]:
    return {
        "entry": entry.id,
        "seq": entry.seq,
        "party": entry.content.party,
        "author": entry.content.author,
        "appended_at": format_time(entry.stamp.at),
        "release": list(entry.content.release),
        "supersedes": entry.content.supersedes,
    }


def operation_view(entry: StoredEntry, root: str) -> dict[str, Any]:
    """An operation version: its volumes as GeoJSON footprints, altitude bands and windows."""
    body = entry.content.body
    volumes = []
    windows = []
    for raw in body["volumes"]:
        window = decode_window(raw["window"])
        windows.append(window)
        volumes.append(
            {
                "footprint": decode_footprint(raw["footprint"]).to_geojson(),
                "altitude": decode_altitude(raw["altitude"]).to_json(),
                "start": format_instant(window.start),
                "end": format_instant(window.end),
            }
        )
    return {
        "id": root,
        "ref": body["ref"],
        "name": body["name"],
        "kind": body["kind"],
        "state": body["state"],
        "note": body.get("note"),
        "volumes": volumes,
        "window": hull(windows).to_json(),
        **_meta(entry),
    }


def unit_view(entry: StoredEntry) -> dict[str, Any]:
    """A unit's position report."""
    body = entry.content.body
    heading = body.get("heading_mdeg")
    speed = body.get("speed_mmps")
    return {
        "unit": body["unit"],
        "name": body["name"],
        "position": decode_shape(body["position"]).to_geojson(),
        "time": format_instant(decode_instant(body["time"])),
        "stale_time": format_instant(decode_instant(body["stale_time"])),
        "symbol_code": body["symbol_code"],
        "heading_deg": None if heading is None else int(heading) / 1000,
        "speed_mps": None if speed is None else int(speed) / 1000,
        **_meta(entry),
    }


def _schedule(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    schedule = decode_schedule(raw)
    return {
        "anchor": format_instant(schedule.anchor),
        "period_s": int(schedule.period.total_seconds()),
        "windows_s": [
            [int(s.total_seconds()), int(e.total_seconds())] for s, e in schedule.windows
        ],
    }


def measure_view(entry: StoredEntry, root: str) -> dict[str, Any]:
    """A control measure version: a line with its permitted sides, or an area."""
    body = entry.content.body
    validity = decode_window(body["validity"])
    view: dict[str, Any] = {
        "id": root,
        "ref": body["ref"],
        "name": body["name"],
        "kind": body["kind"],
        "state": body["state"],
        "binds": list(body["binds"]),
        "geometry": decode_shape(body["geometry"]).to_geojson(),
        "valid_from": format_instant(validity.start),
        "valid_until": format_instant(validity.end),
        "schedule": _schedule(body.get("schedule")),
        "agreement_ref": body.get("agreement_ref"),
        "note": body.get("note"),
        **_meta(entry),
    }
    if body.get("permitted_sides") is not None:
        view["permitted_sides"] = dict(body["permitted_sides"])
        view["depth_m"] = int(body["depth_mm"]) / 1000
    else:
        view["altitude"] = decode_altitude(body["altitude"]).to_json()
        view["restricts"] = body.get("restricts")
    return view
