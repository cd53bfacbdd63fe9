// Every request the page makes goes through here: same origin only, the session cookie sent by
// the browser, the session's CSRF token on every change, and one error type for RFC 9457 problems.

const CSRF_HEADER = "X-Liaison-CSRF";
let csrf = null;
let routes = null;

/** An RFC 9457 problem from the API (or a network failure, with status 0). */
export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.type = body?.type || "";
    this.title = body?.title || "";
    this.detail = body?.detail || this.message;
  }

  /** The stable slug of the problem type, e.g. "invalid-body". */
  get slug() {
    return this.type.split(":").pop();
  }

  /**
   * The field errors in a validation detail, as [{path, message}], e.g.
   * "volumes.0.footprint: self_intersection: polygon 0: ..." -> path "volumes.0.footprint".
   */
  get fields() {
    let text = this.detail || "";
    const kindPrefix = /^the body does not fit kind '[^']*': /;
    text = text.replace(kindPrefix, "");
    const found = [];
    for (const part of text.split("; ")) {
      const match = /^((?:body\.)?[A-Za-z_][\w]*(?:\.[\w]+)*): (.*)$/s.exec(part);
      if (match) found.push({ path: match[1].replace(/^body\./, ""), message: match[2].replace(/^Value error, /, "") });
    }
    return found;
  }
}

export function setCsrf(token) {
  csrf = token;
}

function url(path, params) {
  const u = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    u.searchParams.set(key, String(value));
  }
  return u.pathname + u.search;
}

async function request(method, path, { params, body, headers = {} } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (method !== "GET" && method !== "HEAD" && csrf) init.headers[CSRF_HEADER] = csrf;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url(path, params), init);
  } catch (error) {
    throw new Problem(0, { title: "The node cannot be reached", detail: String(error.message || error) });
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const problem = new Problem(response.status, typeof data === "object" ? data : { detail: data });
    if (response.status === 401 && !path.startsWith("/v1/session")) {
      window.dispatchEvent(new CustomEvent("liaison:signed-out", { detail: problem }));
    }
    throw problem;
  }
  return data;
}

export const api = {
  get: (path, params) => request("GET", path, { params }),
  post: (path, body, params) => request("POST", path, { body, params }),
  delete: (path) => request("DELETE", path),
  /** Sign in with a member token: the token goes once, in a header, and is never stored. */
  signIn: (token) => request("POST", "/v1/session", { headers: { Authorization: `Bearer ${token}` } }),
  text: async (path, params) => {
    const response = await fetch(url(path, params), { credentials: "same-origin" });
    if (!response.ok) throw new Problem(response.status, { detail: await response.text() });
    return response.text();
  },
};

/** Learn which routes this node serves, from its OpenAPI document, so panels adapt. */
export async function loadRoutes() {
  const spec = await request("GET", "/openapi.json");
  routes = new Set();
  for (const [path, operations] of Object.entries(spec.paths || {})) {
    for (const method of Object.keys(operations)) routes.add(`${method.toUpperCase()} ${path}`);
  }
  return routes;
}

/** True when the node serves `method path` (path as in the OpenAPI document, with {params}). */
export function hasRoute(method, path) {
  return routes !== null && routes.has(`${method} ${path}`);
}

/** Fetch every page of a paged list (`next_after`), calling `onPage` with each page's items. */
export async function allPages(path, params, key, onPage) {
  let after = params.after || 0;
  for (;;) {
    const page = await api.get(path, { ...params, after, limit: 1000 });
    const items = page[key] || [];
    onPage(items);
    if (page.next_after === null || page.next_after === undefined || items.length === 0) return;
    after = page.next_after;
  }
}
