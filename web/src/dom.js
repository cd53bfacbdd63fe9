// A tiny, safe way to build the page: every string becomes a text node, never HTML, so nothing a
// party wrote on the record can inject markup or script into another party's page.

/**
 * Create an element. `attrs` may hold: class, text, on<Event> handlers, dataset (object),
 * boolean properties (hidden, disabled, checked, selected), value, and any other attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value") el.value = value;
    else if (key === "hidden" || key === "disabled" || key === "checked" || key === "selected" || key === "open") el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let politeRegion = null;

/** Say something to screen readers (and show it in the status line) without moving focus. */
let clearTimer = null;
export function announce(message) {
  politeRegion ||= document.getElementById("status");
  if (!politeRegion) return;
  politeRegion.textContent = message;
  clearTimeout(clearTimer);
  clearTimer = setTimeout(() => {
    politeRegion.textContent = "";
  }, 8000);
}

/** A unique id for labels and aria references. */
let counter = 0;
export function uid(prefix = "id") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled form field with a place for its own error, so errors appear where they happen. */
export function field(label, input, { hint = null, name = null } = {}) {
  const id = input.id || uid("f");
  input.id = id;
  if (name) input.name = name;
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true, role: "alert" });
  const described = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
  input.setAttribute("aria-describedby", described);
  return h(
    "div",
    { class: "field", dataset: { field: name || "" } },
    h("label", { for: id, text: label }),
    hint ? h("p", { class: "hint", id: `${id}-hint`, text: hint }) : null,
    input,
    error,
  );
}

/** Show `message` as the error of the field named `name` inside `form` (or clear it with null). */
export function setFieldError(form, name, message) {
  const wrap = form.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
  if (!wrap) return false;
  const error = wrap.querySelector(".field-error");
  const input = wrap.querySelector("input, select, textarea");
  if (message) {
    error.textContent = message;
    error.hidden = false;
    input?.setAttribute("aria-invalid", "true");
  } else {
    error.textContent = "";
    error.hidden = true;
    input?.removeAttribute("aria-invalid");
  }
  return true;
}

export function clearErrors(form) {
  for (const wrap of form.querySelectorAll(".field[data-field]")) setFieldError(form, wrap.dataset.field, null);
  const general = form.querySelector(".form-error");
  if (general) {
    general.textContent = "";
    general.hidden = true;
  }
}

/** A button; `onClick` may be async, and the button is disabled while it runs. */
export function button(label, onClick, attrs = {}) {
  const el = h("button", { type: "button", ...attrs, text: label });
  el.addEventListener("click", async (event) => {
    if (el.disabled) return;
    el.disabled = true;
    try {
      await onClick(event);
    } finally {
      el.disabled = false;
    }
  });
  return el;
}

/** Short form of an entry id, as people read them aloud. */
export function shortId(id) {
  return id ? `${id.slice(0, 8)}…` : "";
}
