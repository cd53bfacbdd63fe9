// Drawing a footprint or a line on the map: by mouse (click to add a point, double-click to
// finish), by keyboard (pan the map under the centre cross, Space adds a point, Enter finishes,
// Backspace removes the last, Escape cancels), or by typing coordinates. When the node refuses
// the shape, the error is drawn on the map where it happens (the shape in red, the point the
// node names marked) as well as beside the form.
import { CONFLICT } from "./palette.js";
import { circleRing, distance, polygonGeoJSON, round7, unwrap } from "./geo.js";

export const MODES = {
  polygon: { label: "Area (polygon)", min: 3 },
  circle: { label: "Circle (centre, then a point on the edge)", min: 2 },
  line: { label: "Line", min: 2 },
};

export class DrawTool {
  constructor(mode, { onChange = () => {}, onFinish = () => {}, onCancel = () => {} } = {}) {
    this.mode = mode;
    this.vertices = [];
    this.pointer = null;
    this.finished = false;
    this.error = null;
    this.onChange = onChange;
    this.onFinish = onFinish;
    this.onCancel = onCancel;
  }

  click(lonlat) {
    if (this.finished) return;
    this.error = null;
    this.vertices.push(lonlat);
    if (this.mode === "circle" && this.vertices.length === 2) {
      this.finish();
      return;
    }
    this.onChange(this);
  }

  hover(lonlat) {
    this.pointer = lonlat;
  }

  undo() {
    if (this.finished) this.finished = false;
    this.vertices.pop();
    this.error = null;
    this.onChange(this);
  }

  cancel() {
    this.vertices = [];
    this.finished = false;
    this.onCancel(this);
  }

  finish() {
    if (this.vertices.length < MODES[this.mode].min) {
      this.error = { message: `a ${this.mode} needs at least ${MODES[this.mode].min} points`, at: null };
      this.onChange(this);
      return;
    }
    this.finished = true;
    this.onFinish(this);
    this.onChange(this);
  }

  /** Replace the points, e.g. from typed coordinates. */
  setVertices(vertices) {
    this.vertices = vertices;
    this.error = null;
    this.finished = vertices.length >= MODES[this.mode].min;
    this.onChange(this);
  }

  /** The shape as GeoJSON for the API: Polygon, Point with radius_m, or LineString. */
  geometry() {
    if (this.mode === "polygon") return polygonGeoJSON(this.vertices);
    if (this.mode === "circle") {
      const [c, edge] = this.vertices;
      return { type: "Point", coordinates: [round7(c[0]), round7(c[1])], radius_m: Math.max(1, Math.round(distance(c, edge))) };
    }
    return { type: "LineString", coordinates: this.vertices.map(([x, y]) => [round7(x), round7(y)]) };
  }

  /** Show the node's refusal on the map: the shape turns red and the named point is marked. */
  showError(message) {
    const near = /near \((-?\d+(?:\.\d+)?), (-?\d+(?:\.\d+)?)\)/.exec(message || "");
    this.error = { message, at: near ? [Number(near[1]), Number(near[2])] : null };
    this.onChange(this);
  }

  describe() {
    if (!this.vertices.length) return "No points yet.";
    if (this.mode === "circle" && this.vertices.length === 2) {
      return `Circle of ${Math.round(distance(this.vertices[0], this.vertices[1]))} m around ${fmtPoint(this.vertices[0])}.`;
    }
    return `${this.vertices.length} point${this.vertices.length === 1 ? "" : "s"}: ${this.vertices.map(fmtPoint).join("; ")}`;
  }

