"""Channels and formal messages through the HTTP API and ``liaison.Client``, on both backends.

The rules are the message service's (tested in ``tests/messages``); these tests
check the edge: each route's answer and errors, the caller acting as its
member and reading as its party, and that a draft or message not released to a
party is the very same 404 as one that does not exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from liaison import Client, NotFound, NotPermitted
from liaison.client_agreements import AgreementsMixin
from liaison.client_meetings import MeetingsMixin
from liaison.client_messages import MessagesMixin
from tests.api.support import BASE_URL, Api
from tests.api.test_problems import assert_problem

ABSENT = hashlib.sha256(b"no such message").hexdigest()


@pytest.fixture
def mission(api: Api) -> Api:
    """The British Military Mission in Moscow: a channel between uk, us and su."""
    response = api.post(
        "/v1/channels",
        "burrows",
        json={
            "channel": "uk.bmm-moscow",
            "name": "British Military Mission, Moscow",
            "parties": ["us", "su"],
        },
    )
    assert response.status_code == 201, response.text
    return api


@pytest.fixture
def client_of(mission: Api) -> Iterator[Any]:
    clients: list[Client] = []

    def connect(member: str) -> Client:
        client = Client(BASE_URL, mission.world.token(member), transport=mission.transport)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


def draft(api: Api, member: str = "burrows", **fields: Any) -> dict[str, Any]:
    body = {
        "channel": "uk.bmm-moscow",
        "subject": "Machinery of coordination",
        "text": "Some machinery is necessary to coordinate the efforts of our forces.",
        "addressees": ["su"],
        **fields,
    }
    response = api.post("/v1/messages/drafts", member, json=body)
    assert response.status_code == 201, response.text
    entry: dict[str, Any] = response.json()
    return entry


def send(api: Api, draft_id: str, member: str = "burrows", **how: Any) -> httpx.Response:
    return api.post(f"/v1/messages/drafts/{draft_id}/send", member, json=how)


def comparable(response: httpx.Response) -> tuple[int, str, bytes]:
    return response.status_code, response.headers["content-type"], response.content


# --- channels ----------------------------------------------------------------------------


def test_a_channel_is_listed_by_its_parties_and_no_one_else(mission: Api) -> None:
    opened = mission.post(
        "/v1/channels",
        "kerr",
        json={"channel": "uk.direct-line", "name": "Eden to Molotov", "parties": ["su"]},
    )
    assert opened.status_code == 201
    assert opened.headers["location"] == f"/v1/entries/{opened.json()['id']}"
    assert opened.json()["release"] == ["su", "uk"]
    for member, expected in (
        ("eden", ["uk.bmm-moscow", "uk.direct-line"]),
        ("molotov", ["uk.bmm-moscow", "uk.direct-line"]),
        ("deane", ["uk.bmm-moscow"]),
    ):
        found = mission.get("/v1/channels", member).json()["channels"]
        assert [c["channel"] for c in found] == expected
    [bmm] = mission.get("/v1/channels", "deane").json()["channels"]
    assert bmm["name"] == "British Military Mission, Moscow"
    assert bmm["parties"] == ["su", "uk", "us"]


def test_opening_a_channel_without_parties_or_twice_is_refused(mission: Api) -> None:
    again = {"channel": "uk.bmm-moscow", "name": "Again", "parties": ["su"]}
    assert_problem(mission.post("/v1/channels", "burrows", json=again), 409, "conflict")
    missing = mission.post("/v1/channels", "burrows", json={"channel": "uk.x", "name": "X"})
    assert "parties" in assert_problem(missing, 400, "invalid-input")["detail"]
    # An observer may read but not open a channel.
    watcher = {"channel": "uk.watch", "name": "Watch", "parties": ["su"]}
    assert_problem(mission.post("/v1/channels", "watcher", json=watcher), 403, "not-permitted")


# --- drafts, sending, receipts -----------------------------------------------------------


def test_a_message_goes_from_draft_to_thread_to_receipt(mission: Api) -> None:
    first = draft(mission, text="First draft, with assurances.")
    assert first["release"] == ["uk"]
    amended = mission.post(
        f"/v1/messages/drafts/{first['id']}/amendments",
        "burrows",
        json={"text": "Final draft, assurances dropped.", "precedence": "priority"},
    )
    assert amended.status_code == 201, amended.text
    second = amended.json()
    assert second["supersedes"] == first["id"]
    assert second["body"]["subject"] == "Machinery of coordination"  # kept

    drafts = mission.get("/v1/messages/drafts", "eden").json()["drafts"]
    assert [d["id"] for d in drafts] == [second["id"]]
    assert mission.get("/v1/messages/drafts", "molotov").json()["drafts"] == []
    assert mission.get("/v1/messages/drafts?channel=uk.other", "eden").json()["drafts"] == []

    sent = send(mission, second["id"], dtg="121630Z JUL 1944")
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["id"]
    assert sent.headers["location"] == f"/v1/messages/{message_id}"
    assert sent.json()["release"] == ["su", "uk"]

    seen = mission.get(f"/v1/messages/{message_id}", "molotov").json()
    assert seen["number"] == 1
    assert seen["dtg"] == "121630Z JUL 44"
    assert seen["time_of_origin"] == "1944-07-12T16:30:00.000000Z"
    assert seen["precedence"] == "priority"
    assert seen["text"] == "Final draft, assurances dropped."
    assert seen["draft"] == second["id"]
    thread = mission.get("/v1/channels/uk.bmm-moscow/thread", "molotov").json()["messages"]
    assert [m["id"] for m in thread] == [message_id]
    # The first draft's assurances never reach the addressee.
    assert "assurances." not in mission.get("/v1/entries", "molotov").text

    pending = mission.get(f"/v1/messages/{message_id}/acknowledgements", "burrows").json()
    assert pending == {"message": message_id, "acknowledged": [], "pending": ["su"]}
    ack = mission.post(f"/v1/messages/{message_id}/acknowledgements", "slavin")
    assert ack.status_code == 201, ack.text
    assert ack.json()["release"] == ["su", "uk"]
    receipts = mission.get(f"/v1/messages/{message_id}/acknowledgements", "burrows").json()
    assert [r["party"] for r in receipts["acknowledged"]] == ["su"]
    assert receipts["acknowledged"][0]["at"] == ack.json()["appended_at"]
    assert receipts["pending"] == []
    again = mission.post(f"/v1/messages/{message_id}/acknowledgements", "molotov")
    assert_problem(again, 409, "conflict")
    # The sender does not acknowledge its own message.
    own = mission.post(f"/v1/messages/{message_id}/acknowledgements", "eden")
    assert_problem(own, 403, "not-permitted")


def test_a_reply_is_threaded_and_listed_under_what_it_answers(mission: Api) -> None:
    sent = send(mission, draft(mission)["id"], dtg="121630Z JUL 1944").json()
    reply = draft(
        mission,
        "slavin",
        subject="Re: machinery",
        text="Your letter has been received.",
        addressees=["uk"],
        in_reply_to=sent["id"],
        references=[sent["id"]],
    )
    answered = send(mission, reply["id"], "slavin", dtg="131000Z JUL 1944")
    assert answered.status_code == 201, answered.text
    replies = mission.get(f"/v1/messages/{sent['id']}/replies", "eden").json()["messages"]
    assert [(m["number"], m["in_reply_to"]) for m in replies] == [(2, sent["id"])]
    thread = mission.get("/v1/channels/uk.bmm-moscow/thread", "eden").json()["messages"]
    assert [m["subject"] for m in thread] == ["Machinery of coordination", "Re: machinery"]
    # The Americans are on the channel but addressed by neither message.
    assert mission.get("/v1/channels/uk.bmm-moscow/thread", "deane").json()["messages"] == []


def test_a_joint_message_is_sent_only_when_both_senders_approved_it(client_of: Any) -> None:
    burrows, deane, molotov = client_of("burrows"), client_of("deane"), client_of("molotov")
    joint = burrows.draft_message(
        "uk.bmm-moscow",
        "Letter to General Slavin",
        "Over the signatures of Deane and myself.",
        ["su"],
        senders=["uk", "us"],
        precedence="immediate",
    )
    assert joint["release"] == ["uk", "us"]
    assert [d["id"] for d in deane.message_drafts("uk.bmm-moscow")] == [joint["id"]]
    burrows.approve_message(joint["id"])
    with pytest.raises(NotPermitted, match="waiting for us"):
        burrows.send_message(joint["id"], dtg="1216301")
    deane.approve_message(joint["id"])
    sent = burrows.send_message(joint["id"], dtg="1216301")
    message = molotov.message(sent["id"])
    assert message["senders"] == ["uk", "us"]
    assert message["dtg"].startswith("121630A")  # zone digit 1 is letter A, UTC+1
    assert message["time_of_origin"][10:] == "T15:30:00.000000Z"
    molotov.acknowledge(sent["id"])
    assert deane.acknowledgements(sent["id"])["pending"] == []
    assert [m["id"] for m in molotov.thread("uk.bmm-moscow")] == [sent["id"]]
    assert molotov.replies(sent["id"]) == []
    assert [c["channel"] for c in molotov.channels()] == ["uk.bmm-moscow"]


def test_an_approved_draft_amended_needs_approving_again(client_of: Any) -> None:
    burrows, deane = client_of("burrows"), client_of("deane")
    joint = burrows.draft_message("uk.bmm-moscow", "Joint", "Text.", ["su"], senders=["uk", "us"])
    deane.approve_message(joint["id"])
    newer = burrows.amend_message(joint["id"], text="Text, amended.")
    with pytest.raises(NotPermitted, match="waiting for us"):
        burrows.send_message(newer["id"])


# --- date-time groups --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtg", "words"),
    [
        ("121630J JUL 44", "zone J"),
        ("121660Z JUL 44", "minute"),
        ("121630z jul 44", "capital"),
        ("12 JUL", "invalid date-time group"),
    ],
)
def test_a_bad_date_time_group_is_a_400_naming_what_is_wrong(
    mission: Api, dtg: str, words: str
) -> None:
    pending = draft(mission)
    size = mission.world.node.record.size()
    refused = send(mission, pending["id"], dtg=dtg)
    detail = assert_problem(refused, 400, "invalid-input")["detail"]
    assert words.lower() in detail.lower()
    assert "121630Z JUL 44" in detail  # and what a valid group looks like
    assert mission.world.node.record.size() == size


def test_without_a_dtg_the_message_is_timed_now_in_the_zone_asked(mission: Api) -> None:
    sent = send(mission, draft(mission)["id"], zone="A")
    assert sent.status_code == 201, sent.text
    assert sent.json()["body"]["dtg"][6] == "A"
    bad_zone = send(mission, draft(mission)["id"], zone="J")
    assert_problem(bad_zone, 400, "invalid-input")
    number = send(mission, draft(mission)["id"], number=1)
    assert "number 1 is already used" in assert_problem(number, 409, "conflict")["detail"]


def test_numbers_count_the_messages_between_the_same_parties_only(mission: Api) -> None:
    """us, on the channel but sent nothing by uk, reads no. 1 and may reuse uk's numbers."""
    for _ in range(2):
        assert send(mission, draft(mission)["id"]).status_code == 201  # uk to su: 1, 2
    ours = draft(mission, "deane", addressees=["su"])
    sent = send(mission, ours["id"], "deane")
    assert sent.status_code == 201, sent.text
    assert sent.json()["body"]["number"] == 1
    again = send(mission, draft(mission, "deane", addressees=["su"])["id"], "deane", number=2)
    assert again.status_code == 201, again.text  # uk's no. 2 to su is not us's to know of
    clash = send(mission, draft(mission, "deane", addressees=["su"])["id"], "deane", number=2)
    detail = assert_problem(clash, 409, "conflict")["detail"]
    assert detail == "number 2 is already used in channel uk.bmm-moscow between su, us"
    thread = mission.get("/v1/channels/uk.bmm-moscow/thread", "deane").json()["messages"]
    assert [m["number"] for m in thread] == [1, 2]


