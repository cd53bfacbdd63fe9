// Verify, in the browser, that an entry is in the log the node signed: trust nothing the node
// says that can be recomputed here.
//
//   content --JCS, SHA-256--> entry id            (the id is a salted commitment to the content)
//   content --Ed25519 node key--> node signature  (the node vouched for exactly these bytes)
//   stamp   --JCS, 0x00 || ..., SHA-256--> leaf   (RFC 9162 leaf hash of {v, seq, entry, at})
//   leaf + inclusion proof --RFC 9162 2.1.3.2--> root of the tree of the checkpoint's size
//   checkpoint note --Ed25519 verifier key--> signed "origin / size / root"  (C2SP signed note)
//
// SHA-256 and Ed25519 come from WebCrypto when the browser offers them (a secure context:
// https, or http on localhost); otherwise from the vendored @noble/hashes and @noble/ed25519,
// so verification works on a plain-http node on the local network too.
import * as ed from "@noble/ed25519";
import { sha256 as nobleSha256, sha512 as nobleSha512 } from "@noble/hashes/sha2.js";
import { canonicalBytes } from "./jcs.js";

ed.hashes.sha512 = nobleSha512;

const subtle = globalThis.crypto?.subtle;
const CONTENT_FIELDS = ["v", "kind", "body", "author", "party", "time", "release", "supersedes", "salt"];

export function b64decode(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) out[i] = raw.charCodeAt(i);
  return out;
}

export function b64encode(bytes) {
  let raw = "";
  for (const b of bytes) raw += String.fromCharCode(b);
  return btoa(raw);
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a[i] ^ b[i];
  return diff === 0;
}

export async function sha256(bytes) {
  if (subtle) return new Uint8Array(await subtle.digest("SHA-256", bytes));
  return nobleSha256(bytes);
}

let webcryptoEd25519 = null;

/** Whether this browser verifies Ed25519 in WebCrypto (Chromium and Firefox do). */
async function hasWebcryptoEd25519() {
  if (webcryptoEd25519 !== null) return webcryptoEd25519;
  webcryptoEd25519 = false;
  if (subtle) {
    try {
      await subtle.importKey("raw", new Uint8Array(32).fill(1), { name: "Ed25519" }, false, ["verify"]);
      webcryptoEd25519 = true;
    } catch {
      webcryptoEd25519 = false;
    }
  }
  return webcryptoEd25519;
}

/** Verify an Ed25519 signature; returns [ok, which implementation checked it]. */
export async function verifyEd25519(publicKey, signature, message) {
  if (await hasWebcryptoEd25519()) {
    try {
      const key = await subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
      return [await subtle.verify({ name: "Ed25519" }, key, signature, message), "WebCrypto"];
    } catch {
      return [false, "WebCrypto"];
    }
  }
  try {
    return [ed.verify(signature, message, publicKey), "@noble/ed25519"];
  } catch {
    return [false, "@noble/ed25519"];
  }
}

export async function leafHash(data) {
  return sha256(concat(new Uint8Array([0]), data));
}

async function nodeHash(left, right) {
  return sha256(concat(new Uint8Array([1]), left, right));
}

/**
 * The root an inclusion proof implies for `leaf` at `index` in a tree of `size` (RFC 9162
 * section 2.1.3.2), or null where the RFC says to fail. Sizes stay below 2**53 here.
 */
