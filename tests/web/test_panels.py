"""Messages, agreements and meetings in a real browser, as two parties see them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from liaison.api import create_app
from liaison.store.queries import EntryFilter
from tests.api.support import running_server
from tests.conftest import World
from tests.web.conftest import Site
from tests.web.support import expect, seed_diplomacy, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

LIVE_TIMEOUT = 5_000

NEEDED = {
    "messages": ("/v1/channels", "/v1/messages/drafts/{draft_id}/send"),
    "agreements": ("/v1/agreements", "/v1/agreements/{agreement}/status"),
    "meetings": ("/v1/meetings", "/v1/meetings/{meeting}/divergence"),
}


@pytest.fixture
def diplomacy(sqlite_world: World) -> Iterator[Site]:
    seed_diplomacy(sqlite_world)
    app = create_app(sqlite_world.node, poll_seconds=0.05, ping_seconds=5)
    with running_server(app) as url:
        paths = httpx.get(f"{url}/openapi.json").json()["paths"]
        missing = [p for routes in NEEDED.values() for p in routes if p not in paths]
        # every capability's routes exist now: a missing one is a regression, not a skip
        assert not missing, f"the node no longer serves {', '.join(missing)}"
        yield Site(sqlite_world, url)


def test_messages_a_draft_stays_home_until_sent_then_is_acknowledged_live(
    diplomacy: Site, context: BrowserContext, second_context: BrowserContext
) -> None:
    uk = context.new_page()
    su = second_context.new_page()
    sign_in(uk, diplomacy.url, diplomacy.token("kerr"), view="messages")
    sign_in(su, diplomacy.url, diplomacy.token("molotov"), view="messages")
    expect(uk.locator(".thread")).to_contain_text("No. 1")
    expect(uk.locator(".thread")).to_contain_text("Acknowledged by: su")
    expect(su.locator(".thread")).to_contain_text("Exchange of operational information")
    draft = uk.locator(".draft").filter(has_text="Bomb line on the Danube")
    expect(draft).to_be_visible()
    # The draft is uk's alone: su's page has no trace of it.
    expect(su.locator(".view-messages")).not_to_contain_text("Bomb line on the Danube")
    draft.get_by_role("button", name="Send").click()
    expect(uk.locator(".draft").filter(has_text="Bomb line on the Danube")).to_contain_text("sent")
    # su's page receives No. 2 from the live stream and acknowledges it.
    message = su.locator(".message").filter(has_text="No. 2")
    expect(message).to_contain_text("Bomb line on the Danube", timeout=LIVE_TIMEOUT)
    message.get_by_role("button", name="Acknowledge receipt").click()
    expect(uk.locator(".message").filter(has_text="No. 2").locator(".receipts")).to_contain_text(
        "Acknowledged by: su", timeout=LIVE_TIMEOUT
    )


def test_agreements_say_exactly_why_they_do_not_bind(
    diplomacy: Site, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, diplomacy.url, diplomacy.token("molotov"), view="agreements")
    page.get_by_role("button", name="Consultation before arrangements with minor allies").click()
    status = page.locator(".status-box")
    expect(status).to_contain_text("Not binding: no signature that counts from su.")
    expect(status).to_contain_text("✓ counts: eden (uk)")
    expect(page.locator(".agreement-detail")).to_contain_text(
        "su (molotov) on version 1: The Soviet Government will reply."
    )
    # su answers through the page; its position is on the record at once.
    answer = page.locator(".versions details").first
    answer.locator("summary").click()
    answer.get_by_label("Our position").select_option("accept")
    answer.get_by_label("Reasons").fill("Agreed in principle.")
    answer.get_by_role("button", name="Put our position on the record").click()
    expect(page.locator(".agreement-detail")).to_contain_text("Agreed in principle.")


def test_meetings_show_accounts_side_by_side_with_divergences(
    diplomacy: Site, context: BrowserContext, second_context: BrowserContext
) -> None:
    uk = context.new_page()
    sign_in(uk, diplomacy.url, diplomacy.token("eden"), view="meetings")
    uk.get_by_role("button", name=re.compile("Clark Kerr and Molotov")).click()
    accounts = uk.locator(".accounts article.account")
    expect(accounts).to_have_count(2)
    expect(accounts.nth(0)).to_contain_text("Soviet Union (Molotov)")
    expect(accounts.nth(1)).to_contain_text("United Kingdom (Clark Kerr)")
    # A statement only Molotov recorded is marked in his column.
    missing = accounts.nth(0).locator("li.finding-statement_missing")
    expect(missing.first).to_contain_text("only in this account")
    expect(uk.locator(".meeting-detail")).to_contain_text("divergences")
    expect(uk.locator(".meeting-detail")).to_contain_text("bind nobody")
    # us was not at the meeting and was released neither account.
    us = second_context.new_page()
    sign_in(us, diplomacy.url, diplomacy.token("harriman"), view="meetings")
    expect(us.locator(".meeting-list")).to_contain_text("No meeting your party may read.")


def test_messages_a_draft_is_edited_into_a_new_version(
    diplomacy: Site, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, diplomacy.url, diplomacy.token("kerr"), view="messages")
    draft = page.locator(".draft").filter(has_text="Bomb line on the Danube")
    draft.get_by_text("Edit (a new version)").click()
    draft.get_by_label("Text").fill("We propose that the bomb line follow the Sava.")
    draft.get_by_role("button", name="Save the new version").click()
    expect(page.locator(".drafts")).to_contain_text("follow the Sava", timeout=LIVE_TIMEOUT)
    versions = diplomacy.world.node.record.list(
        "uk", EntryFilter(kind="message.draft", text="bomb line", limit=10)
    )
    assert len(versions) == 2  # the first version stays on the record
