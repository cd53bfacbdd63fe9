"""Benchmark the map in a real browser: 10,000 units and 5,000 operations, as a member sees them.

    .venv/bin/python -m tests.web.bench_map [--units 10000] [--operations 5000] [--store DIR]

The picture is put on the record through the record service (the same appends, signatures and
deconfliction as any write; about three and a half minutes for the default sizes on a 2-core
machine, so ``--store DIR`` keeps the store and reuses it on the next run). A real uvicorn
serves it; Debian's Chromium (headless, software rendering: no GPU) signs in as a member of a
party to which everything is released, loads every picture entry through ``GET /v1/entries``,
and then, with every unit and operation in view:

* **frame**: what one frame of the map costs (the canvas drawing, measured in the page), and the
  interval between frames while the map pans continuously for three seconds;
* **interaction latency**: the Event Timing API's duration (input delay + handling + the next
  paint) of mouse clicks that select, arrow keys that pan, wheel zooms and time-slider moves;
* **long tasks**: the longest task on the main thread while doing all that (a "freeze").

It prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liaison.api import create_app
from liaison.node import Node
from tests.api.support import running_server
from tests.conftest import make_world
from tests.web.support import chromium, seed_bulk

if TYPE_CHECKING:
    from playwright.sync_api import Page

OBSERVE = """
() => {
  const bench = { latency: [], slow: [], longtasks: [] };
  window.__bench = bench;
  // Input to the frame that shows its effect: a bubbling listener runs after the page's own
  // handlers, so its animation-frame callback comes after the map's render in the same frame.
  for (const type of ["pointerup", "keydown", "wheel", "input"]) {
    window.addEventListener(type, (e) => {
      const t0 = e.timeStamp;
      requestAnimationFrame(() => bench.latency.push(performance.now() - t0));
    });
  }
  // The browser's own view, to the paint: events of 16 ms or more (the API's floor).
  // Grouped per interaction (a click is pointerdown, mouseup, click...): its longest event.
  const interactions = new Map();
  bench.interactions = interactions;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const id = e.interactionId;
      if (id) interactions.set(id, Math.max(interactions.get(id) || 0, e.duration));
    }
    bench.slow = [...interactions.values()];
  }).observe({ type: "event", durationThreshold: 16 });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longtasks.push(e.duration);
  }).observe({ type: "longtask" });
}
"""

CRISP = """
(times) => {
  // A full redraw of base and overlay, timed to the pixels (getImageData waits for the raster).
  const view = window.liaison.map;
  const out = [];
  for (let i = 0; i < times; i += 1) {
    const t0 = performance.now();
    view._renderBase();
    view._renderOverlay();
    view.ctx.getImageData(0, 0, 1, 1);
    view.baseCtx.getImageData(0, 0, 1, 1);
    out.push(performance.now() - t0);
  }
  return out;
}
"""

PAN = """
async (ms) => {
  const view = window.liaison.map;
  view.frameTimes.length = 0;
  const intervals = [];
  let last = null;
  const end = performance.now() + ms;
  await new Promise((resolve) => {
    const step = (now) => {
      if (last !== null) intervals.push(now - last);
      last = now;
      view.panBy(2, 0);
      if (now < end) requestAnimationFrame(step); else resolve();
    };
    requestAnimationFrame(step);
  });
  return { intervals, renders: [...view.frameTimes], drawn: view.drawn };
}
"""


def _store(store: Path | None, units: int, operations: int) -> tuple[Node, dict[str, str]]:
    """The node to serve and a token for each member that signs in.

    A store kept from an earlier run (``--store``) is reopened, with new tokens (only their
    hashes are kept); otherwise a fresh world is made and the picture put on its record.
    """
    members = ("eden", "burrows", "deane", "slavin")
    if store is not None and (store / "liaison.db").exists():
        node = Node.open(str(store / "liaison.db"), next(store.glob("node-*.key")))
        return node, {m: node.roster.issue_token(m) for m in members}
    where = store or Path(tempfile.mkdtemp(prefix="liaison-bench-web-"))
    where.mkdir(parents=True, exist_ok=True)
    world = make_world(str(where / "liaison.db"), where)
    started = time.perf_counter()
    seed_bulk(world, units, operations)
    took = time.perf_counter() - started
    print(f"seeded {units} units and {operations} operations in {took:.0f} s", file=sys.stderr)
    return world.node, {m: world.token(m) for m in members}


def _summary(values: Sequence[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(ordered):.1f} / {p95:.1f} / {ordered[-1]:.1f}"


def _phase(page: Page) -> dict[str, list[float]]:
    """The latencies measured since the last phase: all of them, and the browser's slow ones."""
    page.wait_for_timeout(600)
    found: dict[str, list[float]] = page.evaluate(
        "() => { const b = window.__bench; const out = {latency: b.latency, slow: b.slow};"
        " b.latency = []; b.slow = []; b.interactions.clear(); return out; }"
    )
    return found


