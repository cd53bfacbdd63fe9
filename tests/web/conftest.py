"""Browser fixtures: Debian's Chromium driven by Playwright, against a real uvicorn.

The browser tests run with the rest of the suite (``make test``). Where Chromium or the
Playwright package is missing they are skipped on a developer's machine, but in CI (``CI`` set)
that is a failure with the install steps in its message: a browser test that silently does not
run would let the page break unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from liaison.api import create_app
from tests.api.support import running_server
from tests.conftest import World
from tests.web.support import browser_unavailable, launch_chromium, seed_picture

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives a real Chromium (Debian's) through Playwright"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in item.fixturenames:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    problem = browser_unavailable()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the browser tests, but {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@dataclass
class Site:
    """A node with a seeded picture, served by uvicorn on a free port."""

    world: World
    url: str

    def token(self, member: str) -> str:
        return self.world.token(member)


@pytest.fixture
def site(sqlite_world: World) -> Iterator[Site]:
    seed_picture(sqlite_world)
    app = create_app(sqlite_world.node, poll_seconds=0.05, ping_seconds=5)
    with running_server(app) as url:
        yield Site(sqlite_world, url)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    yield ctx
    ctx.close()


@pytest.fixture
def second_context(browser: Browser) -> Iterator[BrowserContext]:
    """Another browser profile: another member, with cookies of its own."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    yield ctx
    ctx.close()


__all__ = ["Site"]
