// Liaison's page: sign in, then the views (map, conflicts, messages, agreements, meetings,
// record), each reading the same /v1 API as every client, as the member's party.
import { api, loadRoutes, Problem, setCsrf } from "./api.js";
import { announce, button, fill, h, setFieldError } from "./dom.js";
import { Live } from "./live.js";
import { assignParties } from "./map/palette.js";
import { createAgreementsPanel } from "./panels/agreements.js";
import { ConflictStore, createConflictsPanel } from "./panels/conflicts.js";
import { createMapPanel } from "./panels/map.js";
import { createMeetingsPanel } from "./panels/meetings.js";
import { createMessagesPanel } from "./panels/messages.js";
import { createRecordPanel } from "./panels/record.js";
import { fmt, ms } from "./time.js";

const VIEWS = [
  ["map", "Map", createMapPanel],
  ["conflicts", "Conflicts", createConflictsPanel],
  ["messages", "Messages", createMessagesPanel],
  ["agreements", "Agreements", createAgreementsPanel],
  ["meetings", "Meetings", createMeetingsPanel],
  ["record", "Record", createRecordPanel],
];

let app = null;

function $(id) {
  return document.getElementById(id);
}

function showSignIn(error = "", notice = "") {
  $("signin").hidden = false;
  $("tabs").hidden = true;
  $("whoami").hidden = true;
  fill($("views"));
  fill($("tabs"));
  const form = $("signin-form");
  setFieldError(form, "token", error || null);
  $("signin-notice").textContent = notice;
  $("signin-notice").hidden = !notice;
  $("token").focus();
}

async function signIn(event) {
  event.preventDefault();
  const form = $("signin-form");
  const input = $("token");
  const token = input.value.trim();
  if (!token) {
    setFieldError(form, "token", "Paste your member token.");
    input.focus();
    return;
  }
  try {
    const session = await api.signIn(token);
    input.value = "";
    setFieldError(form, "token", null);
    $("signin-notice").hidden = true;
    await start(session);
  } catch (problem) {
    const text = problem instanceof Problem && problem.status === 401 ? "That token does not sign anyone in on this node." : problem.detail || String(problem);
    setFieldError(form, "token", text);
    input.focus();
  }
}

async function signOut() {
  try {
    await api.delete("/v1/session");
  } finally {
    stop("You have signed out.");
  }
}

function stop(message) {
  if (app) {
    app.live.stop();
    for (const panel of Object.values(app.panels)) panel.stop?.();
  }
  app = null;
  setCsrf(null);
  showSignIn("", message);
  announce(message);
}

function liveBadge() {
  return h("span", { class: "live off", id: "live", role: "status", text: "offline" });
}

async function start(session) {
  setCsrf(session.csrf);
  $("signin").hidden = true;
  await loadRoutes();
  const [parties, checkpoint] = await Promise.all([api.get("/v1/parties"), api.get("/v1/checkpoint")]);
  const badge = liveBadge();
  const live = new Live((status) => {
    badge.className = `live ${status}`;
    badge.textContent = status === "live" ? "live" : status;
    // The node ends a stream whose session expired or was signed out elsewhere; find out which.
    if (status === "closed" && app) api.get("/v1/me").catch(() => {});
  });
  app = {
    session,
    parties: parties.parties,
    live,
    panels: {},
    navigate,
  };
  assignParties(session.party, parties.parties.map((p) => p.id));
  app.conflicts = new ConflictStore(app);
  // Start the stream first, after the log's size now: whatever is appended while the views load
  // reaches them, and what they loaded already is recognised and skipped.
  live.start(checkpoint.size);

  const party = parties.parties.find((p) => p.id === session.party);
  fill(
    $("whoami"),
    h(
      "span",
      { class: "member", title: `${session.name} (${session.member}), ${session.role} of ${party ? party.name : session.party}` },
      h("strong", { text: session.member }),
      ` · ${session.party} · ${session.role}`,
    ),
    badge,
    h("span", { class: "expires", title: "When this session ends", text: `until ${fmt(ms(session.expires_at)).slice(11)}` }),
    button("Sign out", signOut, { id: "signout" }),
  );
  $("whoami").hidden = false;

  const tabs = $("tabs");
  const list = h("div", { role: "tablist", "aria-label": "Views" });
  const views = $("views");
  fill(views);
  for (const [id, label] of VIEWS) {
    list.append(
      h("button", {
        type: "button",
        role: "tab",
        id: `tab-${id}`,
        "aria-controls": `view-${id}`,
        "aria-selected": "false",
        tabindex: "-1",
        dataset: { view: id },
        text: label,
        onclick: () => navigate(id),
      }),
    );
    views.append(h("div", { role: "tabpanel", id: `view-${id}`, "aria-labelledby": `tab-${id}`, hidden: true, tabindex: "-1" }));
  }
  list.addEventListener("keydown", (event) => {
    const buttons = [...list.querySelectorAll("[role=tab]")];
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    let next = null;
    if (event.key === "ArrowRight") next = buttons[(i + 1) % buttons.length];
    if (event.key === "ArrowLeft") next = buttons[(i - 1 + buttons.length) % buttons.length];
    if (event.key === "Home") next = buttons[0];
    if (event.key === "End") next = buttons[buttons.length - 1];
    if (next) {
      event.preventDefault();
      next.focus();
      navigate(next.dataset.view);
    }
  });
  fill(tabs, list);
  tabs.hidden = false;

  app.conflicts.subscribe((items) => {
    const open = items.filter((c) => c.status === "open").length;
    const tab = $("tab-conflicts");
    if (tab) tab.textContent = open ? `Conflicts (${open} open)` : "Conflicts";
  });
  app.conflicts.load().catch(() => {});
  const wanted = window.location.hash.slice(1);
  navigate(VIEWS.some(([id]) => id === wanted) ? wanted : "map");
  announce(`Signed in as ${session.member} of ${session.party}.`);
}

/** Show a view; `params` let one view send the member to something in another. */
function navigate(id, params = {}) {
  if (!app) return;
  for (const [viewId, , create] of VIEWS) {
    const tab = $(`tab-${viewId}`);
    const panelBox = $(`view-${viewId}`);
    const active = viewId === id;
    tab.setAttribute("aria-selected", String(active));
    tab.tabIndex = active ? 0 : -1;
    panelBox.hidden = !active;
    if (active) {
      if (!app.panels[viewId]) {
        app.panels[viewId] = create(app);
        panelBox.append(app.panels[viewId].el);
      }
      app.panels[viewId].show(params);
    }
  }
  if (window.location.hash !== `#${id}`) history.replaceState(null, "", `#${id}`);
}

async function boot() {
  $("signin-form").addEventListener("submit", signIn);
  window.addEventListener("liaison:signed-out", () => {
    if (app) stop("Your session has ended: sign in again.");
  });
  try {
    const session = await api.get("/v1/session");
    await start(session);
  } catch (problem) {
    if (problem instanceof Problem && (problem.status === 401 || problem.status === 403)) showSignIn();
    else showSignIn(problem.detail || String(problem));
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
