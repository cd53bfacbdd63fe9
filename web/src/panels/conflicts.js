// Conflicts: what the member's party was told about each clash (GET /v1/picture/conflicts), open
// ones first and newest first, with the actions the member's role allows. A notice names another
// party's operation only if that party released it; otherwise it says a conflict exists with an
// operation of that party not released to you, and the page shows exactly that, no more.
import { api, hasRoute } from "../api.js";
import { atLeast, debounce, facts, missingRoutes, pill, problemBox, when } from "../common.js";
import { announce, button, fill, h, shortId } from "../dom.js";
import { decodeShape } from "../picture/decode.js";
import { fmt, ms } from "../time.js";

const LIST = "/v1/picture/conflicts";
const STATUS_ORDER = { open: 0, acknowledged: 1, arranged: 2, cleared: 3 };

/** The party's conflicts, loaded once and refreshed when the live stream brings a notice. */
export class ConflictStore {
  constructor(app) {
    this.app = app;
    this.items = [];
    this.listeners = new Set();
    this.loaded = false;
    this.refreshSoon = debounce(() => this.load(), 120);
    app.live.on(["picture.notice", "picture.acknowledge", "picture.arrangement", "picture.sign", "picture.consent"], () =>
      this.refreshSoon(),
    );
  }

  get available() {
    return hasRoute("GET", LIST);
  }

  async load() {
    if (!this.available) return;
    const data = await api.get(LIST, { limit: 1000 });
    this.items = data.conflicts.map((c) => ({
      ...c,
      shape: decodeShape(c.region),
      start: ms(c.window.start),
      end: ms(c.window.end),
    }));
    this.items.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.notice_seq - a.notice_seq);
    this.loaded = true;
    for (const fn of this.listeners) fn(this.items);
  }

  subscribe(fn) {
    this.listeners.add(fn);
    if (this.loaded) fn(this.items);
    return () => this.listeners.delete(fn);
  }

  /** Conflicts still standing (not cleared). */
  standing() {
    return this.items.filter((c) => c.status !== "cleared");
  }

  byId(id) {
    return this.items.find((c) => c.conflict === id) || null;
  }
}

const RULES = {
  operations_overlap: "Operations overlap in space and time",
  fires_near_unit: "A fires operation comes within danger distance of a unit",
  fires_beyond_line: "A fires operation lies beyond a line it may not strike across",
  restricted_area_entry: "An operation enters a restricted area without consent",
};

export function ruleText(rule) {
  return RULES[rule] || rule.replaceAll("_", " ");
}

function others(c) {
  return c.others.map((o) =>
    o.released
      ? h("li", {}, `${o.party}: ${o.type} ${o.ref || ""} ${o.name ? `“${o.name}”` : ""} ${o.kind ? `(${o.kind.replaceAll("_", " ")})` : ""}`.trim())
      : h("li", {}, `${o.party}: ${/^[aeiou]/.test(o.type) ? "an" : "a"} ${o.type} not released to you; ${o.party} has been notified.`),
  );
}

/** The body of one conflict: rule, region, time, who is involved, what was said, resolution. */
export function conflictDetails(app, c, { onShowOnMap = null } = {}) {
  const status = pill(c.status, `status-${c.status}`);
  const wrap = h(
    "div",
    { class: "conflict-details" },
    h("p", {}, status, " ", pill(c.severity, `severity-${c.severity}`), " ", ruleText(c.rule)),
    facts([
      ["When", `${fmt(c.start)} to ${fmt(c.end)}`],
      ["Parties", c.parties.join(", ")],
      ["Notified", when(c.notified_at)],
      ["Revision", String(c.revision)],
      ["Acknowledged by", c.acknowledged_by.join(", ") || "nobody yet"],
    ]),
    h("h4", { text: "Your party's things involved" }),
    h("ul", {}, c.own.map((o) => h("li", { text: `${o.type} ${o.ref}` }))),
    h("h4", { text: "The other side" }),
    h("ul", {}, others(c)),
    c.text ? h("p", { class: "notice-text", text: c.text }) : null,
  );
  if (c.arrangements.length) {
    wrap.append(
      h("h4", { text: "Arrangements" }),
      h(
        "ul",
        {},
        c.arrangements.map((a) =>
          h(
            "li",
            {},
            `${shortId(a.id)} proposed by ${a.proposed_by}; signed by ${a.signed_by.join(", ") || "nobody yet"}; `,
            a.binding
              ? pill("binding", "status-arranged")
              : pill(`not binding: waiting for ${a.parties.filter((p) => !a.signed_by.includes(p)).join(", ")}`, "status-open"),
          ),
        ),
      ),
    );
  }
  if (onShowOnMap) wrap.append(button("Show on the map", () => onShowOnMap(c)));
  wrap.append(conflictActions(app, c));
  return wrap;
}

