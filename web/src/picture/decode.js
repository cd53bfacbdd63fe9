// The picture's signed bodies are float-free (integers of 1e-7 degree, millimetres, canonical UTC
// text) so their bytes are reproducible; the map wants degrees, metres and milliseconds. This is
// the inverse of liaison/geometry/canonical.py for what the page draws.

const E7 = 1e7;

function pos(p) {
  return [p[0] / E7, p[1] / E7];
}

/**
 * A float-free shape as {type, ...} in degrees: Point {coordinates}, Circle {center, radius_m},
 * LineString {coordinates}, Polygon {coordinates: rings}, MultiPolygon {coordinates: polygons}.
 * GeoJSON in degrees (what the picture routes return) passes through, a Point with radius_m
 * becoming a Circle.
 */
export function decodeShape(shape) {
  if (!shape || typeof shape !== "object") return null;
  if ("coordinates" in shape || "center" in shape) {
    if (shape.type === "Point" && shape.radius_m !== undefined) {
      return { type: "Circle", center: shape.coordinates, radius_m: shape.radius_m };
    }
    return shape;
  }
  switch (shape.type) {
    case "Point":
      return { type: "Point", coordinates: pos(shape.coordinates_e7) };
    case "Circle":
      return { type: "Circle", center: pos(shape.center_e7), radius_m: shape.radius_mm / 1000 };
    case "LineString":
      return { type: "LineString", coordinates: shape.coordinates_e7.map(pos) };
    case "Polygon":
      return { type: "Polygon", coordinates: shape.coordinates_e7.map((ring) => ring.map(pos)) };
    case "MultiPolygon":
      return {
        type: "MultiPolygon",
        coordinates: shape.coordinates_e7.map((poly) => poly.map((ring) => ring.map(pos))),
      };
    case "GeometryCollection":
      return { type: "GeometryCollection", geometries: (shape.geometries || []).map(decodeShape) };
    default:
      return null;
  }
}

/** An altitude band in metres: {datum, lower_m, upper_m}, null for surface / unlimited. */
export function decodeAltitude(band) {
  if (!band) return { datum: "AMSL", lower_m: null, upper_m: null };
  if ("lower_m" in band || "upper_m" in band) return band;
  return {
    datum: band.datum,
    lower_m: band.lower_mm === null ? null : band.lower_mm / 1000,
    upper_m: band.upper_mm === null ? null : band.upper_mm / 1000,
  };
}

export function altitudeText(band) {
  const a = decodeAltitude(band);
  const lower = a.lower_m === null ? "surface" : `${a.lower_m} m`;
  const upper = a.upper_m === null ? "unlimited" : `${a.upper_m} m`;
  return `${lower} to ${upper} ${a.datum}`;
}

/** An operation entry's body as the map needs it. */
export function decodeOperation(entry) {
  const body = entry.body;
  return {
    key: `${entry.party}/${body.ref}`,
    entry: entry.id,
    seq: entry.seq,
    appendedAt: Date.parse(entry.appended_at),
    party: entry.party,
    ref: body.ref,
    name: body.name || "",
    kind: body.kind,
    state: body.state,
    note: body.note || null,
    release: entry.release,
    volumes: body.volumes.map((v) => ({
      shape: decodeShape(v.footprint),
      altitude: decodeAltitude(v.altitude),
      start: Date.parse(v.window.start),
      end: Date.parse(v.window.end),
    })),
  };
}

/** A unit position report. */
export function decodeUnit(entry) {
  const body = entry.body;
  return {
    key: `${entry.party}/${body.unit}`,
    entry: entry.id,
    seq: entry.seq,
    appendedAt: Date.parse(entry.appended_at),
    party: entry.party,
    unit: body.unit,
    name: body.name || "",
    position: decodeShape(body.position).coordinates,
    time: Date.parse(body.time),
    stale: Date.parse(body.stale_time),
    sidc: body.symbol_code,
    heading: body.heading_mdeg === null || body.heading_mdeg === undefined ? null : body.heading_mdeg / 1000,
    speed: body.speed_mmps === null || body.speed_mmps === undefined ? null : body.speed_mmps / 1000,
  };
}

/** A control measure version. */
export function decodeMeasure(entry) {
  const body = entry.body;
  return {
    key: `${entry.party}/${body.ref}`,
    entry: entry.id,
    seq: entry.seq,
    appendedAt: Date.parse(entry.appended_at),
    party: entry.party,
    ref: body.ref,
    name: body.name || "",
    kind: body.kind,
    state: body.state,
    binds: body.binds,
    shape: decodeShape(body.geometry),
    start: Date.parse(body.validity.start),
    end: Date.parse(body.validity.end),
    permittedSides: body.permitted_sides || null,
    depth_m: body.depth_mm ? body.depth_mm / 1000 : null,
    restricts: body.restricts || null,
    altitude: body.altitude ? decodeAltitude(body.altitude) : null,
    agreement: body.agreement_ref || null,
  };
}
