// Build Liaison's web page into liaison/web/static/ (committed, so a node needs no npm at run time).
//
//   npm ci && npm run build            write the assets
//   npm ci && node build.mjs --check   fail if the committed assets differ from a fresh build
//
// The bundle is deterministic for a given package-lock.json: esbuild writes the same bytes for the
// same inputs, and the basemap is copied byte for byte from the world-atlas package.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "liaison", "web", "static");
const check = process.argv.includes("--check");

function licences() {
  const names = ["world-atlas", "topojson-client", "d3-geo", "d3-array", "internmap", "milsymbol", "@noble/ed25519", "@noble/hashes"];
  const parts = [
    "Third-party software and data in this directory, as built by web/build.mjs.",
    "",
    "countries-50m.json, countries-110m.json: Natural Earth 1:50m and 1:110m countries",
    "(public domain, https://www.naturalearthdata.com/),",
    "converted to TopoJSON by the world-atlas package (ISC licence, below).",
    "",
  ];
  for (const name of names) {
    const dir = join(here, "node_modules", name);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    parts.push(`== ${name} ${pkg.version} (${pkg.license})`, "");
    parts.push(file ? readFileSync(join(dir, file), "utf8").trim() : `Licence: ${pkg.license}`, "");
  }
  return parts.join("\n") + "\n";
}

async function buildInto(out) {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(here, "src", "main.js")],
    bundle: true,
    format: "esm",
    minify: true,
    legalComments: "none",
    target: ["chrome110", "firefox115", "safari16"],
    outfile: join(out, "app.js"),
    logLevel: "warning",
  });
  copyFileSync(join(here, "src", "index.html"), join(out, "index.html"));
  copyFileSync(join(here, "src", "app.css"), join(out, "app.css"));
  for (const scale of ["50m", "110m"]) {
    const name = `countries-${scale}.json`;
    copyFileSync(join(here, "node_modules", "world-atlas", name), join(out, name));
  }
  writeFileSync(join(out, "THIRD-PARTY.txt"), licences());
}

function digest(dir) {
  const found = {};
  for (const name of readdirSync(dir).sort()) {
    found[name] = createHash("sha256").update(readFileSync(join(dir, name))).digest("hex");
  }
  return found;
}

if (check) {
  const temp = mkdtempSync(join(tmpdir(), "liaison-web-"));
  try {
    await buildInto(temp);
    const fresh = digest(temp);
    const committed = digest(target);
    const differ = Object.keys({ ...fresh, ...committed }).filter((k) => fresh[k] !== committed[k]);
    if (differ.length) {
      console.error(`liaison/web/static differs from a fresh build: ${differ.join(", ")} (run: make web)`);
      process.exit(1);
    }
    console.log("liaison/web/static matches a fresh build");
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
} else {
  await buildInto(target);
  console.log(`built ${Object.keys(digest(target)).length} files into ${target}`);
}
