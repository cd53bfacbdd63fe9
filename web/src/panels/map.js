// The map view: the picture at a moment (time control, play), what is selected, drawing new
// operations and control measures, a legend, and a list of what the map shows (the same content
// for keyboards and screen readers).
import { allPages, api, hasRoute, Problem } from "../api.js";
import { atLeast, debounce, facts, missingRoutes, pill, problemBox } from "../common.js";
import { announce, button, clearErrors, field, fill, h, setFieldError, shortId } from "../dom.js";
import { loadBasemap } from "../map/basemap.js";
import { DrawTool, MODES, parseCoordinates } from "../map/draw.js";
import { geomOf, MapView } from "../map/mapview.js";
import { allPartyStyles, swatch } from "../map/palette.js";
import { symbolDataUrl } from "../map/symbols.js";
import { altitudeText } from "../picture/decode.js";
import { PICTURE_KINDS, Picture } from "../picture/model.js";
import { fmt, fromInput, iso, relative, toInput } from "../time.js";
import { conflictDetails, ruleText } from "./conflicts.js";

const OPERATION_KINDS = ["air_strike", "artillery_fire", "ground_movement", "air_drop", "convoy", "humanitarian_site"];
const MEASURE_KINDS = ["bomb_line", "boundary", "no_fire_area", "restricted_operating_zone"];
const SPEEDS = [
  [60_000, "1 min per second"],
  [600_000, "10 min per second"],
  [3_600_000, "1 hour per second"],
  [21_600_000, "6 hours per second"],
];
const LIST_LIMIT = 150;

