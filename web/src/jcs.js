// RFC 8785 JSON Canonicalization Scheme: the bytes every entry id, leaf and signature covers.
//
// JCS is defined in terms of ECMAScript's own JSON serialisation, so for the values the record
// holds (strings, integers, booleans, null, arrays, objects; no floats in signed bytes) it is
// JSON.stringify with object keys sorted by UTF-16 code units, which is JavaScript's default
// string order. Integers beyond 2**53 cannot survive JSON.parse in a browser; such an entry is
// reported as not verifiable here rather than wrongly verified.

export function canonicalize(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("JCS: numbers must be finite");
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new Error("JCS: an integer beyond 2**53 cannot be reproduced in the browser");
    }
    return JSON.stringify(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalize(value[k])}`).join(",")}}`;
  }
  throw new Error(`JCS: cannot canonicalize ${typeof value}`);
}

export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalize(value));
}
