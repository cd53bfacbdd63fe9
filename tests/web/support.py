"""What the browser tests, the screenshots and the page benchmark share.

* :func:`launch_chromium` starts Debian's Chromium through Playwright with the flags this
  machine needs (no sandbox as root, nothing fetched from the network, no downloaded browser).
* :func:`seed_picture` puts a small, readable operational picture on a world's record: units,
  operations and control measures of three parties, released the way coalitions release them,
  so that each party's page shows a different picture of the same record.
* :func:`seed_bulk` puts thousands of units and operations on the record for the benchmark.
"""

from __future__ import annotations

import math
import os
import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from liaison.services.record import AppendRequest
from tests.conftest import World

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture says what to install: a failure in CI, a skip elsewhere

    def expect(*_args: Any, **_kwargs: Any) -> Any:  # type: ignore[misc]
        raise RuntimeError("the playwright package is not installed")


__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "browser_unavailable",
    "expect",
    "launch_chromium",
    "seed_bulk",
    "seed_picture",
    "sign_in",
]

CHROMIUM = os.environ.get("LIAISON_CHROMIUM", "/usr/bin/chromium")
#: As root there is no sandbox; the rest keep Chromium from calling out to Google's services,
#: which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

INSTALL_HINT = (
    "the browser tests need Debian's Chromium and the Playwright Python package: "
    "apt-get install -y chromium && .venv/bin/pip install playwright "
    "(never `playwright install`: the tests use /usr/bin/chromium, or LIAISON_CHROMIUM)"
)


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"the playwright package is not installed; {INSTALL_HINT}"
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"{CHROMIUM} is missing; {INSTALL_HINT}"
    return None


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Playwright and one headless Chromium, for scripts."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Page, base_url: str, token: str, view: str = "map") -> None:
    """Open the page, sign in with a member token and wait for the view to be ready."""
    page.goto(f"{base_url}/#{view}")
    page.get_by_label("Member token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#whoami").wait_for(state="visible")
    if view == "map":
        page.locator(".view-map[data-ready=true]").wait_for(timeout=30_000)


