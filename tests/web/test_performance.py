"""The map stays responsive with 10,000 units and 5,000 operations in view.

The full benchmark (tests/web/bench_map.py) puts them on the record through the services, which
takes minutes; this test feeds the same number of decoded entries straight into the page's
picture, so that every run of the suite drives the drawing code at that scale in the browser.
The budgets are generous (a loaded CI machine, software rendering): they catch a freeze, not a
few milliseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.web.conftest import Site
from tests.web.support import sign_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

FEED = """
([units, operations]) => {
  const now = Date.now();
  const iso = (t) => new Date(t).toISOString().replace(".000Z", "Z");
  const parties = ["uk", "us", "su"];
  const sidcs = ["SFGPUCI--------", "SHGPUCA--------", "SNGPUCF--------", "SUGPUCR--------"];
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const e7 = (v) => Math.round(v * 1e7);
  const picture = window.liaison.picture;
  for (let i = 0; i < units; i += 1) {
    const lon = -10 + 50 * rand();
    const lat = 36 + 24 * rand();
    picture.ingest({
      id: `u${i}`, seq: 100000 + i, kind: "picture.unit", party: parties[i % 3],
      appended_at: iso(now - 60000), release: ["*"],
      body: { unit: `u${i}`, name: `Unit ${i}`,
              position: { type: "Point", coordinates_e7: [e7(lon), e7(lat)] },
              time: iso(now - 60000), stale_time: iso(now + (i % 5 ? 3600000 : -1000)),
              symbol_code: sidcs[i % 4], heading_mdeg: null, speed_mmps: null },
    });
  }
  for (let i = 0; i < operations; i += 1) {
    const lon = -10 + 50 * rand();
    const lat = 36 + 24 * rand();
    const r = 0.02 + 0.13 * rand();
    const ring = [];
    for (let k = 0; k < 6; k += 1) {
      ring.push([e7(lon + r * Math.cos(k)), e7(lat + 0.7 * r * Math.sin(k))]);
    }
    ring.push(ring[0]);
    picture.ingest({
      id: `o${i}`, seq: 200000 + i, kind: "picture.operation", party: parties[i % 3],
      appended_at: iso(now - 60000), release: ["*"],
      body: { ref: `OP-${i}`, name: "", kind: "convoy", state: "planned", note: null,
              volumes: [{ footprint: { type: "Polygon", coordinates_e7: [ring] },
                          altitude: { datum: "AMSL", lower_mm: null, upper_mm: null },
                          window: { start: iso(now - 3600000), end: iso(now + 7200000) } }] },
    });
  }
}
"""

MEASURE = """
async () => {
  const view = window.liaison.map;
  const longtasks = [];
  new PerformanceObserver((l) => l.getEntries().forEach((e) => longtasks.push(e.duration)))
    .observe({ type: "longtask" });
  const frame = () =>
    new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())));
  view.centreOn(15, 48, 6.5);
  await frame();
  // A crisp frame of everything, measured to the pixels (getImageData waits for the drawing).
  let t0 = performance.now();
  view._renderBase();
  view._renderOverlay();
  view.ctx.getImageData(0, 0, 1, 1);
  view.baseCtx.getImageData(0, 0, 1, 1);
  const crisp = performance.now() - t0;
  // Panning: frame intervals while the map moves every frame for two seconds.
  const intervals = [];
  let last = await frame();
  const end = last + 2000;
  while (last < end) {
    view.panBy(3, 1);
    const now = await frame();
    intervals.push(now - last);
    last = now;
  }
  intervals.sort((a, b) => a - b);
  await new Promise((r) => setTimeout(r, 400));
  const median = intervals[Math.floor(intervals.length / 2)];
  return { crisp, median, drawn: view.drawn, longtasks };
}
"""


def test_ten_thousand_units_and_five_thousand_operations_do_not_freeze_the_map(
    site: Site, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, site.url, site.token("eden"))
    page.evaluate(FEED, [10_000, 5_000])
    page.get_by_role("button", name="Now").click()
    result = page.evaluate(MEASURE)
    assert result["drawn"]["units"] >= 9_000
    assert result["drawn"]["volumes"] >= 5_000
    assert result["crisp"] < 2_000, result
    assert result["median"] < 100, result
    assert max(result["longtasks"], default=0) < 2_000, result
    # The list of what the map shows stays short and says how much there is.
    assert page.locator(".in-view-list li").count() == 150
    assert "items; the first 150 are listed" in page.locator(".in-view").inner_text()
