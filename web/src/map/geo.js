// Geometry for drawing: a Web Mercator "world" of WORLD units square, geodesic circles, and
// shapes turned into Path2D once, in world units, so panning and zooming only change the canvas
// transform and never re-project a vertex. Rings are unwrapped across the antimeridian (each
// longitude within 180 degrees of the one before), and drawn again one world to the left or
// right when the view shows that copy.

export const WORLD = 256;
const MAX_LAT = 85.05112878;
const EARTH_RADIUS_M = 6371008.8;
const RAD = Math.PI / 180;

export function project(lon, lat) {
  const phi = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * RAD;
  return [((lon + 180) / 360) * WORLD, (0.5 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / (2 * Math.PI)) * WORLD];
}

export function unproject(x, y) {
  const lon = (x / WORLD) * 360 - 180;
  const n = Math.PI - (2 * Math.PI * y) / WORLD;
  const lat = (Math.atan(Math.sinh(n)) * 180) / Math.PI;
  return [((((lon + 180) % 360) + 360) % 360) - 180, lat];
}

/** The point `distance_m` from (lon, lat) along `bearing` degrees, on a sphere. */
export function destination(lon, lat, bearing, distance) {
  const d = distance / EARTH_RADIUS_M;
  const b = bearing * RAD;
  const p1 = lat * RAD;
  const l1 = lon * RAD;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [l2 / RAD, p2 / RAD];
}

/** Great-circle distance in metres. */
export function distance([lon1, lat1], [lon2, lat2]) {
  const dp = (lat2 - lat1) * RAD;
  const dl = (lon2 - lon1) * RAD;
  const a = Math.sin(dp / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dl / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A true (geodesic) circle as a ring of `n` points. */
export function circleRing([lon, lat], radius, n = 96) {
  const ring = [];
  for (let i = 0; i <= n; i += 1) ring.push(destination(lon, lat, (360 * i) / n, radius));
  return ring;
}

/** Longitudes made continuous along a ring or line (no 360-degree jumps at the antimeridian). */
export function unwrap(coords) {
  const out = [];
  let prev = null;
  for (const [lon, lat] of coords) {
    let x = lon;
    if (prev !== null) {
      while (x - prev > 180) x -= 360;
      while (x - prev < -180) x += 360;
    }
    out.push([x, lat]);
    prev = x;
  }
  return out;
}

function projectAll(coords) {
  return unwrap(coords).map(([lon, lat]) => project(lon, lat));
}

/** The polygons of a decoded shape (Circle, Polygon, MultiPolygon, GeometryCollection), as rings. */
export function polygonsOf(shape) {
  if (!shape) return [];
  switch (shape.type) {
    case "Circle":
      return [[circleRing(shape.center, shape.radius_m)]];
    case "Polygon":
      return [shape.coordinates];
    case "MultiPolygon":
      return shape.coordinates;
    case "GeometryCollection":
      return shape.geometries.flatMap(polygonsOf);
    default:
      return [];
  }
}

/** Lines of a decoded shape, as lists of [lon, lat]. */
export function linesOf(shape) {
  if (!shape) return [];
  if (shape.type === "LineString") return [shape.coordinates];
  if (shape.type === "MultiLineString") return shape.coordinates;
  if (shape.type === "GeometryCollection") return shape.geometries.flatMap(linesOf);
  return [];
}

/** Points of a decoded shape. */
export function pointsOf(shape) {
  if (!shape) return [];
  if (shape.type === "Point") return [shape.coordinates];
  if (shape.type === "MultiPoint") return shape.coordinates;
  if (shape.type === "GeometryCollection") return shape.geometries.flatMap(pointsOf);
  return [];
}

function grow(box, [x, y]) {
  box[0] = Math.min(box[0], x);
  box[1] = Math.min(box[1], y);
  box[2] = Math.max(box[2], x);
  box[3] = Math.max(box[3], y);
}

/**
 * A shape in world units: {area: Path2D|null, line: Path2D|null, lines: [[x,y]...], points,
 * box: [x0, y0, x1, y1], centre: [x, y]}. Built once per version and kept.
 */
export function worldGeometry(shape) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  let area = null;
  let line = null;
  const lines = [];
  let weighted = [0, 0, 0];
  for (const polygon of polygonsOf(shape)) {
    area ||= new Path2D();
    for (const ring of polygon) {
      const pts = projectAll(ring);
      pts.forEach((p, i) => {
        if (i === 0) area.moveTo(p[0], p[1]);
        else area.lineTo(p[0], p[1]);
        grow(box, p);
      });
      area.closePath();
    }
    const outer = projectAll(polygon[0]);
    const [cx, cy, a] = ringCentroid(outer);
    weighted = [weighted[0] + cx * a, weighted[1] + cy * a, weighted[2] + a];
  }
  for (const coords of linesOf(shape)) {
    line ||= new Path2D();
    const pts = projectAll(coords);
    pts.forEach((p, i) => {
      if (i === 0) line.moveTo(p[0], p[1]);
      else line.lineTo(p[0], p[1]);
      grow(box, p);
    });
    lines.push(pts);
  }
  const points = pointsOf(shape).map(([lon, lat]) => project(lon, lat));
  points.forEach((p) => grow(box, p));
  let centre;
  if (weighted[2] > 0) centre = [weighted[0] / weighted[2], weighted[1] / weighted[2]];
  else if (lines.length) centre = lines[0][Math.floor(lines[0].length / 2)];
  else if (points.length) centre = points[0];
  else centre = [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
  return { area, line, lines, points, box, centre };
}

function ringCentroid(pts) {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < pts.length - 1; i += 1) {
    const [x0, y0] = pts[i];
    const [x1, y1] = pts[i + 1];
    const f = x0 * y1 - x1 * y0;
    a += f;
    cx += (x0 + x1) * f;
    cy += (y0 + y1) * f;
  }
  if (Math.abs(a) < 1e-12) {
    const [x, y] = pts[0];
    return [x, y, 1e-12];
  }
  return [cx / (3 * a), cy / (3 * a), Math.abs(a / 2)];
}

/** GeoJSON Polygon of a list of [lon, lat] vertices (closed; counter-clockwise as RFC 7946 asks). */
export function polygonGeoJSON(vertices) {
  const ring = vertices.map(([lon, lat]) => [round7(lon), round7(lat)]);
  let twice = 0;
  for (let i = 0; i < ring.length; i += 1) {
    const [x0, y0] = ring[i];
    const [x1, y1] = ring[(i + 1) % ring.length];
    twice += (x1 - x0) * (y1 + y0);
  }
  if (twice > 0) ring.reverse();
  ring.push([...ring[0]]);
  return { type: "Polygon", coordinates: [ring] };
}

export function round7(value) {
  return Math.round(value * 1e7) / 1e7;
}
