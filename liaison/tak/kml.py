"""The picture as KML 2.2, for Google Earth and ATAK, as one party may see it.

Built from the picture service's views for the reader's party — the same release filter as
every other read — so a KML file never holds more than ``GET /v1/picture`` would show. Written
with the standard library's ElementTree, never by pasting strings, so names and notes are
escaped as XML requires.

One folder each for operations (one placemark per volume, a polygon or a circle drawn as a
72-gon, with the volume's time span), units (a point, current from its report time until it
goes stale), control measures (a line or an area, with the validity as time span) and the
party's open conflicts (the region it was notified of, in red). Each placemark carries the
record's identity in ``ExtendedData`` (party, ref, entry id), so a reader can find the entry.
Own things are blue, other parties' yellow, conflicts red.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any, Final

from liaison.geometry import TimeWindow
from liaison.geometry.earth import WGS84
from liaison.picture.bodies import parse_instant
from liaison.services.picture import PictureService

__all__ = ["KML_MEDIA_TYPE", "picture_kml"]

KML_MEDIA_TYPE: Final = "application/vnd.google-earth.kml+xml"
_NS: Final = "http://www.opengis.net/kml/2.2"
_CIRCLE_SIDES: Final = 72
#: KML colours are aabbggrr
_STYLES: Final = {
    "own": ("ffff0000", "40ff0000"),
    "other": ("ff00ffff", "4000ffff"),
    "conflict": ("ff0000ff", "600000ff"),
}


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _coordinates(points: Sequence[Sequence[float]]) -> str:
    return " ".join(f"{p[0]:.7f},{p[1]:.7f}" for p in points)


def _circle(lon: float, lat: float, radius_m: float) -> list[list[float]]:
    azimuths = [360.0 * i / _CIRCLE_SIDES for i in range(_CIRCLE_SIDES)]
    lons, lats, _ = WGS84.fwd(
        [lon] * _CIRCLE_SIDES, [lat] * _CIRCLE_SIDES, azimuths, [radius_m] * _CIRCLE_SIDES
    )
    ring = [[x, y] for x, y in zip(lons, lats, strict=True)]
    return [*ring[::-1], ring[-1]]


def _polygon(parent: ET.Element, rings: Sequence[Sequence[Sequence[float]]]) -> None:
    polygon = _sub(parent, "Polygon")
    for n, ring in enumerate(rings):
        boundary = _sub(polygon, "outerBoundaryIs" if n == 0 else "innerBoundaryIs")
        _sub(_sub(boundary, "LinearRing"), "coordinates", _coordinates(ring))


def _geometry(parent: ET.Element, geometry: Mapping[str, Any]) -> None:
    kind = geometry["type"]
    if kind == "Point" and "radius_m" in geometry:
        lon, lat = geometry["coordinates"][:2]
        _polygon(parent, [_circle(lon, lat, float(geometry["radius_m"]))])
    elif kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coordinates([geometry["coordinates"]]))
    elif kind == "LineString":
        line = _sub(parent, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _coordinates(geometry["coordinates"]))
    elif kind == "Polygon":
        _polygon(parent, geometry["coordinates"])
    elif kind in ("MultiPolygon", "MultiLineString", "MultiPoint", "GeometryCollection"):
        multi = _sub(parent, "MultiGeometry")
        if kind == "GeometryCollection":
            parts = list(geometry["geometries"])
        else:
            single = kind.removeprefix("Multi")
            parts = [{"type": single, "coordinates": c} for c in geometry["coordinates"]]
        for part in parts:
            _geometry(multi, part)


def _placemark(
    folder: ET.Element,
    *,
    name: str,
    description: str,
    style: str,
    begin: str,
    end: str,
    geometry: Mapping[str, Any],
    data: Mapping[str, Any],
) -> None:
    mark = _sub(folder, "Placemark")
    _sub(mark, "name", name)
    _sub(mark, "description", description)
    span = _sub(mark, "TimeSpan")
    _sub(span, "begin", begin)
    _sub(span, "end", end)
    _sub(mark, "styleUrl", f"#{style}")
    extended = _sub(mark, "ExtendedData")
    for key, value in data.items():
        if value is None:
            continue
        item = _sub(extended, "Data")
        item.set("name", key)
        _sub(item, "value", str(value))
    _geometry(mark, geometry)


def _during(span: Mapping[str, str], window: TimeWindow | None) -> bool:
    if window is None:
        return True
    start, end = parse_instant(span["start"]), parse_instant(span["end"])
    return start < window.end and end > window.start


def _styles(document: ET.Element) -> None:
    for name, (line, fill) in _STYLES.items():
        style = _sub(document, "Style")
        style.set("id", name)
        line_style = _sub(style, "LineStyle")
        _sub(line_style, "color", line)
        _sub(line_style, "width", "3")
        _sub(_sub(style, "PolyStyle"), "color", fill)
        _sub(_sub(style, "IconStyle"), "color", line)


def picture_kml(picture: PictureService, reader: str, window: TimeWindow | None = None) -> bytes:
    """The reader party's picture during ``window`` (all that is current if None) as KML."""
    # The namespace is written as a plain attribute on the root and every tag is unprefixed:
    # the default-namespace form every KML reader expects, without a global registration.
    root = ET.Element("kml", {"xmlns": _NS})
    document = _sub(root, "Document")
    _sub(document, "name", f"Liaison picture for {reader}")
    _styles(document)

    def style(party: str) -> str:
        return "own" if party == reader else "other"

    folder = _sub(document, "Folder")
    _sub(folder, "name", "Operations")
    for op in picture.operations(reader, window):
        for i, volume in enumerate(op["volumes"]):
            altitude = volume["altitude"]
            _placemark(
                folder,
                name=op["name"] or op["ref"],
                description=f"{op['party']} {op['kind']} ({op['state']}); altitude {altitude}",
                style=style(op["party"]),
                begin=volume["start"],
                end=volume["end"],
                geometry=volume["footprint"],
                data={"party": op["party"], "ref": op["ref"], "volume": i, "entry": op["entry"]},
            )
    folder = _sub(document, "Folder")
    _sub(folder, "name", "Units")
    for unit in picture.units(reader, window):
        _placemark(
            folder,
            name=unit["name"] or unit["unit"],
            description=f"{unit['party']} unit {unit['unit']}, symbol {unit['symbol_code']}",
            style=style(unit["party"]),
            begin=unit["time"],
            end=unit["stale_time"],
            geometry=unit["position"],
            data={
                "party": unit["party"],
                "unit": unit["unit"],
                "symbol_code": unit["symbol_code"],
                "heading_deg": unit["heading_deg"],
                "speed_mps": unit["speed_mps"],
                "entry": unit["entry"],
            },
        )
    folder = _sub(document, "Folder")
    _sub(folder, "name", "Control measures")
    for measure in picture.measures(reader, window):
        _placemark(
            folder,
            name=measure["name"] or measure["ref"],
            description=(
                f"{measure['party']} {measure['kind']} binding {', '.join(measure['binds'])}"
            ),
            style=style(measure["party"]),
            begin=measure["valid_from"],
            end=measure["valid_until"],
            geometry=measure["geometry"],
            data={"party": measure["party"], "ref": measure["ref"], "entry": measure["entry"]},
        )
    folder = _sub(document, "Folder")
    _sub(folder, "name", "Conflicts")
    for conflict in picture.conflicts(reader, limit=None):
        if conflict["status"] == "cleared" or not _during(conflict["window"], window):
            continue
        _placemark(
            folder,
            name=f"Conflict ({conflict['severity']})",
            description=conflict["text"],
            style="conflict",
            begin=conflict["window"]["start"],
            end=conflict["window"]["end"],
            geometry=conflict["region"],
            data={"conflict": conflict["conflict"], "status": conflict["status"]},
        )
    ET.indent(root)
    result: bytes = ET.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result