def test_a_malformed_draft_is_refused_with_the_field_named(mission: Api) -> None:
    body = {"channel": "uk.bmm-moscow", "subject": "S", "text": "T", "addressees": ["su"]}
    urgent = mission.post("/v1/messages/drafts", "burrows", json={**body, "precedence": "urgent"})
    assert "precedence" in assert_problem(urgent, 400, "invalid-input")["detail"]
    extra = mission.post("/v1/messages/drafts", "burrows", json={**body, "number": 3})
    assert "number" in assert_problem(extra, 400, "invalid-input")["detail"]
    to_self = mission.post("/v1/messages/drafts", "burrows", json={**body, "addressees": ["uk"]})
    assert_problem(to_self, 400, "invalid-input")
    elsewhere = mission.post(
        "/v1/messages/drafts", "burrows", json={**body, "channel": "uk.nowhere"}
    )
    assert_problem(elsewhere, 404, "not-found")
    pending = draft(mission)
    sender = mission.post(
        f"/v1/messages/drafts/{pending['id']}/amendments", "burrows", json={"senders": ["us"]}
    )
    assert "senders" in assert_problem(sender, 400, "invalid-input")["detail"]


# --- what a party may not read -----------------------------------------------------------


def test_a_draft_not_released_is_the_same_404_as_a_missing_one(mission: Api) -> None:
    hidden = draft(mission)["id"]
    for method, suffix, body in (
        ("POST", "/amendments", {"text": "x"}),
        ("POST", "/approvals", None),
        ("POST", "/send", {}),
    ):
        answers = [
            mission.http.request(
                method,
                f"/v1/messages/drafts/{target}{suffix}",
                headers=mission.auth("molotov"),
                json=body,
            )
            for target in (hidden, ABSENT)
        ]
        assert answers[0].status_code == 404, answers[0].text
        assert comparable(answers[0]) == comparable(answers[1]), suffix
    for suffix in ("", "/replies", "/acknowledgements"):
        a = mission.get(f"/v1/messages/{hidden}{suffix}", "molotov")
        b = mission.get(f"/v1/messages/{ABSENT}{suffix}", "molotov")
        assert a.status_code == 404
        assert comparable(a) == comparable(b), suffix