/** The actions on a conflict that the member's role allows (commander and above). */
export function conflictActions(app, c) {
  const box = h("div", { class: "actions" });
  if (c.status === "cleared") return box;
  if (!atLeast(app.session.role, "commander")) {
    box.append(h("p", { class: "hint", text: `Your role (${app.session.role}) may read conflicts; a commander acknowledges or resolves them.` }));
    return box;
  }
  const result = h("div", { class: "action-result" });
  const act = async (what, fn) => {
    try {
      await fn();
      fill(result, h("p", { class: "ok", text: `${what}: on the record.` }));
      announce(`${what}: on the record.`);
      app.conflicts.refreshSoon();
    } catch (problem) {
      fill(result, problemBox(problem));
    }
  };
  const acknowledged = c.acknowledged_by.includes(app.session.party);
  if (!acknowledged) {
    box.append(
      button("Acknowledge", () => act("Acknowledged", () => api.post(`${LIST}/${c.conflict}/acknowledge`, {})), {
        dataset: { action: "acknowledge" },
      }),
    );
  }
  for (const own of c.own.filter((o) => o.type === "operation")) {
    box.append(
      button(`Amend ${own.ref} on the map`, () => app.navigate("map", { amend: own })),
      button(`Cancel ${own.ref}`, () => act(`Cancelled ${own.ref}`, () => api.post(`/v1/picture/operations/${own.entry}/cancel`, {}))),
    );
  }
  for (const own of c.own.filter((o) => o.type === "measure")) {
    box.append(
      button(`Consent for ${own.ref}`, () =>
        act(`Consented to entry into ${own.ref}`, () => api.post(`/v1/picture/measures/${own.entry}/consents`, { conflict: c.conflict })),
      ),
    );
  }
  const text = h("textarea", { rows: 2, "aria-label": "Arrangement text", placeholder: "What each party will do, e.g. the strike waits until 1400Z" });
  box.append(
    h(
      "details",
      { class: "arrangement" },
      h("summary", { text: "Propose an arrangement" }),
      text,
      button("Propose to every party involved", () =>
        act("Arrangement proposed", () => api.post(`${LIST}/${c.conflict}/arrangements`, { text: text.value })),
      ),
      h("p", {
        class: "hint",
        text: "Each party's commander signs an arrangement with their own key, on their side (the liaison command); the page never holds a member's key.",
      }),
    ),
  );
  box.append(result);
  return box;
}

export function createConflictsPanel(app) {
  const list = h("div", { class: "conflict-list" });
  const filter = h(
    "select",
    { "aria-label": "Show conflicts" },
    h("option", { value: "standing", text: "Open, acknowledged and arranged" }),
    h("option", { value: "open", text: "Open only" }),
    h("option", { value: "all", text: "All, cleared included" }),
  );
  const el = h(
    "section",
    { class: "view view-panel", "aria-labelledby": "conflicts-title" },
    h("div", { class: "panel-head" }, h("h2", { id: "conflicts-title", text: "Conflicts" }), filter),
    h("p", {
      class: "hint",
      text: "Clashes involving your party, open first and newest first. You see another party's details only where that party released them to you.",
    }),
    list,
  );
  const render = () => {
    if (!app.conflicts.available) {
      fill(list, missingRoutes("conflicts", [`GET ${LIST}`]));
      return;
    }
    const mode = filter.value;
    const items = app.conflicts.items.filter((c) => (mode === "all" ? true : mode === "open" ? c.status === "open" : c.status !== "cleared"));
    if (!items.length) {
      fill(list, h("p", { class: "empty", text: "No conflicts to show." }));
      return;
    }
    const open = new Set([...list.querySelectorAll("details[open]")].map((d) => d.dataset.conflict));
    fill(
      list,
      items.map((c) =>
        h(
          "details",
          { class: `conflict status-${c.status}`, dataset: { conflict: c.conflict }, open: open.has(c.conflict) },
          h(
            "summary",
            {},
            pill(c.status, `status-${c.status}`),
            " ",
            h("strong", { text: ruleText(c.rule) }),
            h("span", { class: "meta", text: ` · clash from ${fmt(c.start)} to ${fmt(c.end)} · with ${c.parties.filter((p) => p !== app.session.party).join(", ")} · notified ${fmt(ms(c.notified_at))}` }),
          ),
          conflictDetails(app, c, { onShowOnMap: (x) => app.navigate("map", { conflict: x.conflict }) }),
        ),
      ),
    );
  };
  filter.addEventListener("change", render);
  app.conflicts.subscribe(render);
  return {
    el,
    show() {
      render();
    },
  };
}
