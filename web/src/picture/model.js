// The picture as the member's party may see it, rebuilt in the page from the picture entries
// released to it (GET /v1/entries?kind=picture.*, then the live stream). Keeping the versions and
// every position report, not just the latest, is what lets the time control show the picture at
// any moment and play it forward without asking the node again for every frame.
//
// Two clocks. The *valid* time t is the moment shown: operations whose windows contain t, the
// position each unit reported last before t (faded once stale), measures in force at t. With
// `replay`, the page also shows only what was on the record at t (entries appended up to t), as
// the party saw it then; without it, the latest version known now.
import { decodeMeasure, decodeOperation, decodeUnit } from "./decode.js";

export const PICTURE_KINDS = ["picture.operation", "picture.unit", "picture.measure"];

/** Insert keeping `list` ordered by `after(a, b)` (true when a goes after b); appends are O(1). */
function insertBy(list, item, after) {
  let i = list.length;
  while (i > 0 && after(list[i - 1], item)) i -= 1;
  list.splice(i, 0, item);
}

const bySeq = (a, b) => a.seq > b.seq;
const byReportTime = (a, b) => a.time > b.time || (a.time === b.time && a.seq > b.seq);

/** Last index in a sorted list with key(item) <= value, or -1. */
function lastAtOrBefore(list, value, key) {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (key(list[mid]) <= value) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

function inSchedule(measure, t) {
  const s = measure.schedule;
  if (!s) return true;
  const period = s.period_s * 1000;
  const phase = (((t - Date.parse(s.anchor)) % period) + period) % period;
  return s.windows_s.some(([a, b]) => phase >= a * 1000 && phase < b * 1000);
}

export class Picture {
  constructor() {
    this.operations = new Map(); // key -> versions, by seq
    this.units = new Map(); // key -> reports, by report time
    this.measures = new Map(); // key -> versions, by seq
    this.seen = new Set();
    this.version = 0;
    this.first = Infinity;
    this.last = -Infinity;
  }

  /** Take one entry (from a page of entries or the live stream); true if it changed the picture. */
  ingest(entry) {
    if (this.seen.has(entry.id)) return false;
    let item;
    try {
      if (entry.kind === "picture.operation") {
        item = decodeOperation(entry);
        insertBy(this._list(this.operations, item.key), item, bySeq);
        for (const v of item.volumes) this._span(v.start, v.end);
      } else if (entry.kind === "picture.unit") {
        item = decodeUnit(entry);
        insertBy(this._list(this.units, item.key), item, byReportTime);
        this._span(item.time, item.stale);
      } else if (entry.kind === "picture.measure") {
        item = decodeMeasure(entry);
        item.schedule = entry.body.schedule || null;
        insertBy(this._list(this.measures, item.key), item, bySeq);
        this._span(item.start, Math.min(item.end, item.start + 30 * 86_400_000));
      } else {
        return false;
      }
    } catch (error) {
      console.warn("an entry the page cannot draw", entry.id, error);
      return false;
    }
    this.seen.add(entry.id);
    this.version += 1;
    return true;
  }

  _list(map, key) {
    let list = map.get(key);
    if (!list) {
      list = [];
      map.set(key, list);
    }
    return list;
  }

  _span(start, end) {
    if (Number.isFinite(start)) this.first = Math.min(this.first, start);
    if (Number.isFinite(end)) this.last = Math.max(this.last, end);
  }

  _latest(versions, asOf) {
    if (asOf === null) return versions[versions.length - 1];
    for (let i = versions.length - 1; i >= 0; i -= 1) if (versions[i].appendedAt <= asOf) return versions[i];
    return null;
  }

  /**
   * What to draw at valid time `t`: {volumes: [{op, volume}], units: [{report, stale}],
   * measures: [measure]}. With `replay`, only entries appended by `t`.
   */
  at(t, { replay = false } = {}) {
    const asOf = replay ? t : null;
    const volumes = [];
    for (const versions of this.operations.values()) {
      const op = this._latest(versions, asOf);
      if (!op || op.state === "cancelled") continue;
      for (const volume of op.volumes) if (volume.start <= t && t < volume.end) volumes.push({ op, volume });
    }
    const units = [];
    for (const reports of this.units.values()) {
      let i = lastAtOrBefore(reports, t, (r) => r.time);
      while (i >= 0 && asOf !== null && reports[i].appendedAt > asOf) i -= 1;
      if (i < 0) continue;
      const report = reports[i];
      units.push({ report, stale: t >= report.stale });
    }
    const measures = [];
    for (const versions of this.measures.values()) {
      const m = this._latest(versions, asOf);
      if (!m || m.state === "withdrawn") continue;
      if (m.start <= t && t < m.end && inSchedule(m, t)) measures.push(m);
    }
    return { volumes, units, measures };
  }

  /** The latest version of one operation or measure by key, and all its versions. */
  operation(key) {
    const versions = this.operations.get(key) || [];
    return { latest: versions[versions.length - 1] || null, versions };
  }

  /**
   * The latest moment at or before `t` when something begins (a report, a volume, a measure),
   * or the earliest beginning if all begin later; null for an empty picture. For a record whose
   * picture lies in the past (a historical scenario), the map opens there rather than on nothing.
   */
  latestStart(t) {
    let before = -Infinity;
    let after = Infinity;
    const consider = (start) => {
      if (start <= t) before = Math.max(before, start);
      else after = Math.min(after, start);
    };
    for (const versions of this.operations.values()) for (const v of versions[versions.length - 1].volumes) consider(v.start);
    for (const reports of this.units.values()) consider(reports[reports.length - 1].time);
    for (const versions of this.measures.values()) consider(versions[versions.length - 1].start);
    if (Number.isFinite(before)) return before;
    return Number.isFinite(after) ? after : null;
  }

  counts() {
    let reports = 0;
    for (const r of this.units.values()) reports += r.length;
    return { operations: this.operations.size, units: this.units.size, reports, measures: this.measures.size };
  }
}