  render(ctx, view) {
    let pts = this.vertices;
    if (this.mode === "circle" && pts.length >= 1) {
      const edge = pts[1] || (!this.finished ? this.pointer : null);
      pts = edge ? circleRing(pts[0], distance(pts[0], edge), 72) : [pts[0]];
    } else if (!this.finished && this.pointer) {
      pts = [...pts, this.pointer];
    }
    const colour = this.error ? CONFLICT : "#111";
    const screen = unwrap(pts).map(([lon, lat]) => view.toScreen(lon, lat));
    // Keep the shape continuous on screen: each point in the world copy nearest the one before.
    const span = 256 * view.k;
    for (let i = 1; i < screen.length; i += 1) {
      while (screen[i][0] - screen[i - 1][0] > span / 2) screen[i][0] -= span;
      while (screen[i][0] - screen[i - 1][0] < -span / 2) screen[i][0] += span;
    }
    if (screen.length > 1) {
      ctx.beginPath();
      screen.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      if (this.mode === "polygon" && (this.finished || screen.length > 2)) ctx.closePath();
      if (this.mode !== "line") {
        ctx.fillStyle = this.error ? "rgba(213, 94, 0, 0.18)" : "rgba(0, 0, 0, 0.08)";
        ctx.fill();
      }
      ctx.lineWidth = 4;
      ctx.strokeStyle = "white";
      ctx.stroke();
      ctx.lineWidth = 2;
      ctx.setLineDash(this.finished ? [] : [6, 4]);
      ctx.strokeStyle = colour;
      ctx.stroke();
      ctx.setLineDash([]);
    }
    for (const [lon, lat] of this.vertices) {
      const [x, y] = view.toScreen(lon, lat);
      ctx.beginPath();
      ctx.arc(x, y, 5, 0, Math.PI * 2);
      ctx.fillStyle = "white";
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = colour;
      ctx.stroke();
    }
    if (this.error) {
      let anchor = this.error.at ? view.toScreen(this.error.at[0], this.error.at[1]) : null;
      if (anchor) {
        ctx.strokeStyle = CONFLICT;
        ctx.lineWidth = 3;
        ctx.beginPath();
        ctx.moveTo(anchor[0] - 8, anchor[1] - 8);
        ctx.lineTo(anchor[0] + 8, anchor[1] + 8);
        ctx.moveTo(anchor[0] + 8, anchor[1] - 8);
        ctx.lineTo(anchor[0] - 8, anchor[1] + 8);
        ctx.stroke();
      } else if (screen.length) {
        anchor = screen.reduce((a, p) => [a[0] + p[0] / screen.length, a[1] + p[1] / screen.length], [0, 0]);
      }
      if (anchor) bubble(ctx, this.error.message, anchor[0], anchor[1] + 14, view.width);
    }
  }
}

function fmtPoint([lon, lat]) {
  return `${lon.toFixed(4)}, ${lat.toFixed(4)}`;
}

/** Parse typed coordinates: one "lon, lat" (or "lon lat") pair per line, or a GeoJSON geometry. */
export function parseCoordinates(text) {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith("{")) {
    const geo = JSON.parse(trimmed);
    if (geo.type === "Polygon") return geo.coordinates[0].slice(0, -1);
    if (geo.type === "LineString") return geo.coordinates;
    if (geo.type === "Point" && geo.radius_m) return [geo.coordinates, destinationEast(geo.coordinates, geo.radius_m)];
    throw new Error("give a GeoJSON Polygon, LineString, or Point with radius_m");
  }
  return trimmed.split(/\n+/).map((line, i) => {
    const parts = line.split(/[\s,;]+/).filter(Boolean).map(Number);
    if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n))) {
      throw new Error(`line ${i + 1}: write "longitude, latitude" in degrees`);
    }
    return parts;
  });
}

function destinationEast([lon, lat], metres) {
  return [lon + metres / (111320 * Math.cos((lat * Math.PI) / 180)), lat];
}

function bubble(ctx, text, x, y, maxWidth) {
  ctx.font = "12px system-ui, sans-serif";
  const words = String(text).split(" ");
  const lines = [];
  let line = "";
  for (const word of words) {
    const next = line ? `${line} ${word}` : word;
    if (ctx.measureText(next).width > 280 && line) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  const width = Math.min(300, Math.max(...lines.map((l) => ctx.measureText(l).width)) + 16);
  const left = Math.max(4, Math.min(maxWidth - width - 4, x - width / 2));
  const height = lines.length * 16 + 10;
  ctx.fillStyle = "#fff4ec";
  ctx.strokeStyle = CONFLICT;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.rect(left, y, width, height);
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = "#5c1d00";
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  lines.forEach((l, i) => ctx.fillText(l, left + 8, y + 6 + i * 16));
}
