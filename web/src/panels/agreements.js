// Agreements: proposals and their versions, who was consulted when, each party's position, the
// signatures and exactly why the agreement binds or not, and the obligations and breaches (with
// their evidence). Only agreed records bind: the status comes from the node, computed from the
// record on every call, and the page shows its reasons word for word.
import { api, hasRoute } from "../api.js";
import { debounce, facts, missingRoutes, pill, problemBox } from "../common.js";
import { announce, button, clearErrors, field, fill, h, shortId } from "../dom.js";
import { placeProblem } from "./messages.js";

const NEEDED = ["GET /v1/agreements", "GET /v1/agreements/{agreement}/versions", "GET /v1/agreements/{agreement}/status"];
const STANCES = [
  ["accept", "Accept"],
  ["reject", "Reject"],
  ["reserve", "Reserve our position"],
  ["propose_amendment", "Propose an amendment"],
];

/** Lines of `b` marked against `a`: [{text, added}] (a plain longest-common-subsequence diff). */
function lineDiff(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  const dp = Array.from({ length: x.length + 1 }, () => new Array(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i -= 1) for (let j = y.length - 1; j >= 0; j -= 1) dp[i][j] = x[i] === y[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const out = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      out.push({ text: y[j], op: "same" });
      i += 1;
      j += 1;
    } else if (j < y.length && (i >= x.length || dp[i][j + 1] >= dp[i + 1][j])) {
      out.push({ text: y[j], op: "added" });
      j += 1;
    } else {
      out.push({ text: x[i], op: "removed" });
      i += 1;
    }
  }
  return out;
}