def run(units: int, operations: int, store: Path | None) -> dict[str, Any]:
    node, tokens = _store(store, units, operations)
    app = create_app(node, poll_seconds=0.2)
    out: dict[str, Any] = {}
    with running_server(app) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url)
        page.get_by_label("Member token").fill(tokens["eden"])
        started = time.perf_counter()
        page.get_by_role("button", name="Sign in").click()
        page.locator(".view-map[data-ready=true]").wait_for(timeout=600_000)
        out["load_s"] = time.perf_counter() - started
        out["counts"] = page.evaluate("window.liaison.picture.counts()")
        # Everything in view: Europe, where the picture lies.
        page.evaluate("window.liaison.map.centreOn(15, 48, 6.5)")
        page.wait_for_timeout(500)
        out["drawn"] = page.evaluate("window.liaison.map.drawn")
        out["crisp_ms"] = page.evaluate(CRISP, 10)
        page.evaluate(OBSERVE)
        pan = page.evaluate(PAN, 3000)
        out["frame_ms"] = pan["renders"]
        out["interval_ms"] = pan["intervals"]
        _phase(page)
        canvas = page.locator("canvas.map-overlay")
        box = canvas.bounding_box()
        assert box is not None
        for i in range(15):
            page.mouse.click(box["x"] + 200 + 45 * i, box["y"] + 300 + 13 * (i % 5))
            page.wait_for_timeout(150)
        out["click_ms"] = _phase(page)
        canvas.focus()
        for key in ["ArrowRight", "ArrowLeft"] * 8:
            page.keyboard.press(key)
            page.wait_for_timeout(120)
        out["key_ms"] = _phase(page)
        page.mouse.move(box["x"] + 500, box["y"] + 380)
        for delta in [-200, 200] * 6:
            page.mouse.wheel(0, delta)
            page.wait_for_timeout(150)
        out["wheel_ms"] = _phase(page)
        page.locator("#time-slider").focus()
        for _ in range(12):
            page.keyboard.press("PageUp")
            page.wait_for_timeout(150)
        out["slider_ms"] = _phase(page)
        out["longtasks"] = page.evaluate("window.__bench.longtasks")
        out["chromium"] = browser.version
    node.close()
    return out


def report(out: dict[str, Any]) -> str:
    counts = out["counts"]
    drawn = out["drawn"]

    def latency(name: str) -> str:
        phase = out[name]
        slow = phase["slow"]
        over = f"{len(slow)}, longest {max(slow):.0f} ms" if slow else "none"
        return f"{_summary(phase['latency'])} | {over} |"

    rows = [
        ("load: sign-in to the whole picture drawn (s)", f"{out['load_s']:.1f} | |"),
        (
            "a full redraw of everything in view, to the pixels (ms)",
            f"{_summary(out['crisp_ms'])} | |",
        ),
        ("a frame while panning, canvas work (ms)", f"{_summary(out['frame_ms'])} | |"),
        ("interval between frames while panning (ms)", f"{_summary(out['interval_ms'])} | |"),
        ("click to select, to the frame drawn (ms)", latency("click_ms")),
        ("arrow key pans, to the frame drawn (ms)", latency("key_ms")),
        ("wheel zooms, to the frame drawn (ms)", latency("wheel_ms")),
        ("time slider step, to the frame drawn (ms)", latency("slider_ms")),
        (
            "longest main-thread task in all of it (ms)",
            f"{max(out['longtasks'], default=0):.0f} | |",
        ),
    ]
    lines = [
        f"Chromium {out['chromium']} headless (software rendering), 1366×768; "
        f"{counts['units']} units ({counts['reports']} reports), "
        f"{counts['operations']} operations; in view and drawn: {drawn['units']} unit symbols, "
        f"{drawn['volumes']} footprints.",
        "",
        "| measure | median / p95 / max | interactions of 16 ms or more to the paint |",
        "| --- | --- | --- |",
        *[f"| {name} | {value}" for name, value in rows],
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--operations", type=int, default=5_000)
    parser.add_argument("--store", type=Path, default=None, help="keep (and reuse) the store here")
    args = parser.parse_args(argv)
    print(report(run(args.units, args.operations, args.store)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
