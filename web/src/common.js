// Small things several views share.
import { h } from "./dom.js";
import { fmt, ms } from "./time.js";

const ROLES = ["observer", "officer", "commander", "plenipotentiary"];

/** Whether `role` is at least `least` (observer < officer < commander < plenipotentiary). */
export function atLeast(role, least) {
  return ROLES.indexOf(role) >= ROLES.indexOf(least);
}

/** A definition list from [term, value] pairs (values may be nodes); empty values are skipped. */
export function facts(pairs) {
  const dl = h("dl", { class: "facts" });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(h("dt", { text: term }), h("dd", {}, value));
  }
  return dl;
}

export function when(iso) {
  return h("time", { datetime: iso, text: fmt(ms(iso)) });
}

export function pill(text, kind = "") {
  return h("span", { class: `pill ${kind}`.trim(), text });
}

/** A message in place of a panel whose routes this node does not serve. */
export function missingRoutes(what, routes) {
  return h(
    "div",
    { class: "notice" },
    h("p", { text: `This node does not serve ${what} yet.` }),
    h("p", { class: "hint", text: `The page looks for: ${routes.join(", ")}.` }),
  );
}

/** Show an API problem inside `el` (role=alert), replacing what was there. */
export function problemBox(problem) {
  const title = problem.status ? `${problem.title || "Refused"} (${problem.status})` : problem.title || "Error";
  return h("div", { class: "problem", role: "alert" }, h("strong", { text: title }), h("p", { text: problem.detail || String(problem.message || problem) }));
}

/** Debounce: run `fn` once, `wait` ms after the last call. */
export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}