export function createAgreementsPanel(app) {
  const listBox = h("nav", { class: "agreement-list", "aria-label": "Agreements" });
  const detail = h("section", { class: "agreement-detail", "aria-live": "polite" });
  const obligationsBox = h("section", { class: "obligations" });
  const el = h(
    "section",
    { class: "view view-panel view-agreements", "aria-labelledby": "agreements-title" },
    h("div", { class: "panel-head" }, h("h2", { id: "agreements-title", text: "Agreements" })),
    h("div", { class: "columns" }, listBox, h("div", { class: "main-column" }, detail, obligationsBox)),
  );
  let current = null;
  const available = () => NEEDED.every((r) => hasRoute(...r.split(" ")));

  async function loadList() {
    const { agreements } = await api.get("/v1/agreements");
    fill(
      listBox,
      h("h3", { text: "Agreements your party may see" }),
      agreements.length
        ? h(
            "ul",
            { class: "plain" },
            agreements.map((a) =>
              h(
                "li",
                {},
                button(a.title, () => open(a.agreement), { class: "link", dataset: { agreement: a.agreement } }),
                " ",
                pill(a.state, a.state === "binding" ? "ok" : ""),
                h("span", { class: "meta", text: ` ${a.parties.join(", ")} · ${a.topic}` }),
              ),
            ),
          )
        : h("p", { class: "empty", text: "No agreement your party may see." }),
      draftForm(),
    );
  }

  function draftForm() {
    const form = h("form", { class: "small-form", novalidate: true });
    form.append(
      field("Title", h("input", { name: "title", required: true }), { name: "title" }),
      field("Topic", h("input", { name: "topic", required: true, placeholder: "e.g. coordination" }), { name: "topic" }),
      field("Text", h("textarea", { name: "text", rows: 4 }), { name: "text" }),
      h("fieldset", { class: "checks", "data-field": "parties" }, h("legend", { text: "Parties" }), app.parties.map((p) => h("label", {}, h("input", { type: "checkbox", name: "parties", value: p.id, checked: p.id === app.session.party }), ` ${p.id}`))),
      field("Provisions (JSON, optional)", h("textarea", { name: "provisions", rows: 3, placeholder: '[{"id": "p1", "text": "...", "obligations": []}]' }), { name: "provisions", hint: "See docs/agreements.md for obligations." }),
      h("div", { class: "form-error", hidden: true, role: "alert" }),
      h("button", { type: "submit", text: "Draft (private to your party)" }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const data = new FormData(form);
      let provisions = [];
      try {
        provisions = data.get("provisions") ? JSON.parse(data.get("provisions")) : [];
      } catch {
        placeProblem(form, { fields: [{ path: "provisions", message: "not valid JSON" }] });
        return;
      }
      try {
        const entry = await api.post("/v1/agreements", { terms: { title: data.get("title"), topic: data.get("topic"), text: data.get("text"), parties: data.getAll("parties"), provisions } });
        announce("Draft agreement on the record, released to your party only.");
        await loadList();
        await open(entry.id);
      } catch (problem) {
        problem.fields.forEach((f) => {
          f.path = f.path.replace(/^terms\./, "");
        });
        placeProblem(form, problem);
      }
    });
    return h("details", {}, h("summary", { text: "Draft an agreement" }), form);
  }

  async function open(id) {
    current = id;
    for (const b of listBox.querySelectorAll("[data-agreement]")) b.setAttribute("aria-current", String(b.dataset.agreement === id));
    const get = (path) => api.get(`/v1/agreements/${id}/${path}`);
    const [versions, status, consultations, positions] = await Promise.all([
      get("versions"),
      get("status"),
      hasRoute("GET", "/v1/agreements/{agreement}/consultations") ? get("consultations") : null,
      hasRoute("GET", "/v1/agreements/{agreement}/positions") ? get("positions") : null,
    ]);
    fill(detail, statusBlock(status), versionsBlock(versions.versions, status), consultations ? consultationBlock(consultations) : null, positions ? positionsBlock(positions.positions, versions.versions) : null);
    renderObligations(id);
  }

  function statusBlock(s) {
    return h(
      "section",
      { class: `status-box ${s.binding ? "binding" : "not-binding"}`, "aria-labelledby": "ag-status" },
      h("h3", { id: "ag-status", text: s.title }),
      h("p", {}, s.binding ? pill("binding", "ok") : pill(s.state, "bad"), " ", s.binding ? `Signed by an authorised representative of every party: ${s.parties.join(", ")}.` : s.missing.length ? `Not binding: no signature that counts from ${s.missing.join(", ")}.` : `Not binding (${s.state}).`),
      facts([
        ["Version", shortId(s.version)],
        ["Parties", s.parties.join(", ")],
        ["Topic", s.topic],
        ["Bound by", s.bound ? `entry ${shortId(s.bound.entry)} at ${s.bound.at}` : null],
        ["Ended", s.ended ? `${s.ended.how} by ${shortId(s.ended.by)}` : null],
      ]),
      h("h4", { text: "Signatures" }),
      s.signatures.length
        ? h(
            "ul",
            { class: "plain" },
            s.signatures.map((sig) =>
              h(
                "li",
                { class: sig.counts ? "ok" : "bad" },
                `${sig.counts ? "✓ counts" : "✗ does not count"}: ${sig.signer} (${sig.party}) on version ${shortId(sig.version)}, ${sig.at}`,
                sig.reasons.length ? h("ul", {}, sig.reasons.map((r) => h("li", { text: r.text }))) : null,
              ),
            ),
          )
        : h("p", { class: "empty", text: "No signature yet." }),
      h("p", { class: "hint", text: "A member signs a version with their own key, on their side (liaison agreement sign); the page never holds a key." }),
    );
  }

  function versionsBlock(versions, status) {
    return h(
      "section",
      {},
      h("h3", { text: `Versions (${versions.length})` }),
      h(
        "ol",
        { class: "versions" },
        versions.map((v, i) => {
          const prev = i > 0 ? versions[i - 1].terms.text || "" : null;
          const text = v.terms.text || "";
          const body =
            prev === null
              ? h("pre", { class: "terms", text })
              : h(
                  "pre",
                  { class: "terms diff" },
                  lineDiff(prev, text).map((l) => h(l.op === "same" ? "span" : l.op === "added" ? "ins" : "del", { text: `${l.text}\n` })),
                );
          return h(
            "li",
            { dataset: { version: v.version } },
            h("p", {}, h("strong", { text: `${v.kind.replace("agreement.", "")} ${shortId(v.version)}` }), ` by ${v.author} (${v.party}) at ${v.at}`, v.version === status.version ? pill("status shown", "") : null),
            body,
            (v.terms.provisions || []).length ? h("ul", {}, v.terms.provisions.map((p) => h("li", { text: `${p.id}: ${p.text}` }))) : null,
            answerForm(v),
          );
        }),
      ),
    );
  }

  function answerForm(version) {
    if (!hasRoute("POST", "/v1/agreements/{agreement}/positions")) return null;
    const form = h("form", { class: "small-form", novalidate: true });
    form.append(
      field("Our position", h("select", { name: "stance" }, STANCES.map(([v, l]) => h("option", { value: v, text: l }))), { name: "stance" }),
      field("Reasons", h("textarea", { name: "reasons", rows: 2, required: true }), { name: "reasons" }),
      h("div", { class: "form-error", hidden: true, role: "alert" }),
      h("button", { type: "submit", text: "Put our position on the record" }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const data = new FormData(form);
      try {
        await api.post(`/v1/agreements/${current}/positions`, { version: version.version, stance: data.get("stance"), reasons: data.get("reasons") });
        announce("Position on the record.");
        await open(current);
      } catch (problem) {
        placeProblem(form, problem);
      }
    });
    return h("details", {}, h("summary", { text: "Answer this version" }), form);
  }

  function consultationBlock(c) {
    const others = app.parties.filter((p) => p.id !== app.session.party);
    const to = h("fieldset", { class: "checks" }, h("legend", { text: "Consult" }), others.map((p) => h("label", {}, h("input", { type: "checkbox", value: p.id }), ` ${p.id}`)));
    const result = h("div");
    return h(
      "section",
      {},
      h("h3", { text: "Consultation" }),
      h(
        "ul",
        { class: "plain" },
        c.reached.map((r) => h("li", { text: `${r.party}: first consulted ${r.first.at} (version ${shortId(r.first.version)})${r.on_latest_version ? `; on the latest version ${r.on_latest_version.at}` : "; not yet on the latest version"}` })),
        c.not_yet.map((p) => h("li", { class: "bad", text: `${p}: not consulted yet` })),
      ),
      hasRoute("POST", "/v1/agreements/{agreement}/consultations")
        ? h(
            "details",
            {},
            h("summary", { text: "Put the latest version to parties" }),
            to,
            button("Consult them (released to exactly them)", async () => {
              const parties = [...to.querySelectorAll("input:checked")].map((i) => i.value);
              try {
                await api.post(`/v1/agreements/${current}/consultations`, { to: parties });
                announce("Consultation on the record.");
                await open(current);
              } catch (problem) {
                fill(result, problemBox(problem));
              }
            }),
            result,
          )
        : null,
    );
  }

  function positionsBlock(positions, versions) {
    const label = (id) => {
      const i = versions.findIndex((v) => v.version === id);
      return i >= 0 ? `version ${i + 1}` : shortId(id);
    };
    return h(
      "section",
      {},
      h("h3", { text: "Positions" }),
      positions.length
        ? h("ul", { class: "plain" }, positions.map((p) => h("li", {}, pill(p.body.stance.replace("_", " ")), ` ${p.party} (${p.author}) on ${label(p.body.version)}: ${p.body.reasons}`)))
        : h("p", { class: "empty", text: "No positions yet." }),
    );
  }

  async function renderObligations(id) {
    const parts = [];
    if (hasRoute("GET", "/v1/obligations")) {
      const { obligations } = await api.get("/v1/obligations", { agreement: id });
      parts.push(
        h("h3", { text: "Obligations in force" }),
        obligations.length
          ? h("ul", { class: "plain" }, obligations.map((o) => h("li", {}, h("strong", { text: `${o.provision}: ` }), describeObligation(o.obligation), h("span", { class: "meta", text: ` binding since ${o.binding_since.at}` }))))
          : h("p", { class: "empty", text: "None: obligations apply once the agreement binds." }),
      );
    }
    if (hasRoute("GET", "/v1/breaches")) {
      const { breaches } = await api.get("/v1/breaches", { agreement: id });
      parts.push(
        h("h3", { text: "Breaches" }),
        breaches.length ? h("ul", { class: "plain" }, breaches.map(breachItem)) : h("p", { class: "empty", text: "No breach on the record." }),
      );
    }
    fill(obligationsBox, parts);
  }

  function describeObligation(o) {
    const rest = Object.entries(o)
      .filter(([k]) => k !== "id" && k !== "rule")
      .map(([k, v]) => `${k.replaceAll("_", " ")}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
    return `${(o.rule || "").replaceAll("_", " ")}${rest.length ? ` (${rest.join("; ")})` : ""}`;
  }

  function breachItem(b) {
    const reasons = h("textarea", { rows: 2, "aria-label": "Why your party disputes it" });
    const result = h("div");
    return h(
      "li",
      { class: "breach", dataset: { breach: b.entry } },
      h("p", {}, pill("breach", "bad"), ` ${b.party} at ${b.at}: ${b.missing}`),
      h("p", { class: "meta", text: `provision ${b.provision}, obligation ${b.obligation}, rule ${b.rule}` }),
      h("h4", { text: "Evidence" }),
      h("ul", {}, b.evidence.map((e) => h("li", {}, `${e.role}: `, button(`entry #${e.seq} ${shortId(e.entry)}`, () => app.navigate("record", { entry: e.entry }), { class: "link" })))),
      b.disputes.length ? h("ul", {}, b.disputes.map((d) => h("li", { text: `Disputed by ${d.party} (${d.author}) at ${d.at}: ${d.reasons}` }))) : null,
      hasRoute("POST", "/v1/breaches/{breach}/disputes")
        ? h(
            "details",
            {},
            h("summary", { text: "Dispute" }),
            reasons,
            button("Put the dispute on the record", async () => {
              try {
                await api.post(`/v1/breaches/${b.entry}/disputes`, { reasons: reasons.value });
                renderObligations(current);
              } catch (problem) {
                fill(result, problemBox(problem));
              }
            }),
            result,
          )
        : null,
    );
  }

  const refresh = debounce(async () => {
    await loadList();
    if (current) await open(current);
  }, 250);
  app.live.on(["agreement."], () => refresh());

  let started = false;
  return {
    el,
    async show() {
      if (!available()) {
        fill(listBox, missingRoutes("agreements", NEEDED));
        return;
      }
      if (started) return;
      started = true;
      try {
        await loadList();
      } catch (problem) {
        fill(detail, problemBox(problem));
      }
    },
  };
}