def test_a_message_not_addressed_to_a_party_is_the_same_404_as_a_missing_one(
    mission: Api,
) -> None:
    sent = send(mission, draft(mission)["id"]).json()["id"]
    for suffix in ("", "/replies", "/acknowledgements"):
        a = mission.get(f"/v1/messages/{sent}{suffix}", "deane")
        b = mission.get(f"/v1/messages/{ABSENT}{suffix}", "deane")
        assert a.status_code == 404
        assert comparable(a) == comparable(b)
    a = mission.post(f"/v1/messages/{sent}/acknowledgements", "deane")
    b = mission.post(f"/v1/messages/{ABSENT}/acknowledgements", "deane")
    assert comparable(a) == comparable(b)


def test_the_client_raises_not_found_for_a_message_it_may_not_read(client_of: Any) -> None:
    burrows, deane = client_of("burrows"), client_of("deane")
    pending = burrows.draft_message("uk.bmm-moscow", "S", "T", ["su"])
    with pytest.raises(NotFound):
        deane.approve_message(pending["id"])
    with pytest.raises(NotFound):
        deane.message(pending["id"])


def test_no_capability_method_of_the_client_is_shadowed() -> None:
    """``Client`` inherits the capability mixins; a method of its own must not hide one."""
    for mixin in (MessagesMixin, AgreementsMixin, MeetingsMixin):
        for name, value in vars(mixin).items():
            if callable(value) and not name.startswith("_"):
                assert getattr(Client, name) is value, f"Client.{name} hides {mixin.__name__}"
