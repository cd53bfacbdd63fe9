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
const OCEAN = "#dde8ef";
/** Above this many units in view, units are drawn as frame markers, not full symbols. */
export const SYMBOL_LIMIT = 1500;
/** Fill of the symbol frames of MIL-STD-2525 standard identities (its "light" colours). */
const FRAME_FILL = { friend: "#80e0ff", hostile: "#ff8080", neutral: "#aaffaa", unknown: "#ffff80" };
/** Beyond this many labels, footprints and areas go unlabelled. */
const LABEL_LIMIT = 400;
/** Beyond this many footprints in view, they are filled plainly, without pattern or outline. */
const DETAIL_LIMIT = 800;
/** How long after the last pan or zoom the map is drawn afresh (until then, moved snapshots). */
const SETTLE_MS = 140;

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
    // Selection and the drawing tool go on a canvas of their own: changing them redraws nothing else.
    this.top = document.createElement("canvas");
    this.top.className = "map-top";
    this.top.setAttribute("aria-hidden", "true");
    this.crosshair = document.createElement("div");
    this.crosshair.className = "map-crosshair";
    this.crosshair.setAttribute("aria-hidden", "true");
    container.append(this.base, this.canvas, this.top, this.crosshair);
    this.baseCtx = this.base.getContext("2d");
    this.ctx = this.canvas.getContext("2d");
    this.topCtx = this.top.getContext("2d");
    this.basemap = null;
    this.scene = { volumes: [], units: [], measures: [], conflicts: [] };
    this.groups = null;
    this.selected = null;
    this.tool = null;
    this.k = 4;
    this.tx = 0;
    this.ty = 0;
    this.width = 0;
    this.height = 0;
    this.dpr = Math.max(1, Math.min(2, window.devicePixelRatio || 1));
    this.viewDirty = true;
    this.contentDirty = true;
    this.lastMove = 0;
    this.settleTimer = null;
    this.shots = { base: null, overlay: null };
    this.unitLayer = document.createElement("canvas");
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
    for (const c of [this.base, this.canvas, this.top]) {
      c.width = Math.round(width * this.dpr);
      c.height = Math.round(height * this.dpr);
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    this.shots = { base: null, overlay: null };
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
  fitBox(box, margin = Math.max(40, Math.min(this.width, this.height) * 0.2)) {
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
    this.lastMove = performance.now();
    const k = Math.min(MAX_K, Math.max(this.minK(), this.k * factor));
    const f = k / this.k;
    this.tx = sx - (sx - this.tx) * f;
    this.ty = sy - (sy - this.ty) * f;
    this.k = k;
    this._clampY();
    this.invalidate(true);
  }

  panBy(dx, dy) {
    this.lastMove = performance.now();
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

  /**
   * Offsets (in world widths) of the world copies to draw: those the view shows, and one more on
   * a side where shapes unwrapped across the antimeridian reach beyond the world's edge.
   */
  _copies() {
    const x0 = -this.tx / this.k;
    const x1 = (this.width - this.tx) / this.k;
    const reach = this.groups ? this.groups.reach : [0, WORLD];
    const out = [];
    for (let n = Math.floor((x0 - (reach[1] - WORLD)) / WORLD); n <= Math.floor((x1 - reach[0]) / WORLD); n += 1) out.push(n);
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
    this.groups = groupsOf(scene);
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
    this.invalidateTop();
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
    this.invalidateTop();
  }

  /** Ask for a frame: `view` when the view moved, otherwise the content (data, time, selection). */
  invalidate(view = false) {
    if (view) this.viewDirty = true;
    else this.contentDirty = true;
    if (this.frame === null) this.frame = requestAnimationFrame(() => this._render());
  }

  /** Ask for the selection and the drawing tool to be drawn again (and nothing else). */
  invalidateTop() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => this._render());
  }

  /**
   * Draw a frame. While the member pans or zooms, the last crisp frames are moved and scaled
   * (two image copies), and the map is drawn afresh SETTLE_MS after the movement stops, or at
   * once when the snapshots no longer cover the view well: a gesture never waits for ten thousand
   * symbols to be drawn again at every step.
   */
  _render() {
    this.frame = null;
    const started = performance.now();
    const moving = started - this.lastMove < SETTLE_MS;
    if (this.viewDirty && moving && !this.contentDirty && this._blit()) {
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(() => this.invalidate(true), SETTLE_MS);
    } else if (this.viewDirty || this.contentDirty) {
      if (this.viewDirty || !this.shots.base) this._renderBase();
      this._renderOverlay();
      this.shots.base = this._snapshot(this.base, this.shots.base);
      this.shots.overlay = this._snapshot(this.canvas, this.shots.overlay);
    }
    this.viewDirty = false;
    this.contentDirty = false;
    this._renderTop();
    const took = performance.now() - started;
    this.lastFrame = took;
    this.frameTimes.push(took);
    if (this.frameTimes.length > FRAME_HISTORY) this.frameTimes.shift();
  }

  _snapshot(source, shot) {
    const canvas = shot?.canvas || document.createElement("canvas");
    if (canvas.width !== source.width || canvas.height !== source.height) {
      canvas.width = source.width;
      canvas.height = source.height;
    }
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0);
    return { canvas, k: this.k, tx: this.tx, ty: this.ty };
  }

  /** Move and scale the snapshots to the current view; false when they would not do. */
  _blit() {
    const { base, overlay } = this.shots;
    if (!base || !overlay) return false;
    const scale = this.k / base.k;
    const dx = this.tx - base.tx * scale;
    const dy = this.ty - base.ty * scale;
    if (scale < 0.5 || scale > 2 || Math.abs(dx) > this.width * 0.6 || Math.abs(dy) > this.height * 0.6) return false;
    const d = this.dpr;
    const w = this.base.width * scale;
    const hgt = this.base.height * scale;
    this.baseCtx.setTransform(1, 0, 0, 1, 0, 0);
    this.baseCtx.fillStyle = OCEAN;
    this.baseCtx.fillRect(0, 0, this.base.width, this.base.height);
    this.baseCtx.drawImage(base.canvas, dx * d, dy * d, w, hgt);
    this.ctx.setTransform(1, 0, 0, 1, 0, 0);
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.ctx.drawImage(overlay.canvas, dx * d, dy * d, w, hgt);
    return true;
  }

  _worldTransform(ctx, copy) {
    const d = this.dpr;
    ctx.setTransform(d * this.k, 0, 0, d * this.k, d * (this.tx + copy * WORLD * this.k), d * this.ty);
  }

  _renderBase() {
    const ctx = this.baseCtx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = OCEAN;
    ctx.fillRect(0, 0, this.base.width, this.base.height);
    if (!this.basemap) return;
    // Natural Earth 1:110m while a continent or more is in view; 1:50m closer in.
    const map = this.k < 24 && this.basemap.coarse ? this.basemap.coarse : this.basemap;
    for (const copy of this._copies()) {
      this._worldTransform(ctx, copy);
      ctx.fillStyle = "#f4f1ea";
      ctx.fill(map.land);
      ctx.lineWidth = 0.6 / this.k;
      ctx.strokeStyle = "#9a9488";
      ctx.stroke(map.borders);
      ctx.lineWidth = 0.8 / this.k;
      ctx.strokeStyle = "#6f8796";
      ctx.stroke(map.coast);
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
    const { units, measures, conflicts } = this.scene;
    const groups = this.groups || groupsOf(this.scene);
    const copies = this._copies();
    const patterns = new Map();
    const patternFor = (party) => {
      if (!patterns.has(party)) {
        const pattern = ctx.createPattern(patternTile(party), "repeat");
        // Anchored at the screen's corner, not the world's: far out at a high zoom, a pattern
        // anchored at the world's origin loses its precision and smears into stripes.
        pattern.setTransform(
          new DOMMatrix().translateSelf(-this.tx / this.k, -this.ty / this.k).scaleSelf(1 / this.k, 1 / this.k),
        );
        patterns.set(party, pattern);
      }
      return patterns.get(party);
    };
    const drawn = { units: 0, volumes: groups.volumes, measures: measures.length, conflicts: conflicts.length };

    // Areas of control measures under the operations; then the operations' footprints. Shapes
    // in view are batched into one path per party and style, so a frame makes a few fills
    // however many shapes there are; with very many in view, plain fills without outlines.
    const inView = [];
    for (const copy of copies) {
      for (const layer of [groups.measureAreas, groups.operations]) {
        for (const g of layer) {
          const path = new Path2D();
          let count = 0;
          const offset = new DOMMatrix().translateSelf(copy * WORLD, 0);
          for (const item of g.items) {
            if (!this._visible(item.box, copy)) continue;
            path.addPath(item.area, offset);
            count += 1;
          }
          if (count) inView.push({ g, path, count });
        }
      }
    }
    const detailed = inView.reduce((n, x) => n + x.count, 0) <= DETAIL_LIMIT;
    this._worldTransform(ctx, 0);
    for (const { g, path } of inView) {
      ctx.globalAlpha = g.alpha * (detailed ? 1 : 0.55);
      if (detailed) {
        ctx.fillStyle = patternFor(g.party);
        ctx.fill(path, "evenodd");
        ctx.lineWidth = (g.dashed ? 2 : 1.5) / this.k;
        ctx.strokeStyle = partyStyle(g.party).colour;
        ctx.setLineDash(g.dashed ? [6 / this.k, 4 / this.k] : []);
        ctx.stroke(path);
      } else {
        ctx.fillStyle = partyStyle(g.party).colour;
        ctx.fill(path, "evenodd");
      }
    }
    ctx.globalAlpha = 1;
    ctx.setLineDash([]);

    for (const copy of copies) {
      this._worldTransform(ctx, copy);
      // Lines of control measures.
      for (const m of measures) {
        const g = geomOf(m);
        if (!g.line || !this._visible(g.box, copy)) continue;
        ctx.lineWidth = 3 / this.k;
        ctx.strokeStyle = partyStyle(m.party).colour;
        ctx.setLineDash(m.kind.includes("boundary") ? [10 / this.k, 5 / this.k] : []);
        ctx.stroke(g.line);
        ctx.setLineDash([]);
      }
    }
    // Conflicts, batched: a white halo under a dashed vermillion outline, so they show on any fill.
    const clashes = new Path2D();
    for (const copy of copies) {
      const offset = new DOMMatrix().translateSelf(copy * WORLD, 0);
      for (const c of conflicts) {
        const g = geomOf(c);
        if (!this._visible(g.box, copy)) continue;
        if (g.area) clashes.addPath(g.area, offset);
        if (g.line) clashes.addPath(g.line, offset);
      }
    }
    this._worldTransform(ctx, 0);
    for (const [width, colour, dash] of [
      [7, "rgba(255,255,255,0.9)", []],
      [3.5, CONFLICT, [8, 5]],
    ]) {
      ctx.lineWidth = width / this.k;
      ctx.strokeStyle = colour;
      ctx.setLineDash(dash.map((v) => v / this.k));
      ctx.stroke(clashes);
    }
    ctx.setLineDash([]);

    // Screen-space layers: ticks on lines' protected sides, labels, symbols, markers.
    ctx.setTransform(d, 0, 0, d, 0, 0);
    for (const m of measures) if (geomOf(m).line) this._sideTicks(ctx, m, copies);
    this._labels(ctx, groups.labels);
    drawn.units = this._units(ctx, units, copies);
    const labelled = conflicts.length <= 40;
    for (const c of conflicts) this._conflictMark(ctx, c, copies, labelled);
    this.drawn = drawn;
  }

  _renderTop() {
    const ctx = this.topCtx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.top.width, this.top.height);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    if (this.selected) this._selection(ctx, this._copies());
    if (this.tool) this.tool.render(ctx, this);
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
    if (!labels) return;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (const { g, text, strong } of labels) {
      const w = (g.box[2] - g.box[0]) * this.k;
      if (w < 60) continue;
      const [sx, sy] = this._nearestCopy(g.centre[0] * this.k + this.tx, g.centre[1] * this.k + this.ty);
      haloText(ctx, text, sx, sy, strong ? "#111" : "#333", strong ? 12 : 11);
    }
  }

  /**
   * Unit symbols at their positions, stamped (see _stamp). With more than SYMBOL_LIMIT in view,
   * each unit is drawn as its symbol's frame in miniature (rectangle: friend, diamond: hostile,
   * square: neutral, circle: unknown), outlined in its party's colour: thousands of full symbols
   * at that scale would only cover each other.
   */
  _units(ctx, units, copies) {
    const span = WORLD * this.k;
    const shown = [];
    for (const u of units) {
      const report = u.report;
      const [x, y] = (report.xy ||= project(report.position[0], report.position[1]));
      const sy = y * this.k + this.ty;
      if (sy < -30 || sy > this.height + 30) continue;
      for (const copy of copies) {
        const sx = x * this.k + this.tx + copy * span;
        if (sx < -30 || sx > this.width + 30) continue;
        shown.push(sx, sy, u);
      }
    }
    const count = shown.length / 3;
    const d = this.dpr;
    if (count > SYMBOL_LIMIT) {
      this._stamp(ctx, shown, ({ report, stale }) => markerSprite(frameOf(report.sidc), partyStyle(report.party).colour, stale, d));
      return count;
    }
    const size = this.k > 256 ? 26 : this.k > 24 ? 20 : 16;
    this._stamp(ctx, shown, ({ report, stale }) => symbolSprite(report.sidc, size, stale));
    if (count < 300 && this.k > 64) {
      for (let i = 0; i < shown.length; i += 3) {
        const { report, stale } = shown[i + 2];
        const img = symbolImage(report.sidc, size);
        haloText(ctx, report.name || report.unit, shown[i] + img.width - img.anchor.x + 3, shown[i + 1], stale ? "#555" : "#111", 11, "left");
      }
    }
    return count;
  }

  /**
   * Stamp sprites into one image in script (each a block of pixels, copied where it is not
   * transparent) and draw that image with one copy. A software-rendered canvas draws ten
   * thousand small images or shapes hundreds of times slower than this.
   */
  _stamp(ctx, shown, spriteFor) {
    const d = this.dpr;
    const layer = this.unitLayer;
    if (layer.width !== this.canvas.width || layer.height !== this.canvas.height) {
      layer.width = this.canvas.width;
      layer.height = this.canvas.height;
      this.unitImage = null;
    }
    const lctx = layer.getContext("2d");
    this.unitImage ||= lctx.createImageData(layer.width, layer.height);
    const image = this.unitImage;
    const pixels = new Uint32Array(image.data.buffer);
    pixels.fill(0);
    const width = layer.width;
    const height = layer.height;
    for (let i = 0; i < shown.length; i += 3) {
      const sprite = spriteFor(shown[i + 2]);
      const x0 = Math.round(shown[i] * d) - sprite.ax;
      const y0 = Math.round(shown[i + 1] * d) - sprite.ay;
      for (let y = 0; y < sprite.h; y += 1) {
        const py = y0 + y;
        if (py < 0 || py >= height) continue;
        const row = py * width;
        const srow = y * sprite.w;
        for (let x = 0; x < sprite.w; x += 1) {
          const px = x0 + x;
          const value = sprite.pixels[srow + x];
          if (value !== 0 && px >= 0 && px < width) pixels[row + px] = value;
        }
      }
    }
    lctx.putImageData(image, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(layer, 0, 0);
    ctx.setTransform(d, 0, 0, d, 0, 0);
  }

  _conflictMark(ctx, c, copies, labelled = true) {
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
      if (labelled) haloText(ctx, `conflict · ${c.rule.replaceAll("_", " ")}`, sx, sy + 20, "#7a2600", 11);
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
    const copies = this._copies();
    const slop = 8 / this.k;
    const inside = (g, stroke = false) => {
      for (const copy of copies) {
        const wx = (sx - this.tx) / this.k - copy * WORLD;
        const wy = (sy - this.ty) / this.k;
        const [x0, y0, x1, y1] = g.box;
        if (wx < x0 - slop || wx > x1 + slop || wy < y0 - slop || wy > y1 + slop) continue;
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
        this.invalidateTop();
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
        this.invalidateTop();
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
        this.invalidateTop();
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
        this.invalidateTop();
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

/** The standard identity of a SIDC, as the shape of its frame. */
export function frameOf(sidc) {
  let identity;
  if (/^\d{20}(\d{10})?$/.test(sidc)) {
    identity = { 0: "unknown", 1: "unknown", 2: "friend", 3: "friend", 4: "neutral", 5: "hostile", 6: "hostile" }[sidc[3]];
  } else {
    identity = { F: "friend", A: "friend", D: "friend", M: "friend", H: "hostile", J: "hostile", K: "hostile", S: "hostile", N: "neutral", L: "neutral" }[sidc[1]];
  }
  return identity || "unknown";
}

/**
 * What the overlay draws of a scene, batched: one Path2D per party and style for footprints and
 * areas (a few fills a frame however many shapes), labels when they are few, and the reach of
 * the shapes in world x (beyond [0, WORLD] where they cross the antimeridian).
 */
function groupsOf(scene) {
  const byKey = new Map();
  const reach = [0, WORLD];
  const labels = [];
  const add = (key, party, alpha, dashed, g) => {
    let group = byKey.get(key);
    if (!group) {
      group = { party, alpha, dashed, items: [], kind: dashed ? "measure" : "operation" };
      byKey.set(key, group);
    }
    group.items.push(g);
    reach[0] = Math.min(reach[0], g.box[0]);
    reach[1] = Math.max(reach[1], g.box[2]);
  };
  const many = scene.volumes.length + scene.measures.length > LABEL_LIMIT;
  for (const m of scene.measures) {
    const g = geomOf(m);
    if (g.line) {
      reach[0] = Math.min(reach[0], g.box[0]);
      reach[1] = Math.max(reach[1], g.box[2]);
    }
    if (!g.area) continue;
    add(`m|${m.party}`, m.party, 1, true, g);
    if (!many) labels.push({ g, text: `${m.kind.replaceAll("_", " ")} · ${m.party}`, strong: false });
  }
  for (const { op, volume } of scene.volumes) {
    const g = geomOf(volume);
    if (!g.area) continue;
    const done = op.state === "completed";
    add(`o|${op.party}|${done}`, op.party, done ? 0.45 : 1, false, g);
    if (!many) labels.push({ g, text: `${op.party} · ${op.ref} · ${op.kind.replaceAll("_", " ")}`, strong: true });
  }
  const groups = [...byKey.values()];
  return {
    measureAreas: groups.filter((g) => g.kind === "measure"),
    operations: groups.filter((g) => g.kind === "operation"),
    labels,
    reach,
    volumes: scene.volumes.length,
  };
}

const sprites = new Map();

/** A marker as pixels: the frame shape filled in its identity's colour, outlined in the party's. */
function markerSprite(shape, colour, stale, dpr) {
  const key = `${shape}|${colour}|${stale}|${dpr}`;
  let sprite = sprites.get(key);
  if (sprite) return sprite;
  const size = Math.ceil(11 * dpr);
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext("2d");
  ctx.scale(dpr, dpr);
  const c = 5.5;
  ctx.beginPath();
  if (shape === "friend") ctx.rect(c - 4.5, c - 3.2, 9, 6.4);
  else if (shape === "hostile") {
    ctx.moveTo(c, c - 5);
    ctx.lineTo(c + 5, c);
    ctx.lineTo(c, c + 5);
    ctx.lineTo(c - 5, c);
    ctx.closePath();
  } else if (shape === "neutral") ctx.rect(c - 4, c - 4, 8, 8);
  else ctx.arc(c, c, 4.3, 0, Math.PI * 2);
  ctx.globalAlpha = stale ? 0.35 : 1;
  ctx.fillStyle = FRAME_FILL[shape];
  ctx.fill();
  ctx.lineWidth = 1.6;
  ctx.strokeStyle = colour;
  ctx.stroke();
  sprite = spriteOf(canvas, Math.floor(size / 2), Math.floor(size / 2));
  sprites.set(key, sprite);
  return sprite;
}

function spriteOf(canvas, ax, ay) {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  return { w: canvas.width, h: canvas.height, ax, ay, pixels: new Uint32Array(data.data.buffer.slice(0)) };
}

/** A MIL-STD-2525 symbol as pixels (faded when stale), anchored where the unit is. */
function symbolSprite(sidc, size, stale) {
  const key = `sym|${sidc}|${size}|${stale}`;
  let sprite = sprites.get(key);
  if (sprite) return sprite;
  const img = symbolImage(sidc, size);
  const canvas = document.createElement("canvas");
  canvas.width = img.canvas.width;
  canvas.height = img.canvas.height;
  const ctx = canvas.getContext("2d");
  ctx.globalAlpha = stale ? 0.35 : 1;
  ctx.drawImage(img.canvas, 0, 0);
  const scale = img.canvas.width / img.width;
  sprite = spriteOf(canvas, Math.round(img.anchor.x * scale), Math.round(img.anchor.y * scale));
  sprites.set(key, sprite);
  return sprite;
}