# --- a small picture ----------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _box(lon: float, lat: float, dlon: float, dlat: float) -> dict[str, Any]:
    ring = [
        [lon - dlon, lat - dlat],
        [lon + dlon, lat - dlat],
        [lon + dlon, lat + dlat],
        [lon - dlon, lat + dlat],
        [lon - dlon, lat - dlat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


#: (party, member who reports, unit, name, lon, lat, SIDC, release)
UNITS = [
    ("su", "slavin", "3ukr-57a", "57th Army", 21.05, 44.55, "SFGPUCI----D---", ["*"]),
    ("su", "slavin", "3ukr-4gmc", "4th Guards Mech. Corps", 20.62, 44.72, "SFGPUCAWM--E---", ["*"]),
    ("su", "slavin", "su-5cav", "5th Guards Cavalry", 20.97, 45.12, "SFGPUCRH-------", ["*"]),
    ("su", "slavin", "su-hq-real", "Front HQ", 21.9, 44.9, "SFGPUH----*F---", []),
    (
        "us",
        "deane",
        "us-15af-ftr",
        "15th AF fighter group",
        20.1,
        45.35,
        "SFAPMFF--------",
        ["uk", "us"],
    ),
    ("uk", "burrows", "uk-bmm", "British Military Mission", 20.46, 44.2, "SFGPUH---------", ["*"]),
    ("uk", "burrows", "uk-sas", "SAS patrol", 19.8, 44.0, "SFGPUCIS-------", ["uk"]),
]


def seed_picture(world: World, now: datetime | None = None) -> dict[str, Any]:
    """Units, operations and measures of uk, us and su around Belgrade, current at ``now``.

    Released so that the pictures differ: su's real HQ and uk's SAS patrol are released to
    nobody, us's fighter group only to uk, su's bomb line to everyone, us's strike to uk only.
    """
    node = world.node
    at = (now or datetime.now(UTC)).replace(microsecond=0)
    made: dict[str, Any] = {}
    for _party, member, unit, name, lon, lat, sidc, release in UNITS:
        made[unit] = node.picture.report_unit(
            member,
            unit=unit,
            name=name,
            position={"type": "Point", "coordinates": [lon, lat]},
            time=_iso(at - timedelta(minutes=20)),
            stale_time=_iso(at + timedelta(hours=6)),
            symbol_code=sidc,
            release=release,
        )
    # A report that went stale an hour ago: drawn faded at its last position.
    made["stale"] = node.picture.report_unit(
        "slavin",
        unit="su-recce",
        name="Recce detachment",
        position={"type": "Point", "coordinates": [21.4, 44.3]},
        time=_iso(at - timedelta(hours=3)),
        stale_time=_iso(at - timedelta(hours=1)),
        symbol_code="SFGPUCR--------",
        release=["*"],
    )
    made["op-us"] = node.picture.create_operation(
        "deane",
        ref="OP-PLOESTI-7",
        name="Strike on rail yards",
        kind="air_strike",
        volumes=[
            {
                "footprint": _box(20.9, 45.1, 0.12, 0.08),
                "altitude": {"datum": "AMSL", "lower_m": 0, "upper_m": 8000},
                "start": _iso(at - timedelta(hours=1)),
                "end": _iso(at + timedelta(hours=3)),
            }
        ],
        release=["uk"],
    )
    made["op-su"] = node.picture.create_operation(
        "slavin",
        ref="BELGRADE-1",
        name="Advance on Belgrade",
        kind="ground_movement",
        volumes=[
            {
                "footprint": _box(20.75, 44.6, 0.22, 0.12),
                "start": _iso(at - timedelta(hours=2)),
                "end": _iso(at + timedelta(hours=10)),
            }
        ],
        release=["*"],
    )
    made["op-uk"] = node.picture.create_operation(
        "burrows",
        ref="RATWEEK-3",
        name="Supply drop to partisans",
        kind="air_drop",
        volumes=[
            {
                "footprint": {"type": "Point", "coordinates": [19.9, 44.05], "radius_m": 9000},
                "altitude": {"datum": "AGL", "lower_m": 0, "upper_m": 1500},
                "start": _iso(at - timedelta(minutes=30)),
                "end": _iso(at + timedelta(hours=4)),
            }
        ],
        release=["us"],
    )
    made["bomb-line"] = node.picture.create_measure(
        "slavin",
        ref="BL-DANUBE",
        name="Bomb line along the Danube",
        kind="bomb_line",
        geometry={
            "type": "LineString",
            "coordinates": [[19.5, 45.25], [20.4, 45.3], [21.3, 45.05]],
        },
        valid_from=_iso(at - timedelta(days=1)),
        valid_until=_iso(at + timedelta(days=2)),
        binds=["uk", "us"],
        permitted_sides={"uk": "left", "us": "left"},
        release=["*"],
    )
    made["nfa"] = node.picture.create_measure(
        "burrows",
        ref="NFA-MISSION",
        name="No-fire area around the mission",
        kind="no_fire_area",
        geometry=_box(20.46, 44.2, 0.08, 0.05),
        valid_from=_iso(at - timedelta(days=1)),
        valid_until=_iso(at + timedelta(days=5)),
        binds=["su", "us"],
        release=["*"],
    )
    return made


# --- thousands, for the benchmark ---------------------------------------------------------

SIDCS = [
    "SFGPUCI--------",
    "SFGPUCA--------",
    "SFGPUCF--------",
    "SFGPUCR--------",
    "SFGPUH---------",
]


def seed_bulk(
    world: World, units: int, operations: int, *, seed: int = 7, now: datetime | None = None
) -> None:
    """``units`` unit reports and ``operations`` operations of three parties, spread over
    Europe, all released to every party, appended in batches through the record service."""
    rng = random.Random(seed)
    at = (now or datetime.now(UTC)).replace(microsecond=0)
    node = world.node
    authors = {"uk": "burrows", "us": "deane", "su": "slavin"}
    parties = list(authors)
    batch: list[AppendRequest] = []

    def flush() -> None:
        if batch:
            for result in node.record.append_many(batch):
                if isinstance(result, Exception):
                    raise result
            batch.clear()

    for i in range(units):
        party = parties[i % 3]
        lon = rng.uniform(-10.0, 40.0)
        lat = rng.uniform(36.0, 60.0)
        reported = at - timedelta(minutes=rng.randint(1, 120))
        body = {
            "unit": f"u{i}",
            "name": f"Unit {i}",
            "position": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "time": _iso(reported),
            "stale_time": _iso(reported + timedelta(minutes=rng.randint(30, 600))),
            "symbol_code": SIDCS[i % len(SIDCS)],
        }
        batch.append(
            AppendRequest(
                authors[party], "picture.unit", _normal("picture.unit", body), release=["*"]
            )
        )
        if len(batch) >= 500:
            flush()
    flush()
    for i in range(operations):
        party = parties[i % 3]
        lon = rng.uniform(-10.0, 40.0)
        lat = rng.uniform(36.0, 60.0)
        size = rng.uniform(0.02, 0.15)
        sides = rng.randint(4, 9)
        ring = [
            [
                round(lon + size * math.cos(2 * math.pi * k / sides), 5),
                round(lat + 0.7 * size * math.sin(2 * math.pi * k / sides), 5),
            ]
            for k in range(sides)
        ]
        ring.append(ring[0])
        start = at - timedelta(minutes=rng.randint(0, 240))
        body = {
            "ref": f"OP-{i}",
            "name": "",
            "kind": rng.choice(["ground_movement", "convoy", "humanitarian_site"]),
            "state": "planned",
            "volumes": [
                {
                    "footprint": {"type": "Polygon", "coordinates": [ring]},
                    "window": {
                        "start": _iso(start),
                        "end": _iso(start + timedelta(hours=rng.randint(5, 12))),
                    },
                }
            ],
            "note": None,
        }
        batch.append(
            AppendRequest(
                authors[party],
                "picture.operation",
                _normal("picture.operation", body),
                release=["*"],
            )
        )
        if len(batch) >= 250:
            flush()
    flush()


def _normal(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    from liaison.domain.kinds import KINDS

    normal: dict[str, Any] = KINDS.get(kind).validate(body)
    return normal


# --- messages, an agreement and a meeting ---------------------------------------------------


def seed_diplomacy(world: World) -> dict[str, Any]:
    """A channel with sent, acknowledged and draft messages; an agreement uk signed and su has
    not; and the 20 February 1943 meeting with both sides' accounts, which diverge."""
    from liaison.agreements.model import sign_version
    from tests.meetings.support import fixture, meeting_20_february

    node = world.node
    made: dict[str, Any] = {}
    node.messages.open_channel("kerr", "uk.bmm-moscow", "British Military Mission, Moscow", ["su"])
    first = node.messages.draft(
        "kerr",
        "uk.bmm-moscow",
        "Exchange of operational information",
        "As the armies of our three countries converge, the exchange of operational "
        "information will become increasingly important.",
        ["su"],
        precedence="priority",
    )
    node.messages.approve("kerr", first.id)
    made["sent"] = node.messages.send("kerr", first.id, dtg="121630Z JUL 44")
    node.messages.acknowledge("molotov", made["sent"].id)
    made["draft"] = node.messages.draft(
        "kerr",
        "uk.bmm-moscow",
        "Bomb line on the Danube",
        "We propose that the bomb line follow the Danube until further notice.",
        ["su"],
    )
    terms = {
        "title": "Consultation before arrangements with minor allies",
        "text": "Neither party will make arrangements with a minor ally\n"
        "without full consultation with the other.",
        "parties": ["su", "uk"],
        "topic": "diplomacy",
    }
    agreement = node.agreements.draft("eden", terms)
    node.agreements.consult("eden", agreement.id, ["su"])
    node.agreements.answer(
        "molotov", agreement.id, agreement.id, "reserve", "The Soviet Government will reply."
    )
    stored = dict(agreement.content.body)
    signature = sign_version(world.members["eden"].key, agreement.id, agreement.id, stored)
    node.agreements.sign("eden", signature)
    made["agreement"] = agreement
    meeting = meeting_20_february(node.meetings, release=("su",))
    node.meetings.file_account(
        "kerr", meeting.id, fixture("1943-02-20-united-kingdom-clark-kerr"), release=["su"]
    )
    node.meetings.file_account(
        "molotov", meeting.id, fixture("1943-02-20-soviet-union-molotov"), release=["uk"]
    )
    made["meeting"] = meeting
    return made