export function createMapPanel(app) {
  const picture = new Picture();
  app.picture = picture;
  const state = { t: Date.now(), follow: true, playing: false, speed: SPEEDS[1][0], replay: false, selected: null, drawing: null };

  // --- layout -----------------------------------------------------------------------------
  const stage = h("div", { class: "map-stage" });
  const coords = h("p", { class: "map-coords", "aria-hidden": "true" });
  const perf = h("p", { class: "map-perf", "aria-hidden": "true" });
  const loading = h("p", { class: "map-loading", role: "status", text: "Loading the basemap and the picture…" });
  const mayPlan = atLeast(app.session.role, "commander");
  const toolbar = h(
    "div",
    { class: "map-toolbar", role: "toolbar", "aria-label": "Map tools" },
    button("Zoom in", () => view.zoomAt(view.width / 2, view.height / 2, 1.6), { "aria-label": "Zoom in", class: "icon", text: "+" }),
    button("Zoom out", () => view.zoomAt(view.width / 2, view.height / 2, 1 / 1.6), { "aria-label": "Zoom out", class: "icon" }),
    button("Fit", () => fitPicture()),
    mayPlan && hasRoute("POST", "/v1/picture/operations") ? button("Draw operation", () => startDrawing("operation")) : null,
    mayPlan && hasRoute("POST", "/v1/picture/measures") ? button("Draw measure", () => startDrawing("measure")) : null,
  );
  toolbar.children[0].textContent = "+";
  toolbar.children[1].textContent = "−";
  const mapWrap = h("div", { class: "map-wrap" }, stage, toolbar, coords, perf, loading);

  const timeSlider = h("input", { type: "range", id: "time-slider", min: 0, max: 1, step: 60_000, "aria-label": "Time shown (UTC)" });
  const timeInput = h("input", { type: "datetime-local", id: "time-input", step: 60 });
  const playButton = button("Play", () => togglePlay(), { "aria-pressed": "false" });
  const speed = h("select", { "aria-label": "Playback speed" }, SPEEDS.map(([v, label]) => h("option", { value: v, text: label, selected: v === state.speed })));
  const replay = h("input", { type: "checkbox", id: "replay" });
  const timeText = h("p", { class: "time-text", role: "status" });
  const timeBox = h(
    "section",
    { class: "side-section", "aria-labelledby": "time-title" },
    h("h3", { id: "time-title", text: "Time" }),
    timeSlider,
    h("div", { class: "row" }, h("label", { for: "time-input", text: "At (UTC)" }), timeInput),
    h("div", { class: "row" }, button("Now", () => setTime(Date.now(), true)), playButton, speed),
    h("div", { class: "row check" }, replay, h("label", { for: "replay", text: "Replay: only what was on the record at that time" })),
    timeText,
  );
  const selectionBox = h("section", { class: "side-section selection", "aria-labelledby": "sel-title", hidden: true });
  const drawBox = h("section", { class: "side-section draw", "aria-labelledby": "draw-title", hidden: true });
  const conflictsBox = h("section", { class: "side-section", "aria-labelledby": "map-conflicts-title" });
  const legendBox = h("section", { class: "side-section legend", "aria-labelledby": "legend-title" });
  const listFilter = h("input", { type: "search", "aria-label": "Filter what the map shows", placeholder: "Filter by party, name, ref, kind" });
  const listBox = h("div", { class: "in-view" });
  const inView = h(
    "section",
    { class: "side-section", "aria-labelledby": "inview-title" },
    h("h3", { id: "inview-title", text: "On the map at this time" }),
    listFilter,
    listBox,
  );
  const side = h("aside", { class: "map-side", "aria-label": "Map details" }, timeBox, selectionBox, drawBox, conflictsBox, legendBox, inView);
  const el = h("section", { class: "view view-map", "aria-label": "Map" }, mapWrap, side);

  const view = new MapView(stage, {
    onSelect: (hit) => select(hit),
    onPointer: ([lon, lat]) => {
      coords.textContent = `${lat.toFixed(4)}°, ${lon.toFixed(4)}°`;
    },
  });
  app.mapView = view;
  // A handle for the browser tests and the benchmark: the map and the picture, never the session.
  window.liaison = { map: view, picture, conflicts: app.conflicts };

  // --- data -------------------------------------------------------------------------------
  let scene = null;
  const rebuild = () => {
    const at = picture.at(state.t, { replay: state.replay });
    const conflicts = app.conflicts.standing().filter((c) => (c.start <= state.t && state.t < c.end) || state.selected?.item === c);
    scene = { ...at, conflicts };
    view.setScene(scene);
    renderList();
    renderTimeText();
  };
  const rebuildSoon = debounce(rebuild, 60);

  async function loadPicture() {
    if (!hasRoute("GET", "/v1/entries")) return;
    // The three kinds load side by side; each page is drawn as it arrives.
    await Promise.all(
      PICTURE_KINDS.map((kind) =>
        allPages("/v1/entries", { kind }, "entries", (entries) => {
          for (const entry of entries) picture.ingest(entry);
          rebuildSoon();
        }),
      ),
    );
  }

  app.live.on(PICTURE_KINDS, (entry) => {
    if (picture.ingest(entry)) {
      updateRange();
      rebuildSoon();
    }
  });
  app.conflicts.subscribe(() => {
    rebuildSoon();
    renderConflicts();
  });

  // --- time -------------------------------------------------------------------------------
  /**
   * The slider spans the picture's times and the time shown; the present (from six hours back
   * to a day ahead) too when the picture is recent. A historical picture keeps a slider of its
   * own years rather than one stretched to today.
   */
  function updateRange() {
    const now = Date.now();
    const known = Number.isFinite(picture.first);
    const recent = !known || picture.last > now - 7 * 86_400_000;
    let lo = Math.min(known ? picture.first : now, state.t);
    let hi = Math.max(known ? picture.last : now, state.t);
    if (recent) {
      lo = Math.min(lo, now - 6 * 3_600_000);
      hi = Math.max(hi, now + 24 * 3_600_000);
    }
    timeSlider.min = String(Math.floor(lo / 60_000) * 60_000);
    timeSlider.max = String(Math.ceil(hi / 60_000) * 60_000);
    timeSlider.value = String(state.t);
  }

  function setTime(t, follow = false) {
    const outside = t < Number(timeSlider.min) || t > Number(timeSlider.max);
    state.t = t;
    if (outside) updateRange();
    state.follow = follow;
    timeSlider.value = String(t);
    timeSlider.setAttribute("aria-valuetext", `${fmt(t)}${follow ? ", following now" : ""}`);
    if (document.activeElement !== timeInput) timeInput.value = toInput(t);
    rebuild();
  }

  function renderTimeText() {
    const mode = state.follow ? "following now" : state.playing ? "playing" : "fixed";
    const c = scene ? scene : { units: [], volumes: [], measures: [], conflicts: [] };
    const stale = c.units.filter((u) => u.stale).length;
    timeText.textContent =
      `${fmt(state.t)} (${mode}${state.replay ? ", replay" : ""}): ${c.volumes.length} operation volumes, ` +
      `${c.units.length} units (${stale} stale), ${c.measures.length} measures, ${c.conflicts.length} conflicts.`;
  }

  let lastTick = 0;
  function tick(now) {
    if (!state.playing) return;
    const dt = lastTick ? now - lastTick : 0;
    lastTick = now;
    const next = state.t + (dt / 1000) * state.speed;
    if (next >= Number(timeSlider.max)) {
      setTime(Number(timeSlider.max));
      togglePlay();
      return;
    }
    setTime(next);
    requestAnimationFrame(tick);
  }

  function togglePlay() {
    state.playing = !state.playing;
    playButton.textContent = state.playing ? "Pause" : "Play";
    playButton.setAttribute("aria-pressed", String(state.playing));
    if (state.playing) {
      state.follow = false;
      lastTick = 0;
      requestAnimationFrame(tick);
    }
    renderTimeText();
  }

  timeSlider.addEventListener("input", () => setTime(Number(timeSlider.value)));
  timeInput.addEventListener("change", () => {
    const t = fromInput(timeInput.value);
    if (Number.isFinite(t)) setTime(t);
  });
  speed.addEventListener("change", () => {
    state.speed = Number(speed.value);
  });
  replay.addEventListener("change", () => {
    state.replay = replay.checked;
    rebuild();
  });
  // Following "now": move with the clock, so stale units fade as they go stale.
  const clock = setInterval(() => {
    if (state.follow) setTime(Date.now(), true);
  }, 15_000);

  // --- selection --------------------------------------------------------------------------
  function select(hit, { centre = false } = {}) {
    state.selected = hit;
    view.select(hit, { centre });
    if (!hit) {
      selectionBox.hidden = true;
      return;
    }
    selectionBox.hidden = false;
    fill(selectionBox, h("h3", { id: "sel-title", text: "Selected" }), describe(hit));
    announce(`Selected ${label(hit)}`);
  }

  function label(hit) {
    const item = hit.item;
    if (hit.type === "unit") return `unit ${item.name || item.unit} of ${item.party}`;
    if (hit.type === "operation") return `operation ${item.ref} of ${item.party}`;
    if (hit.type === "measure") return `${item.kind.replaceAll("_", " ")} ${item.ref} of ${item.party}`;
    return `conflict: ${ruleText(item.rule)}`;
  }

  function describe(hit) {
    const item = hit.item;
    const record = (id) => button(`Entry ${shortId(id)} in the record`, () => app.navigate("record", { entry: id }));
    if (hit.type === "unit") {
      return h(
        "div",
        {},
        h("p", {}, h("img", { src: symbolDataUrl(item.sidc, 24), alt: "", class: "sym" }), " ", h("strong", { text: item.name || item.unit })),
        facts([
          ["Party", item.party],
          ["Unit", item.unit],
          ["Symbol (SIDC)", item.sidc],
          ["Position", `${item.position[1].toFixed(5)}°, ${item.position[0].toFixed(5)}°`],
          ["Reported", `${fmt(item.time)} (${relative(item.time, state.t)})`],
          ["Stale at", `${fmt(item.stale)}${hit.stale ? " — stale at this time" : ""}`],
          ["Heading", item.heading === null ? null : `${item.heading}°`],
          ["Speed", item.speed === null ? null : `${item.speed} m/s`],
        ]),
        record(item.entry),
      );
    }
    if (hit.type === "operation") {
      const own = item.party === app.session.party;
      const versions = picture.operation(item.key).versions;
      const box = h(
        "div",
        {},
        h("p", {}, swatch(item.party), " ", h("strong", { text: `${item.ref}${item.name ? ` — ${item.name}` : ""}` })),
        facts([
          ["Party", item.party],
          ["Kind", item.kind.replaceAll("_", " ")],
          ["State", item.state],
          ["Versions", String(versions.length)],
          ["Released to", item.release.join(", ")],
          ["Note", item.note],
        ]),
        h("h4", { text: "Volumes" }),
        h(
          "ul",
          {},
          item.volumes.map((v) => h("li", { text: `${fmt(v.start)} to ${fmt(v.end)}; ${altitudeText(v.altitude)}` })),
        ),
        record(item.entry),
      );
      if (own && mayPlan && hasRoute("POST", "/v1/picture/operations/{operation}/amend")) {
        const result = h("div");
        box.append(
          h(
            "div",
            { class: "actions" },
            button("Amend the footprint", () => startDrawing("operation", { amend: item })),
            button("Cancel the operation", async () => {
              try {
                await api.post(`/v1/picture/operations/${item.entry}/cancel`, {});
                fill(result, h("p", { class: "ok", text: "Cancelled: a new version is on the record." }));
              } catch (problem) {
                fill(result, problemBox(problem));
              }
            }),
          ),
          result,
        );
      }
      return box;
    }
    if (hit.type === "measure") {
      const sides = item.permittedSides
        ? Object.entries(item.permittedSides).map(([p, s]) => `${p} may strike on the ${s}; the ${s === "left" ? "right" : "left"} is protected`)
        : null;
      return h(
        "div",
        {},
        h("p", {}, swatch(item.party), " ", h("strong", { text: `${item.kind.replaceAll("_", " ")} ${item.ref}${item.name ? ` — ${item.name}` : ""}` })),
        facts([
          ["Owner", item.party],
          ["Binds", item.binds.join(", ")],
          ["In force", `${fmt(item.start)} to ${fmt(item.end)}`],
          ["Sides", sides ? sides.join("; ") : null],
          ["Depth", item.depth_m ? `${item.depth_m} m` : null],
          ["Restricts", item.restricts ? item.restricts.join(", ") : null],
          ["Agreement", item.agreement],
        ]),
        record(item.entry),
      );
    }
    return conflictDetails(app, item);
  }

  // --- drawing ----------------------------------------------------------------------------
  function startDrawing(what, { amend = null } = {}) {
    const modes = what === "operation" ? ["polygon", "circle"] : ["line", "polygon", "circle"];
    let tool = null;
    const modeSelect = h("select", {}, modes.map((m) => h("option", { value: m, text: MODES[m].label })));
    const pointsText = h("p", { class: "hint", role: "status", "aria-live": "polite" });
    const typed = h("textarea", { rows: 3, placeholder: "One “longitude, latitude” per line, or GeoJSON" });
    const form = h("form", { novalidate: true, class: "draw-form" });
    const general = h("div", { class: "form-error", hidden: true, role: "alert" });
    const now = Date.now();
    const roundedNow = Math.floor(now / 60_000) * 60_000;

    const newTool = () => {
      tool = new DrawTool(modeSelect.value, {
        onChange: (t) => {
          pointsText.textContent = t.describe();
          if (t.error) setFieldError(form, "geometry", t.error.message);
          else setFieldError(form, "geometry", null);
        },
        onFinish: () => form.querySelector("input[name=ref]")?.focus(),
        onCancel: () => stopDrawing(),
      });
      view.setTool(tool);
      pointsText.textContent = tool.describe();
    };
    modeSelect.addEventListener("change", newTool);

    const partiesOther = app.parties.filter((p) => p.id !== app.session.party);
    const checkboxes = (name, checked = () => false) =>
      h(
        "fieldset",
        { class: "checks" },
        h("legend", { text: name === "release" ? "Release to" : "Binds" }),
        (name === "binds" ? app.parties : partiesOther).map((p) =>
          h("label", {}, h("input", { type: "checkbox", name, value: p.id, checked: checked(p.id) }), ` ${p.name} (${p.id})`),
        ),
      );
    const input = (name, attrs = {}) => h("input", { name, ...attrs });
    const datalist = (id, values) => h("datalist", { id }, values.map((v) => h("option", { value: v })));

    const fields = [
      field("Shape", modeSelect, { name: "geometry", hint: "Click points on the map (double-click to finish), or pan with the arrow keys and press Space at the cross, Enter to finish." }),
      pointsText,
      h("details", {}, h("summary", { text: "Type coordinates instead" }), typed, button("Use these coordinates", () => useTyped())),
    ];
    if (what === "operation") {
      fields.push(
        field("Reference", input("ref", { required: true, value: amend?.ref || "", readonly: Boolean(amend) }), { name: "ref", hint: "Your party's own label, e.g. OP-7" }),
        field("Name", input("name", { value: amend?.name || "" }), { name: "name" }),
        field("Kind", input("kind", { list: "op-kinds", required: true, value: amend?.kind || "air_strike" }), { name: "kind" }),
        datalist("op-kinds", OPERATION_KINDS),
        field("State", h("select", { name: "state" }, ["planned", "active"].map((s) => h("option", { value: s, text: s }))), { name: "state" }),
        field("Start (UTC)", input("start", { type: "datetime-local", value: toInput(amend ? amend.volumes[0].start : roundedNow) }), { name: "start" }),
        field("End (UTC)", input("end", { type: "datetime-local", value: toInput(amend ? amend.volumes[0].end : roundedNow + 2 * 3_600_000) }), { name: "end" }),
        field("Altitude from (m)", input("lower", { type: "number", step: 1, placeholder: "surface" }), { name: "lower" }),
        field("Altitude to (m)", input("upper", { type: "number", step: 1, placeholder: "unlimited" }), { name: "upper" }),
        checkboxes("release", (id) => Boolean(amend?.release.includes(id))),
        field("Note", h("textarea", { name: "note", rows: 2 }), { name: "note" }),
      );
    } else {
      fields.push(
        field("Reference", input("ref", { required: true }), { name: "ref", hint: "e.g. BL-1" }),
        field("Name", input("name"), { name: "name" }),
        field("Kind", input("kind", { list: "measure-kinds", required: true, value: "bomb_line" }), { name: "kind" }),
        datalist("measure-kinds", MEASURE_KINDS),
        checkboxes("binds", (id) => id === app.session.party),
        h("fieldset", { class: "sides", "data-field": "permitted_sides" }, h("legend", { text: "For a line: the side each bound party may strike on (travelling from the first point)" }),
          app.parties.map((p) =>
            h("label", {}, `${p.id} `, h("select", { name: `side-${p.id}` }, h("option", { value: "", text: "—" }), h("option", { value: "left", text: "left" }), h("option", { value: "right", text: "right" }))),
          ),
        ),
        field("Depth of the protected zone (m)", input("depth", { type: "number", min: 1, step: 1, placeholder: "the node's default" }), { name: "depth_m", hint: "For a line: how far beyond it a bound party may not strike." }),
        field("In force from (UTC)", input("start", { type: "datetime-local", value: toInput(roundedNow) }), { name: "start" }),
        field("In force until (UTC)", input("end", { type: "datetime-local", value: toInput(roundedNow + 24 * 3_600_000) }), { name: "end" }),
        field("Restricts (areas; kinds, comma-separated)", input("restricts", { placeholder: "every kind" }), { name: "restricts" }),
        checkboxes("release"),
      );
    }
    const submit = h("button", { type: "submit", class: "primary", text: amend ? "Put the new version on the record" : "Put it on the record" });
    form.append(...fields, general, h("div", { class: "actions" }, submit, button("Cancel", () => stopDrawing())));
    fill(
      drawBox,
      h("h3", { id: "draw-title", text: amend ? `Amend ${amend.ref}` : what === "operation" ? "New operation" : "New control measure" }),
      form,
    );
    drawBox.hidden = false;
    newTool();
    if (amend) {
      const ring = amend.volumes[0].shape;
      if (ring.type === "Polygon") tool.setVertices(ring.coordinates[0].slice(0, -1));
    }
    view.canvas.focus();
    announce(`Drawing a new ${what}. ${MODES[modeSelect.value].label}.`);

    function useTyped() {
      try {
        tool.setVertices(parseCoordinates(typed.value));
        setFieldError(form, "geometry", null);
      } catch (error) {
        setFieldError(form, "geometry", error.message);
      }
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      tool.error = null;
      const data = new FormData(form);
      const start = fromInput(data.get("start"));
      const end = fromInput(data.get("end"));
      let bad = false;
      if (tool.vertices.length < MODES[tool.mode].min) {
        setFieldError(form, "geometry", `Draw the ${MODES[tool.mode].label.toLowerCase()} on the map first.`);
        bad = true;
      }
      if (!data.get("ref")) {
        setFieldError(form, "ref", "A reference is required.");
        bad = true;
      }
      if (!Number.isFinite(start)) {
        setFieldError(form, "start", "Give a start time.");
        bad = true;
      }
      if (!Number.isFinite(end) || (Number.isFinite(start) && end <= start)) {
        setFieldError(form, "end", "The end must be after the start.");
        bad = true;
      }
      if (bad) {
        form.querySelector("[aria-invalid=true]")?.focus();
        return;
      }
      const release = data.getAll("release");
      let path;
      let body;
      if (what === "operation") {
        const lower = data.get("lower");
        const upper = data.get("upper");
        const altitude = lower || upper ? { datum: "AMSL", lower_m: lower ? Number(lower) : null, upper_m: upper ? Number(upper) : null } : null;
        const volume = { footprint: tool.geometry(), altitude, start: iso(start), end: iso(end) };
        if (amend) {
          path = `/v1/picture/operations/${amend.entry}/amend`;
          body = { volumes: [volume], name: data.get("name") || null, kind: data.get("kind") || null, release };
        } else {
          path = "/v1/picture/operations";
          body = { ref: data.get("ref"), name: data.get("name") || "", kind: data.get("kind"), state: data.get("state"), volumes: [volume], note: data.get("note") || null, release };
        }
      } else {
        const binds = data.getAll("binds");
        const sides = {};
        for (const p of app.parties) {
          const side = data.get(`side-${p.id}`);
          if (side) sides[p.id] = side;
        }
        const restricts = String(data.get("restricts") || "")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        path = "/v1/picture/measures";
        body = {
          ref: data.get("ref"),
          name: data.get("name") || "",
          kind: data.get("kind"),
          geometry: tool.geometry(),
          valid_from: iso(start),
          valid_until: iso(end),
          binds,
          permitted_sides: tool.mode === "line" ? sides : null,
          depth_m: tool.mode === "line" && data.get("depth") ? Number(data.get("depth")) : null,
          restricts: tool.mode === "line" || !restricts.length ? null : restricts,
          release,
        };
      }
      submit.disabled = true;
      try {
        const entry = await api.post(path, body);
        picture.ingest(entry);
        announce(`${what === "operation" ? "Operation" : "Measure"} ${entry.body.ref} is on the record.`);
        stopDrawing();
        fill(selectionBox, h("h3", { id: "sel-title", text: "On the record" }), h("p", { class: "ok", text: `${entry.body.ref}: entry ${shortId(entry.id)}, sequence ${entry.seq}.` }));
        selectionBox.hidden = false;
        rebuild();
      } catch (problem) {
        showProblem(problem);
      } finally {
        submit.disabled = false;
      }
    });

    /** Put each part of a refusal where it happens: on the field, or on the map for the shape. */
    function showProblem(problem) {
      if (!(problem instanceof Problem)) throw problem;
      const placed = [];
      for (const { path, message } of problem.fields) {
        const name = fieldFor(path, message);
        if (name === "geometry") tool.showError(message);
        if (name && setFieldError(form, name, message)) placed.push(name);
      }
      if (!placed.length) {
        if (/polygon|ring|vertices|self.intersect|coordinates|radius|line/i.test(problem.detail)) {
          tool.showError(problem.detail);
          setFieldError(form, "geometry", problem.detail);
        } else {
          general.hidden = false;
          fill(general, problemBox(problem));
        }
      }
      view.invalidateTop();
      form.querySelector("[aria-invalid=true]")?.focus();
    }
  }

  function fieldFor(path, message) {
    const last = path.split(".");
    if (/footprint|geometry/.test(path) || (path === "volumes" && /polygon|ring|self/i.test(message))) return "geometry";
    if (/window|\.start$|valid_from|validity/.test(path)) return "start";
    if (/\.end$|valid_until/.test(path)) return "end";
    if (/altitude/.test(path)) return "lower";
    if (path === "permitted_sides") return "permitted_sides";
    if (/depth/.test(path)) return "depth_m";
    if (["ref", "name", "kind", "state", "note", "restricts"].includes(last[0])) return last[0];
    if (/self_intersection|polygon|ring|vertices|coordinates|degenerate|radius/i.test(path + message)) return "geometry";
    return null;
  }

  function stopDrawing() {
    view.setTool(null);
    drawBox.hidden = true;
    fill(drawBox);
    view.canvas.focus();
  }

  // --- legend, conflicts, list ------------------------------------------------------------
  function renderLegend() {
    fill(
      legendBox,
      h("h3", { id: "legend-title", text: "Legend" }),
      h(
        "ul",
        { class: "legend-list" },
        allPartyStyles().map((s) =>
          h("li", {}, swatch(s.party), ` ${s.party}${s.party === app.session.party ? " (your party)" : ""} — ${s.name}, ${s.pattern} pattern`),
        ),
        h("li", {}, h("span", { class: "swatch conflict-swatch", "aria-hidden": "true" }), " conflict — dashed outline and warning mark"),
        h("li", {}, h("span", { class: "swatch stale-swatch", "aria-hidden": "true" }), " faded symbol — the unit's report is stale"),
        h("li", {}, h("span", { class: "swatch tick-swatch", "aria-hidden": "true" }), " ticks on a line — the side it protects (no strike)"),
      ),
      h("p", { class: "hint", text: "Basemap: Natural Earth 1:50m, public domain." }),
    );
  }

  function renderConflicts() {
    if (!app.conflicts.available) {
      fill(conflictsBox, h("h3", { id: "map-conflicts-title", text: "Conflicts" }), missingRoutes("conflicts", ["GET /v1/picture/conflicts"]));
      return;
    }
    const standing = app.conflicts.standing();
    fill(
      conflictsBox,
      h("h3", { id: "map-conflicts-title", text: `Conflicts (${standing.length})` }),
      standing.length
        ? h(
            "ul",
            { class: "plain" },
            standing.slice(0, 20).map((c) =>
              h(
                "li",
                {},
                button(`${ruleText(c.rule)} — ${fmt(c.start)}`, () => showConflict(c.conflict), { class: `link status-${c.status}`, dataset: { conflict: c.conflict } }),
              ),
            ),
          )
        : h("p", { class: "empty", text: "No open conflicts." }),
    );
  }

  function showConflict(id) {
    const c = app.conflicts.byId(id);
    if (!c) return;
    if (!(c.start <= state.t && state.t < c.end)) setTime(c.start + 1);
    state.selected = { type: "conflict", item: c };
    rebuild();
    select({ type: "conflict", item: c }, { centre: true });
  }

  function renderList() {
    if (!scene) return;
    const needle = listFilter.value.trim().toLowerCase();
    const rows = [];
    for (const c of scene.conflicts) rows.push({ type: "conflict", item: c, text: `Conflict: ${ruleText(c.rule)} (${c.parties.join(", ")})` });
    for (const { op, volume } of scene.volumes) rows.push({ type: "operation", item: op, volume, text: `Operation ${op.ref} ${op.name} · ${op.party} · ${op.kind.replaceAll("_", " ")}` });
    for (const m of scene.measures) rows.push({ type: "measure", item: m, text: `Measure ${m.ref} ${m.name} · ${m.party} · ${m.kind.replaceAll("_", " ")}` });
    for (const { report, stale } of scene.units) rows.push({ type: "unit", item: report, stale, text: `Unit ${report.name || report.unit} · ${report.party}${stale ? " · stale" : ""}` });
    const shown = needle ? rows.filter((r) => r.text.toLowerCase().includes(needle)) : rows;
    fill(
      listBox,
      h("p", { class: "hint", text: shown.length > LIST_LIMIT ? `${shown.length} items; the first ${LIST_LIMIT} are listed. Filter to find others.` : `${shown.length} items.` }),
      h(
        "ul",
        { class: "plain in-view-list" },
        shown.slice(0, LIST_LIMIT).map((r) =>
          h(
            "li",
            { dataset: { type: r.type, entry: r.item.entry || r.item.notice || "", party: r.item.party || "" } },
            button(r.text, () => select(r, { centre: true }), { class: "link" }),
          ),
        ),
      ),
    );
  }
  listFilter.addEventListener("input", debounce(renderList, 150));

  function fitPicture() {
    const box = [Infinity, Infinity, -Infinity, -Infinity];
    const grow = (b) => {
      box[0] = Math.min(box[0], b[0]);
      box[1] = Math.min(box[1], b[1]);
      box[2] = Math.max(box[2], b[2]);
      box[3] = Math.max(box[3], b[3]);
    };
    if (scene) {
      for (const { volume } of scene.volumes) grow(geomOf(volume).box);
      for (const m of scene.measures) grow(geomOf(m).box);
      for (const c of scene.conflicts) grow(geomOf(c).box);
      for (const { report } of scene.units) grow(view.boxOf({ type: "unit", item: report }));
    }
    if (Number.isFinite(box[0])) view.fitBox(box);
    else view.fitWorld();
    view.invalidate(true);
  }

  // --- perf readout (for the benchmark and for the curious) --------------------------------
  setInterval(() => {
    const s = view.frameStats();
    perf.textContent = `frame ${s.last.toFixed(1)} ms (median ${s.median.toFixed(1)}, p95 ${s.p95.toFixed(1)}) · ${view.drawn.units} symbols · ${view.drawn.volumes} footprints`;
  }, 1000);

  let ready = null;
  async function start() {
    renderLegend();
    renderConflicts();
    setTime(Date.now(), true);
    try {
      view.setBasemap(await loadBasemap());
    } catch (error) {
      loading.textContent = String(error.message || error);
      return;
    }
    loading.textContent = "Loading the picture…";
    if (!hasRoute("GET", "/v1/picture/conflicts")) {
      mapWrap.append(missingRoutes("the operational picture's routes", ["GET /v1/picture/conflicts", "POST /v1/picture/operations"]));
    }
    try {
      await Promise.all([loadPicture(), app.conflicts.load()]);
    } catch (problem) {
      loading.replaceWith(problemBox(problem));
      return;
    }
    updateRange();
    rebuild();
    const empty = !scene.volumes.length && !scene.units.length && !scene.measures.length;
    const moment = picture.latestStart(Date.now());
    if (empty && moment !== null) {
      // Nothing is current now, but the record holds a picture (a historical one, say): open on
      // its latest moment; "Now" comes back to the present.
      setTime(moment + 1);
      announce(`Nothing on the map is current now; showing ${fmt(moment)}, the latest moment with something on it.`);
    }
    if (picture.counts().operations + picture.counts().units + picture.counts().measures) fitPicture();
    loading.remove();
    el.dataset.ready = "true";
  }

  return {
    el,
    show(params = {}) {
      ready ||= start();
      view.resize();
      // What another view asks for is done once the picture has loaded.
      if (params.conflict) ready.then(() => showConflict(params.conflict));
      if (params.amend) {
        ready.then(() => {
          const latest = picture.operation(`${app.session.party}/${params.amend.ref}`).latest;
          if (latest) startDrawing("operation", { amend: latest });
        });
      }
    },
    stop() {
      clearInterval(clock);
    },
  };
}
