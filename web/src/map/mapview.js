// The map: two canvases (the basemap, redrawn when the view moves; the picture, redrawn when the
// view, the time or the data change), a view transform (k pixels per world unit, offset tx, ty),
// mouse, touch and keyboard navigation, hit testing, and a drawing tool's overlay.
//
// Shapes are kept as Path2D in world units (geo.js), so a frame sets one transform per world copy
// and fills paths; units are stamped from a symbol cache. Nothing per vertex runs per frame.
import { CONFLICT, partyStyle, patternTile } from "./palette.js";
import { WORLD, project, unproject, worldGeometry } from "./geo.js";
import { symbolImage } from "./symbols.js";

const MIN_DRAG = 4;
const UNIT_HIT = 14;
const MAX_K = 2 ** 24 / WORLD;
const FRAME_HISTORY = 240;

export class MapView {
  constructor(container, { onSelect = () => {}, onPointer = () => {}, onKey = null } = {}) {
    this.container = container;
    this.onSelect = onSelect;
    this.onPointer = onPointer;
    this.onKey = onKey;
    this.base = document.createElement("canvas");
    this.base.className = "map-base";
    this.base.setAttribute("aria-hidden", "true");
    this.canvas = document.createElement("canvas");
    this.canvas.className = "map-overlay";
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "application");
    this.canvas.setAttribute("aria-roledescription", "map");
    this.canvas.setAttribute(
      "aria-label",
      "Map. Arrow keys pan, plus and minus zoom, 0 fits the picture, Enter selects what is under the centre cross, Escape clears.",
    );
    this.crosshair = document.createElement("div");
    this.crosshair.className = "map-crosshair";
    this.crosshair.setAttribute("aria-hidden", "true");
    container.append(this.base, this.canvas, this.crosshair);
    this.baseCtx = this.base.getContext("2d");
    this.ctx = this.canvas.getContext("2d");
    this.basemap = null;
    this.scene = { volumes: [], units: [], measures: [], conflicts: [] };
    this.selected = null;
    this.tool = null;
    this.k = 4;
    this.tx = 0;
    this.ty = 0;
    this.width = 0;
    this.height = 0;
    this.dpr = Math.max(1, Math.min(2, window.devicePixelRatio || 1));
    this.baseDirty = true;
    this.dirty = true;
    this.frame = null;
    this.frameTimes = [];
    this.lastFrame = 0;
    this.drawn = { units: 0, volumes: 0, measures: 0, conflicts: 0 };
    this._bind();
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
  }

  // --- view ---------------------------------------------------------------------------------

  resize() {
    const rect = this.container.getBoundingClientRect();
    const width = Math.max(1, Math.round(rect.width));
    const height = Math.max(1, Math.round(rect.height));
    if (width === this.width && height === this.height) return;
    const first = this.width === 0;
    const centre = first ? null : this.centre();
    this.width = width;
    this.height = height;
    for (const c of [this.base, this.canvas]) {
      c.width = Math.round(width * this.dpr);
      c.height = Math.round(height * this.dpr);
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    if (first) this.fitWorld();
    else this.centreOn(centre[0], centre[1], this.k);
    this.invalidate(true);
  }

  minK() {
    return Math.max(this.width / (WORLD * 1.2), this.height / WORLD) * 0.9;
  }

  fitWorld() {
    this.k = this.minK();
    this.tx = (this.width - WORLD * this.k) / 2;
    this.ty = (this.height - WORLD * this.k) / 2;
  }

  /** The lon/lat at the centre of the view. */
  centre() {
    return this.toLonLat(this.width / 2, this.height / 2);
  }

  centreOn(lon, lat, k = this.k) {
    const [x, y] = project(lon, lat);
    this.k = Math.min(MAX_K, Math.max(this.minK(), k));
    this.tx = this.width / 2 - x * this.k;
    this.ty = this.height / 2 - y * this.k;
    this._clampY();
    this.invalidate(true);
  }

  /** Fit a box in world units [x0, y0, x1, y1], with a margin. */
  fitBox(box, margin = 40) {
    if (!box || !Number.isFinite(box[0])) return;
    const w = Math.max(box[2] - box[0], 1e-6);
    const hgt = Math.max(box[3] - box[1], 1e-6);
    const k = Math.min((this.width - 2 * margin) / w, (this.height - 2 * margin) / hgt, 2 ** 14);
    this.k = Math.min(MAX_K, Math.max(this.minK(), k));
    this.tx = this.width / 2 - ((box[0] + box[2]) / 2) * this.k;
    this.ty = this.height / 2 - ((box[1] + box[3]) / 2) * this.k;
    this._clampY();
    this.invalidate(true);
  }

  toLonLat(sx, sy) {
    return unproject((sx - this.tx) / this.k, (sy - this.ty) / this.k);
  }

  toScreen(lon, lat) {
    const [x, y] = project(lon, lat);
    return this._nearestCopy(x * this.k + this.tx, y * this.k + this.ty);
  }

  _nearestCopy(sx, sy) {
    const span = WORLD * this.k;
    let x = sx;
    while (x < -span / 2) x += span;
    while (x > this.width + span / 2) x -= span;
    return [x, sy];
  }

  zoomAt(sx, sy, factor) {
    const k = Math.min(MAX_K, Math.max(this.minK(), this.k * factor));
    const f = k / this.k;
    this.tx = sx - (sx - this.tx) * f;
    this.ty = sy - (sy - this.ty) * f;
    this.k = k;
    this._clampY();
    this.invalidate(true);
  }

  panBy(dx, dy) {
    this.tx += dx;
    this.ty += dy;
    this._clampY();
    this.invalidate(true);
  }

  _clampY() {
    const span = WORLD * this.k;
    if (span <= this.height) this.ty = (this.height - span) / 2;
    else this.ty = Math.min(0, Math.max(this.height - span, this.ty));
    // Keep tx within one world so numbers stay small however far the member pans east or west.
    while (this.tx > 0) this.tx -= span;
    while (this.tx < -span) this.tx += span;
  }

  /** Offsets (in world widths) of the world copies the view shows. */
  _copies() {
    const x0 = -this.tx / this.k;
    const x1 = (this.width - this.tx) / this.k;
    const out = [];
    for (let n = Math.floor(x0 / WORLD) - 1; n <= Math.floor(x1 / WORLD) + 1; n += 1) out.push(n);
    return out;
  }

  // --- content ------------------------------------------------------------------------------

  setBasemap(basemap) {
    this.basemap = basemap;
    this.invalidate(true);
  }

  /** {volumes, units, measures, conflicts} as the picture model and conflicts give them. */
  setScene(scene) {
    this.scene = scene;
    this.invalidate();
  }

  select(selection, { centre = false } = {}) {
    this.selected = selection;
    if (centre && selection) {
      const box = this.boxOf(selection);
      if (box) {
        const cx = (box[0] + box[2]) / 2;
        const cy = (box[1] + box[3]) / 2;
        const [lon, lat] = unproject(cx, cy);
        const zoom = Math.max(this.k, Math.min((this.width * 0.5) / Math.max(box[2] - box[0], 1e-4), 2 ** 12));
        this.centreOn(lon, lat, zoom);
      }
    }
    this.invalidate();
  }

  boxOf(selection) {
    const item = selection.item;
    if (selection.type === "unit") {
      const [x, y] = (item.xy ||= project(item.position[0], item.position[1]));
      return [x, y, x, y];
    }
    if (selection.type === "operation") return (selection.volume?.geom || geomOf(item.volumes[0]))?.box;
    if (selection.type === "measure") return geomOf(item).box;
    if (selection.type === "conflict") return geomOf(item).box;
    return null;
  }

  setTool(tool) {
    this.tool = tool;
    this.crosshair.classList.toggle("visible", Boolean(tool));
    this.canvas.classList.toggle("drawing", Boolean(tool));
    this.invalidate();
  }

  invalidate(base = false) {
    if (base) this.baseDirty = true;
    this.dirty = true;
    if (this.frame === null) this.frame = requestAnimationFrame(() => this._render());
  }

  // --- rendering ----------------------------------------------------------------------------

  _render() {
    this.frame = null;
    const started = performance.now();
    if (this.baseDirty) this._renderBase();
    if (this.dirty) this._renderOverlay();
    this.baseDirty = false;
    this.dirty = false;
    const took = performance.now() - started;
    this.lastFrame = took;
    this.frameTimes.push(took);
    if (this.frameTimes.length > FRAME_HISTORY) this.frameTimes.shift();
  }

  _worldTransform(ctx, copy) {
    const d = this.dpr;
    ctx.setTransform(d * this.k, 0, 0, d * this.k, d * (this.tx + copy * WORLD * this.k), d * this.ty);
  }

  _renderBase() {
    const ctx = this.baseCtx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#dde8ef";
    ctx.fillRect(0, 0, this.base.width, this.base.height);
    if (!this.basemap) return;
    for (const copy of this._copies()) {
      this._worldTransform(ctx, copy);
      ctx.fillStyle = "#f4f1ea";
      ctx.fill(this.basemap.land);
      ctx.lineWidth = 0.6 / this.k;
      ctx.strokeStyle = "#9a9488";
      ctx.stroke(this.basemap.borders);
      ctx.lineWidth = 0.8 / this.k;
      ctx.strokeStyle = "#6f8796";
      ctx.stroke(this.basemap.coast);
    }
    this._graticule(ctx);
  }

  _graticule(ctx) {
    const d = this.dpr;
    ctx.setTransform(d, 0, 0, d, 0, 0);
    const [, lat1] = this.toLonLat(0, 0);
    const [, lat0] = this.toLonLat(this.width, this.height);
    const spanLon = (this.width / this.k / WORLD) * 360;
    const steps = [30, 10, 5, 2, 1, 0.5, 0.25, 0.1, 0.05, 0.01];
    const step = steps.find((s) => spanLon / s >= 3) ?? 0.01;
    ctx.strokeStyle = "rgba(60, 80, 100, 0.18)";
    ctx.lineWidth = 1;
    ctx.fillStyle = "#3d4f5c";
    ctx.font = "11px system-ui, sans-serif";
    ctx.beginPath();
    const startX = -this.tx / this.k;
    const lonStart = Math.floor(((startX / WORLD) * 360 - 180) / step) * step;
    for (let lon = lonStart; lon <= lonStart + spanLon + step; lon += step) {
      const x = ((lon + 180) / 360) * WORLD * this.k + this.tx;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, this.height);
    }
    for (let lat = Math.ceil(lat0 / step) * step; lat <= lat1; lat += step) {
      const [, y] = project(0, lat);
      const sy = y * this.k + this.ty;
      ctx.moveTo(0, sy);
      ctx.lineTo(this.width, sy);
    }
    ctx.stroke();
  }

  _visible(box, copy) {
    const x0 = box[0] * this.k + this.tx + copy * WORLD * this.k;
    const x1 = box[2] * this.k + this.tx + copy * WORLD * this.k;
    const y0 = box[1] * this.k + this.ty;
    const y1 = box[3] * this.k + this.ty;
    return x1 >= -20 && x0 <= this.width + 20 && y1 >= -20 && y0 <= this.height + 20;
  }

  _renderOverlay() {
    const ctx = this.ctx;
    const d = this.dpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const { volumes, units, measures, conflicts } = this.scene;
    const copies = this._copies();
    const patterns = new Map();
    const patternFor = (party) => {
      if (!patterns.has(party)) {
        const pattern = ctx.createPattern(patternTile(party), "repeat");
        pattern.setTransform(new DOMMatrix().scaleSelf(1 / this.k, 1 / this.k));
        patterns.set(party, pattern);
      }
      return patterns.get(party);
    };
    const drawn = { units: 0, volumes: 0, measures: 0, conflicts: 0 };
    const labels = [];

    for (const copy of copies) {
      this._worldTransform(ctx, copy);
      // Areas of control measures, under the operations.
      for (const m of measures) {
        const g = geomOf(m);
        if (!g.area || !this._visible(g.box, copy)) continue;
        ctx.fillStyle = patternFor(m.party);
        ctx.fill(g.area, "evenodd");
        ctx.setLineDash([6 / this.k, 4 / this.k]);
        ctx.lineWidth = 2 / this.k;
        ctx.strokeStyle = partyStyle(m.party).colour;
        ctx.stroke(g.area);
        ctx.setLineDash([]);
        drawn.measures += 1;
        if (copy === 0) labels.push({ g, text: `${m.kind.replaceAll("_", " ")} · ${m.party}`, strong: false });
      }
      // Operations' footprints: the party's pattern and colour.
      for (const { op, volume } of volumes) {
        const g = geomOf(volume);
        if (!g.area || !this._visible(g.box, copy)) continue;
        ctx.globalAlpha = op.state === "completed" ? 0.45 : 1;
        ctx.fillStyle = patternFor(op.party);
        ctx.fill(g.area, "evenodd");
        ctx.lineWidth = 1.5 / this.k;
        ctx.strokeStyle = partyStyle(op.party).colour;
        ctx.stroke(g.area);
        ctx.globalAlpha = 1;
        drawn.volumes += 1;
        if (copy === 0) labels.push({ g, text: `${op.party} · ${op.ref} · ${op.kind.replaceAll("_", " ")}`, strong: true });
      }
      // Lines of control measures.
      for (const m of measures) {
        const g = geomOf(m);
        if (!g.line || !this._visible(g.box, copy)) continue;
        ctx.lineWidth = 3 / this.k;
        ctx.strokeStyle = partyStyle(m.party).colour;
        ctx.setLineDash(m.kind.includes("boundary") ? [10 / this.k, 5 / this.k] : []);
        ctx.stroke(g.line);
        ctx.setLineDash([]);
        drawn.measures += 1;
      }
      // Conflicts: a white halo under a dashed vermillion outline, so they show on any fill.
      for (const c of conflicts) {
        const g = geomOf(c);
        if (!this._visible(g.box, copy)) continue;
        for (const [width, colour, dash] of [
          [7, "rgba(255,255,255,0.9)", []],
          [3.5, CONFLICT, [8, 5]],
        ]) {
          ctx.lineWidth = width / this.k;
          ctx.strokeStyle = colour;
          ctx.setLineDash(dash.map((v) => v / this.k));
          if (g.area) ctx.stroke(g.area);
          if (g.line) ctx.stroke(g.line);
        }
        ctx.setLineDash([]);
        drawn.conflicts += 1;
      }
    }

    // Screen-space layers: ticks on lines' protected sides, labels, symbols, markers.
    ctx.setTransform(d, 0, 0, d, 0, 0);
    for (const m of measures) if (geomOf(m).line) this._sideTicks(ctx, m, copies);
    this._labels(ctx, labels);
    drawn.units = this._units(ctx, units, copies);
    for (const c of conflicts) this._conflictMark(ctx, c, copies);
    if (this.selected) this._selection(ctx, copies);
    if (this.tool) this.tool.render(ctx, this);
    this.drawn = drawn;
  }

  _sideTicks(ctx, m, copies) {
    if (!m.permittedSides) return;
    const g = geomOf(m);
    const parties = Object.entries(m.permittedSides);
    const colour = partyStyle(m.party).colour;
    for (const copy of copies) {
      if (!this._visible(g.box, copy)) continue;
      for (const pts of g.lines) {
        const screen = pts.map(([x, y]) => [x * this.k + this.tx + copy * WORLD * this.k, y * this.k + this.ty]);
        parties.forEach(([party, side], i) => {
          // Ticks point into the side the party may NOT strike: the side the line protects.
          const sign = side === "left" ? 1 : -1;
          ctx.strokeStyle = partyStyle(party).colour || colour;
          ctx.lineWidth = 2;
          let carry = 12 + i * 8;
          for (let s = 0; s < screen.length - 1; s += 1) {
            const [x0, y0] = screen[s];
            const [x1, y1] = screen[s + 1];
            const len = Math.hypot(x1 - x0, y1 - y0);
            if (len < 1e-6) continue;
            const ux = (x1 - x0) / len;
            const uy = (y1 - y0) / len;
            // Left of travel on screen (y down) is (uy, -ux), right is (-uy, ux): ticks go to the side
            // opposite the permitted one.
            const nx = -sign * uy;
            const ny = sign * ux;
            let at = carry;
            ctx.beginPath();
            while (at < len) {
              const px = x0 + ux * at;
              const py = y0 + uy * at;
              ctx.moveTo(px, py);
              ctx.lineTo(px + nx * (9 + i * 4), py + ny * (9 + i * 4));
              at += 26;
            }
            ctx.stroke();
            carry = at - len;
          }
          const mid = screen[Math.floor(screen.length / 2)];
          const [x0, y0] = screen[Math.max(0, Math.floor(screen.length / 2) - 1)];
          const ux = mid[0] - x0;
          const uy = mid[1] - y0;
          const len = Math.hypot(ux, uy) || 1;
          const nx = (-sign * uy) / len;
          const ny = (sign * ux) / len;
          haloText(ctx, `${party}: no strike`, mid[0] + nx * 26, mid[1] + ny * 26, "#1b1b1b", 11);
        });
      }
    }
  }

  _labels(ctx, labels) {
    if (labels.length > 400) return;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (const { g, text, strong } of labels) {
      const w = (g.box[2] - g.box[0]) * this.k;
      if (w < 60) continue;
      const [sx, sy] = this._nearestCopy(g.centre[0] * this.k + this.tx, g.centre[1] * this.k + this.ty);
      haloText(ctx, text, sx, sy, strong ? "#111" : "#333", strong ? 12 : 11);
    }
  }

  _units(ctx, units, copies) {
    const size = this.k > 256 ? 26 : this.k > 24 ? 20 : 14;
    const showNames = units.length < 300 && this.k > 64;
    const span = WORLD * this.k;
    let count = 0;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    for (const { report, stale } of units) {
      const [x, y] = (report.xy ||= project(report.position[0], report.position[1]));
      const sy = y * this.k + this.ty;
      if (sy < -30 || sy > this.height + 30) continue;
      const img = symbolImage(report.sidc, size);
      for (const copy of copies) {
        const sx = x * this.k + this.tx + copy * span;
        if (sx < -30 || sx > this.width + 30) continue;
        ctx.globalAlpha = stale ? 0.35 : 1;
        ctx.drawImage(img.canvas, sx - img.anchor.x, sy - img.anchor.y, img.width, img.height);
        ctx.globalAlpha = 1;
        if (showNames) haloText(ctx, report.name || report.unit, sx + img.width / 2 + 2, sy, stale ? "#555" : "#111", 11, "left");
        count += 1;
      }
    }
    return count;
  }

  _conflictMark(ctx, c, copies) {
    const g = geomOf(c);
    for (const copy of copies) {
      if (!this._visible(g.box, copy)) continue;
      const sx = g.centre[0] * this.k + this.tx + copy * WORLD * this.k;
      const sy = g.centre[1] * this.k + this.ty;
      ctx.beginPath();
      ctx.moveTo(sx, sy - 13);
      ctx.lineTo(sx + 12, sy + 9);
      ctx.lineTo(sx - 12, sy + 9);
      ctx.closePath();
      ctx.fillStyle = CONFLICT;
      ctx.strokeStyle = "white";
      ctx.lineWidth = 2;
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = "white";
      ctx.font = "bold 13px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText("!", sx, sy + 1);
      haloText(ctx, `conflict · ${c.rule}`, sx, sy + 20, "#7a2600", 11);
    }
  }

  _selection(ctx, copies) {
    const box = this.boxOf(this.selected);
    if (!box) return;
    for (const copy of copies) {
      const x0 = box[0] * this.k + this.tx + copy * WORLD * this.k;
      const x1 = box[2] * this.k + this.tx + copy * WORLD * this.k;
      const y0 = box[1] * this.k + this.ty;
      const y1 = box[3] * this.k + this.ty;
      if (x1 < -40 || x0 > this.width + 40) continue;
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#111";
      ctx.setLineDash([4, 3]);
      const pad = this.selected.type === "unit" ? 18 : 6;
      ctx.strokeRect(x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad);
      ctx.setLineDash([]);
    }
  }

  // --- hit testing --------------------------------------------------------------------------

  /** What is under screen point (sx, sy): {type, item, volume?} or null. */
  hit(sx, sy) {
    const { volumes, units, measures, conflicts } = this.scene;
    const span = WORLD * this.k;
    let best = null;
    let bestD = UNIT_HIT;
    for (const { report, stale } of units) {
      const [x, y] = (report.xy ||= project(report.position[0], report.position[1]));
      let px = x * this.k + this.tx;
      while (px < sx - span / 2) px += span;
      while (px > sx + span / 2) px -= span;
      const dist = Math.hypot(px - sx, y * this.k + this.ty - sy);
      if (dist < bestD) {
        bestD = dist;
        best = { type: "unit", item: report, stale };
      }
    }
    if (best) return best;
    const ctx = this.ctx;
    const inside = (g, stroke = false) => {
      for (const copy of this._copies()) {
        if (!this._visible(g.box, copy)) continue;
        this._worldTransform(ctx, copy);
        const x = sx * this.dpr;
        const y = sy * this.dpr;
        if (g.area && ctx.isPointInPath(g.area, x, y, "evenodd")) return true;
        if (stroke && g.line) {
          ctx.lineWidth = 12 / this.k;
          if (ctx.isPointInStroke(g.line, x, y)) return true;
        }
      }
      return false;
    };
    try {
      for (const c of conflicts) if (inside(geomOf(c), true)) return { type: "conflict", item: c };
      for (const m of measures) if (geomOf(m).line && inside(geomOf(m), true)) return { type: "measure", item: m };
      let smallest = null;
      for (const { op, volume } of volumes) {
        const g = geomOf(volume);
        if (!inside(g)) continue;
        const area = (g.box[2] - g.box[0]) * (g.box[3] - g.box[1]);
        if (!smallest || area < smallest.area) smallest = { area, hit: { type: "operation", item: op, volume } };
      }
      if (smallest) return smallest.hit;
      for (const m of measures) if (geomOf(m).area && inside(geomOf(m))) return { type: "measure", item: m };
    } finally {
      ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    }
    return null;
  }

  // --- input --------------------------------------------------------------------------------

  _bind() {
    const canvas = this.canvas;
    let drag = null;
    canvas.addEventListener("pointerdown", (e) => {
      canvas.focus({ preventScroll: true });
      canvas.setPointerCapture(e.pointerId);
      drag = { x: e.offsetX, y: e.offsetY, moved: false };
    });
    canvas.addEventListener("pointermove", (e) => {
      this.onPointer(this.toLonLat(e.offsetX, e.offsetY));
      if (this.tool) {
        this.tool.hover(this.toLonLat(e.offsetX, e.offsetY));
        this.invalidate();
      }
      if (!drag) return;
      const dx = e.offsetX - drag.x;
      const dy = e.offsetY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < MIN_DRAG) return;
      drag.moved = true;
      drag.x = e.offsetX;
      drag.y = e.offsetY;
      this.panBy(dx, dy);
    });
    canvas.addEventListener("pointerup", (e) => {
      const was = drag;
      drag = null;
      if (!was || was.moved) return;
      if (this.tool) {
        // The second click of a double-click (which finishes) adds no second point on the first.
        const last = this.tool.vertices[this.tool.vertices.length - 1];
        if (last) {
          const [lx, ly] = this.toScreen(last[0], last[1]);
          if (Math.hypot(lx - e.offsetX, ly - e.offsetY) < 5) return;
        }
        this.tool.click(this.toLonLat(e.offsetX, e.offsetY));
        this.invalidate();
        return;
      }
      this.onSelect(this.hit(e.offsetX, e.offsetY));
    });
    canvas.addEventListener("dblclick", (e) => {
      e.preventDefault();
      if (this.tool) this.tool.finish();
      else this.zoomAt(e.offsetX, e.offsetY, 2);
    });
    canvas.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        this.zoomAt(e.offsetX, e.offsetY, Math.exp(-e.deltaY * 0.0015));
      },
      { passive: false },
    );
    canvas.addEventListener("keydown", (e) => this._key(e));
  }

  _key(e) {
    if (this.onKey && this.onKey(e)) {
      e.preventDefault();
      return;
    }
    const step = e.shiftKey ? 0.5 : 0.12;
    const cx = this.width / 2;
    const cy = this.height / 2;
    const keys = {
      ArrowLeft: () => this.panBy(this.width * step, 0),
      ArrowRight: () => this.panBy(-this.width * step, 0),
      ArrowUp: () => this.panBy(0, this.height * step),
      ArrowDown: () => this.panBy(0, -this.height * step),
      "+": () => this.zoomAt(cx, cy, 1.5),
      "=": () => this.zoomAt(cx, cy, 1.5),
      "-": () => this.zoomAt(cx, cy, 1 / 1.5),
      _: () => this.zoomAt(cx, cy, 1 / 1.5),
    };
    if (this.tool) {
      const at = this.toLonLat(cx, cy);
      if (e.key === " " || e.key === "Spacebar") {
        this.tool.click(at);
        this.invalidate();
        e.preventDefault();
        return;
      }
      if (e.key === "Enter") {
        this.tool.finish();
        e.preventDefault();
        return;
      }
      if (e.key === "Backspace") {
        this.tool.undo();
        this.invalidate();
        e.preventDefault();
        return;
      }
      if (e.key === "Escape") {
        this.tool.cancel();
        e.preventDefault();
        return;
      }
    } else if (e.key === "Enter" || e.key === " ") {
      this.crosshair.classList.add("visible");
      this.onSelect(this.hit(cx, cy));
      e.preventDefault();
      return;
    } else if (e.key === "Escape") {
      this.onSelect(null);
      e.preventDefault();
      return;
    }
    const action = keys[e.key];
    if (action) {
      this.crosshair.classList.add("visible");
      action();
      if (this.tool) this.tool.hover(this.toLonLat(cx, cy));
      e.preventDefault();
    }
  }

  /** Frame statistics in milliseconds over the last frames: {count, median, p95, max, last}. */
  frameStats() {
    const sorted = [...this.frameTimes].sort((a, b) => a - b);
    const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0);
    return { count: sorted.length, median: at(0.5), p95: at(0.95), max: at(1), last: this.lastFrame };
  }
}

/** A shape's world geometry, built once and kept on the object. */
export function geomOf(item) {
  if (!item.geom) item.geom = worldGeometry(item.shape);
  return item.geom;
}

function haloText(ctx, text, x, y, colour, size, align = "center") {
  ctx.font = `${size}px system-ui, sans-serif`;
  ctx.textAlign = align;
  ctx.textBaseline = "middle";
  ctx.lineWidth = 3;
  ctx.strokeStyle = "rgba(255,255,255,0.92)";
  ctx.lineJoin = "round";
  ctx.strokeText(text, x, y);
  ctx.fillStyle = colour;
  ctx.fillText(text, x, y);
}
