"""Refresh the screenshots of the web page's main views in docs/screenshots/.

    .venv/bin/python scripts/web_screenshots.py [--out docs/screenshots]

A fresh node gets the picture and the diplomacy the browser tests use (tests/web/support.py);
Debian's Chromium, driven by Playwright, signs in as members of different parties and saves one
PNG per view. Needs what the browser tests need: `apt-get install -y chromium` and the
playwright package in the venv.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from liaison.api import create_app  # noqa: E402
from tests.api.support import running_server  # noqa: E402
from tests.conftest import make_world  # noqa: E402
from tests.web.support import (  # noqa: E402
    browser_unavailable,
    chromium,
    seed_diplomacy,
    seed_picture,
    sign_in,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

Prepare = Callable[["Page"], None]

LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    problem = browser_unavailable()
    if problem is not None:
        print(f"cannot take screenshots: {problem}", file=sys.stderr)
        return 1
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    where = Path(tempfile.mkdtemp(prefix="liaison-screenshots-"))
    world = make_world(str(where / "liaison.db"), where)
    seed_picture(world)
    seed_diplomacy(world)
    app = create_app(world.node, poll_seconds=0.05)
    saved: list[str] = []

    with running_server(app) as url, chromium() as browser:

        def shoot(
            member: str,
            view: str,
            name: str,
            viewport: dict[str, int] = LAPTOP,
            *,
            prepare: Prepare | None = None,
            full_page: bool = False,
        ) -> None:
            context = browser.new_context(viewport=viewport, locale="en-GB")  # type: ignore[arg-type]
            page = context.new_page()
            sign_in(page, url, world.token(member), view=view)
            if prepare is not None:
                prepare(page)
            page.wait_for_timeout(700)
            page.screenshot(path=str(out / name), full_page=full_page)
            saved.append(name)
            context.close()

        def fit(page: Page) -> None:
            page.get_by_role("button", name="Fit").click()

        def conflict_on_map(page: Page) -> None:
            fit(page)
            page.locator(".map-side [data-conflict]").first.click()

        def drawing_refused(page: Page) -> None:
            page.evaluate("window.liaison.map.centreOn(19.9, 44.4, 2 ** 10)")
            page.get_by_role("button", name="Draw operation").click()
            box = page.locator("canvas.map-overlay").bounding_box()
            assert box is not None
            for lon, lat in [(19.8, 44.3), (20.0, 44.5), (20.0, 44.3), (19.8, 44.5)]:
                x, y = page.evaluate(
                    "([lon, lat]) => window.liaison.map.toScreen(lon, lat)", [lon, lat]
                )
                page.mouse.click(box["x"] + x, box["y"] + y)
            page.keyboard.press("Enter")
            form = page.locator(".draw-form")
            form.get_by_label("Reference").fill("OP-TANGLE")
            form.get_by_role("button", name="Put it on the record").click()
            form.locator(".field[data-field=geometry] .field-error").wait_for()

        def open_first(selector: str) -> Prepare:
            def prepare(page: Page) -> None:
                page.locator(selector).first.click()

            return prepare

        def verify_first(page: Page) -> None:
            entry = page.locator("ol.entries > li.entry").first
            entry.locator("summary").click()
            entry.get_by_role("button", name="Verify inclusion").click()
            entry.locator(".verify-result .pill").wait_for()

        def open_conflict(page: Page) -> None:
            page.locator(".conflict-list details > summary").first.click()

        shoot("burrows", "map", "map-uk.png", prepare=fit)
        shoot("slavin", "map", "map-su.png", prepare=fit)
        shoot("deane", "map", "map-conflict-us.png", prepare=conflict_on_map)
        shoot("burrows", "map", "map-draw-refused.png", prepare=drawing_refused)
        shoot("slavin", "conflicts", "conflicts-su.png", prepare=open_conflict)
        shoot("kerr", "messages", "messages-uk.png", full_page=True)
        shoot(
            "molotov",
            "agreements",
            "agreements-su.png",
            prepare=open_first("[data-agreement]"),
            full_page=True,
        )
        shoot("eden", "meetings", "meetings-uk.png", prepare=open_first("[data-meeting]"))
        shoot("deane", "record", "record-verified-us.png", prepare=verify_first)
        shoot("burrows", "map", "map-tablet-uk.png", TABLET, prepare=fit)
    world.node.close()
    for name in saved:
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