export async function rootFromInclusionProof(leaf, index, size, proof) {
  if (!(index >= 0 && index < size)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** Parse a verifier key "<name>+<hex key id>+<base64(0x01 || key)>" and check its key id. */
export async function parseVerifierKey(text) {
  // The base64 part may itself contain '+': split at the first two only.
  const first = text.indexOf("+");
  const second = text.indexOf("+", first + 1);
  if (first <= 0 || second !== first + 9) throw new Error("malformed verifier key");
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  const encoded = text.slice(second + 1);
  if (!/^[0-9a-fA-F]{8}$/.test(idHex) || !encoded) throw new Error("malformed verifier key");
  const raw = b64decode(encoded);
  if (raw.length !== 33 || raw[0] !== 1) throw new Error("the verifier key is not an Ed25519 key");
  const publicKey = raw.slice(1);
  const id = (await sha256(concat(new TextEncoder().encode(`${name}\n`), raw))).slice(0, 4);
  if (hex(id) !== idHex.toLowerCase()) throw new Error("the verifier key's id does not match its name and key");
  return { name, keyId: id, publicKey };
}

/** Split a signed note into its text and signature lines (C2SP signed-note). */
export function parseNote(note) {
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0 || !note.endsWith("\n")) throw new Error("malformed note");
  const text = note.slice(0, cut + 1);
  const signatures = [];
  for (const line of note.slice(cut + 2, -1).split("\n")) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!match) throw new Error("malformed signature line");
    const raw = b64decode(match[2]);
    if (raw.length < 5) throw new Error("malformed signature");
    signatures.push({ name: match[1], keyId: raw.slice(0, 4), signature: raw.slice(4) });
  }
  return { text, signatures };
}

/** The content of an entry as it was signed: exactly the content fields. */
export function contentOf(entry) {
  const content = {};
  for (const key of CONTENT_FIELDS) content[key] = entry[key];
  return content;
}

/**
 * Check one entry end to end. `fetchJson(path, params)` reads the API (as the signed-in member).
 * Returns {ok, steps: [{label, ok, detail}], checkpoint}.
 */
export async function verifyEntry(entry, fetchJson) {
  const steps = [];
  const step = (label, ok, detail) => {
    steps.push({ label, ok, detail });
    return ok;
  };
  const done = (checkpoint = null) => ({ ok: steps.every((s) => s.ok), steps, checkpoint });
  try {
    const content = contentOf(entry);
    const raw = canonicalBytes(content);
    const id = hex(await sha256(raw));
    if (!step("The entry id is the SHA-256 of its content (RFC 8785 bytes)", id === entry.id, id)) return done();

    const node = await fetchJson("/v1/node");
    const [nodeOk, impl] = await verifyEd25519(b64decode(node.public_key), b64decode(entry.signatures.node), raw);
    step(`The node's Ed25519 signature covers exactly that content (${impl})`, nodeOk, node.public_key);

    const checkpoint = await fetchJson("/v1/checkpoint");
    if (!step("The checkpoint includes the entry", entry.seq <= checkpoint.size, `size ${checkpoint.size}, entry ${entry.seq}`)) {
      return done(checkpoint);
    }
    const proof = await fetchJson("/v1/proofs/inclusion", { seq: entry.seq, tree_size: checkpoint.size });
    const stamp = proof.stamp;
    step("The stamp names this entry at this sequence number", stamp.entry === entry.id && stamp.seq === entry.seq, `seq ${stamp.seq}`);
    const leaf = await leafHash(canonicalBytes(stamp));
    const root = await rootFromInclusionProof(leaf, stamp.seq - 1, proof.tree_size, proof.proof.map(b64decode));
    const checkpointRoot = b64decode(checkpoint.root);
    step(
      `The inclusion proof (${proof.proof.length} hashes) leads to the checkpoint's root (RFC 9162)`,
      root !== null && proof.tree_size === checkpoint.size && equal(root, checkpointRoot),
      root ? b64encode(root) : "no root",
    );

    const key = await parseVerifierKey(node.verifier_key);
    const { text, signatures } = parseNote(checkpoint.note);
    const lines = text.split("\n");
    step(
      "The signed checkpoint says this origin, size and root",
      lines[0] === node.origin && lines[1] === String(checkpoint.size) && lines[2] === checkpoint.root,
      `${lines[0]} / ${lines[1]}`,
    );
    const mine = signatures.find((s) => s.name === key.name && equal(s.keyId, key.keyId));
    if (!step("The checkpoint carries a signature by the node's verifier key", Boolean(mine), key.name)) return done(checkpoint);
    const [sigOk, sigImpl] = await verifyEd25519(key.publicKey, mine.signature, new TextEncoder().encode(text));
    step(`The checkpoint's Ed25519 signature verifies (${sigImpl})`, sigOk, node.verifier_key);
    return done(checkpoint);
  } catch (error) {
    step("Verification could not be completed", false, String(error.message || error));
    return done();
  }
}
