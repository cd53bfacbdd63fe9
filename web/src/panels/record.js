// The record: the entries the member's party may read (newest first), a search, the latest
// signed checkpoint, and for any entry a button that verifies, here in the browser, that it is in
// the log the node signed (see verify.js).
import { api, hasRoute } from "../api.js";
import { facts, pill, problemBox, when } from "../common.js";
import { announce, button, fill, h, shortId } from "../dom.js";
import { fmt, ms } from "../time.js";
import { parseNote, parseVerifierKey, verifyEd25519, verifyEntry } from "../verify.js";

const PAGE = 1000;

/** A one-line summary of an entry's body, whatever its kind. */
export function summary(entry) {
  const b = entry.body || {};
  const pick = b.text ?? b.subject ?? b.title ?? b.name ?? b.ref ?? b.unit ?? b.conflict ?? b.member ?? b.party ?? "";
  const text = typeof pick === "string" ? pick : JSON.stringify(pick);
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

export function createRecordPanel(app) {
  const checkpointBox = h("section", { class: "checkpoint", "aria-labelledby": "cp-title" });
  const text = h("input", { type: "search", name: "text", "aria-label": "Text", placeholder: "Text anywhere in the content" });
  const kind = h("input", { name: "kind", list: "record-kinds", "aria-label": "Kind", placeholder: "Kind, e.g. picture.* or message.send" });
  const kinds = h("datalist", { id: "record-kinds" });
  const party = h("select", { name: "party", "aria-label": "Written by party" }, h("option", { value: "", text: "Any party" }));
  const search = h(
    "form",
    { class: "search", role: "search" },
    text,
    kind,
    kinds,
    party,
    h("button", { type: "submit", class: "primary", text: "Search" }),
  );
  const count = h("p", { class: "hint", role: "status" });
  const list = h("ol", { class: "entries", reversed: true });
  const more = button("Load older entries", () => loadOlder());
  const focusBox = h("section", { class: "focus-entry", hidden: true, "aria-label": "Entry" });
  const el = h(
    "section",
    { class: "view view-panel", "aria-labelledby": "record-title" },
    h("div", { class: "panel-head" }, h("h2", { id: "record-title", text: "Record" })),
    checkpointBox,
    focusBox,
    search,
    count,
    list,
    more,
  );

  let filter = {};
  let lower = null;
  let started = false;

  async function renderCheckpoint() {
    try {
      const [node, cp] = await Promise.all([api.get("/v1/node"), api.get("/v1/checkpoint")]);
      const key = await parseVerifierKey(node.verifier_key);
      const note = parseNote(cp.note);
      const sig = note.signatures.find((s) => s.name === key.name);
      const [ok, impl] = sig ? await verifyEd25519(key.publicKey, sig.signature, new TextEncoder().encode(note.text)) : [false, "—"];
      fill(
        checkpointBox,
        h("h3", { id: "cp-title", text: "Latest checkpoint" }),
        facts([
          ["Log", node.origin],
          ["Size", `${cp.size} entries (yours and others', as commitments)`],
          ["Root", h("code", { text: cp.root })],
          ["Signed", when(cp.created_at)],
          ["Signature", ok ? pill(`verified here (${impl})`, "ok") : pill("does not verify", "bad")],
          ["Node's verifier key", h("code", { class: "wrap", text: node.verifier_key })],
        ]),
        h("p", { class: "hint", text: "Compare the verifier key with the one you were given out of band: the checks below trust it." }),
      );
    } catch (problem) {
      fill(checkpointBox, problemBox(problem));
    }
  }

  function row(entry) {
    const result = h("div", { class: "verify-result", "aria-live": "polite" });
    const verify = button("Verify inclusion", async () => {
      fill(result, h("p", { text: "Verifying…" }));
      const outcome = await verifyEntry(entry, (path, params) => api.get(path, params));
      fill(
        result,
        h("p", {}, outcome.ok ? pill("verified in this browser", "ok") : pill("NOT verified", "bad")),
        h(
          "ol",
          { class: "steps" },
          outcome.steps.map((s) => h("li", { class: s.ok ? "ok" : "bad" }, `${s.ok ? "✓" : "✗"} ${s.label}`, s.detail ? h("code", { class: "wrap", text: ` ${s.detail}` }) : null)),
        ),
      );
      announce(outcome.ok ? `Entry ${entry.seq} verified.` : `Entry ${entry.seq} did not verify.`);
    }, { dataset: { verify: entry.id } });
    return h(
      "li",
      { class: "entry", value: entry.seq, dataset: { entry: entry.id, kind: entry.kind } },
      h(
        "details",
        {},
        h(
          "summary",
          {},
          h("span", { class: "seq", text: `#${entry.seq}` }),
          " ",
          h("span", { class: "kind", text: entry.kind }),
          " ",
          h("span", { class: "who", text: `${entry.author}${entry.party ? ` (${entry.party})` : ""}` }),
          " ",
          h("span", { class: "summary-text", text: summary(entry) }),
          " ",
          h("time", { datetime: entry.appended_at, class: "meta", text: fmt(ms(entry.appended_at)) }),
        ),
        facts([
          ["Id", h("code", { class: "wrap", text: entry.id })],
          ["Released to", entry.release.join(", ")],
          ["Supersedes", entry.supersedes ? h("code", { text: shortId(entry.supersedes) }) : null],
          ["Signed by the author", entry.signatures.author ? `yes (key ${entry.signatures.author_key})` : "no (the node signed for the member)"],
        ]),
        h("pre", { class: "body", text: JSON.stringify(entry.body, null, 2) }),
        verify,
        result,
      ),
    );
  }

  /** Fetch the entries with seq in (lo, hi] that match the filter, at most one page. */
  async function between(lo, hi) {
    const page = await api.get("/v1/entries", { ...filter, after: lo, limit: PAGE });
    return { entries: page.entries.filter((e) => e.seq <= hi), full: page.entries.length === PAGE && page.entries[page.entries.length - 1].seq < hi };
  }

  /** The newest matching entries below `upper`: widen the window until some are found. */
  async function loadBelow(upper) {
    let span = 400;
    for (let i = 0; i < 12; i += 1) {
      const lo = Math.max(0, upper - span);
      const { entries, full } = await between(lo, upper);
      if (full && span > 10) {
        span = Math.floor(span / 2);
        continue;
      }
      if (entries.length < 25 && lo > 0) {
        span *= 4;
        continue;
      }
      return { entries, lo };
    }
    const lo = Math.max(0, upper - span);
    return { entries: (await between(lo, upper)).entries, lo };
  }

  async function load() {
    fill(list);
    const size = (await api.get("/v1/checkpoint")).size;
    const total = await api.get("/v1/entries/count", filter);
    count.textContent = `${total.count} entries your party may read${Object.keys(filter).length ? " match" : ""}.`;
    const { entries, lo } = await loadBelow(size);
    lower = lo;
    for (const e of entries.reverse()) list.append(row(e));
    more.hidden = lower <= 0;
  }

  async function loadOlder() {
    if (!lower) return;
    const { entries, lo } = await loadBelow(lower);
    lower = lo;
    for (const e of entries.reverse()) list.append(row(e));
    more.hidden = lower <= 0;
  }

  search.addEventListener("submit", async (event) => {
    event.preventDefault();
    filter = {};
    if (text.value.trim()) filter.text = text.value.trim();
    if (kind.value.trim()) filter.kind = kind.value.trim();
    if (party.value) filter.party = party.value;
    try {
      await load();
    } catch (problem) {
      fill(list, h("li", {}, problemBox(problem)));
    }
  });

  app.live.on([], (entry) => {
    if (!started) return;
    if (filter.kind && !(entry.kind === filter.kind || (filter.kind.endsWith("*") && entry.kind.startsWith(filter.kind.slice(0, -1))))) return;
    if (filter.party && entry.party !== filter.party) return;
    if (filter.text && !JSON.stringify(entry).toLowerCase().includes(filter.text.toLowerCase())) return;
    list.prepend(row(entry));
  });

  async function showEntry(id) {
    try {
      const entry = await api.get(`/v1/entries/${id}`);
      focusBox.hidden = false;
      fill(focusBox, h("h3", { text: `Entry #${entry.seq}` }), h("ol", { class: "entries" }, row(entry)));
      focusBox.querySelector("details").open = true;
      focusBox.querySelector("summary").focus();
    } catch (problem) {
      focusBox.hidden = false;
      fill(focusBox, problemBox(problem));
    }
  }

  return {
    el,
    async show(params = {}) {
      if (params.entry) showEntry(params.entry);
      if (started) return;
      started = true;
      for (const p of app.parties) party.append(h("option", { value: p.id, text: `${p.name} (${p.id})` }));
      if (hasRoute("GET", "/v1/kinds")) {
        api.get("/v1/kinds").then((k) => {
          for (const spec of k.kinds) kinds.append(h("option", { value: spec.name }));
        });
      }
      renderCheckpoint();
      try {
        await load();
      } catch (problem) {
        fill(list, h("li", {}, problemBox(problem)));
      }
    },
  };
}
