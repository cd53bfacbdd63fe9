// Time is UTC everywhere (ISO 8601 on the wire); the page shows it as UTC too, never local time,
// so two officers in different zones read the same clock.

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

/** Milliseconds since the epoch of an ISO 8601 instant (microseconds are dropped). */
export function ms(iso) {
  return Date.parse(iso);
}

function pad(n, width = 2) {
  return String(n).padStart(width, "0");
}

/** "2026-11-21 14:05Z" (seconds when they are not zero). */
export function fmt(t) {
  if (!Number.isFinite(t)) return "—";
  const d = new Date(t);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return d.getUTCSeconds() ? `${base}:${pad(d.getUTCSeconds())}Z` : `${base}Z`;
}

/** An ISO instant as the API expects it. */
export function iso(t) {
  return new Date(t).toISOString();
}

/** The value of an <input type="datetime-local"> holding `t` as UTC. */
export function toInput(t) {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** The UTC instant an <input type="datetime-local"> holds, or NaN. */
export function fromInput(value) {
  if (!value) return NaN;
  return Date.parse(value.length === 16 ? `${value}:00Z` : `${value}Z`);
}

/** A date-time group as messages carry it: "121630Z JUL 44" style, from an instant. */
export function dtg(t) {
  const d = new Date(t);
  return `${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCFullYear() % 100)}`;
}

/** "3 min ago", "in 2 h": how far `t` is from `now`, for staleness and windows. */
export function relative(t, now = Date.now()) {
  const delta = t - now;
  const abs = Math.abs(delta);
  let text;
  if (abs < 60_000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)} min`;
  else if (abs < 172_800_000) text = `${Math.round(abs / 3_600_000)} h`;
  else text = `${Math.round(abs / 86_400_000)} d`;
  return delta < 0 ? `${text} ago` : `in ${text}`;
}
