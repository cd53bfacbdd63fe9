"""TAK over HTTP: ``POST /v1/cot``, ``GET /v1/picture.kml`` and the drafts, on every backend."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.api.support import Api
from tests.api.test_problems import assert_problem
from tests.picture.support import operation, square, unit
from tests.tak.support import drawing, ping, position, wire

KML = "{http://www.opengis.net/kml/2.2}"


def _cot(api: Api, member: str, body: bytes) -> dict[str, object]:
    response = api.post(
        "/v1/cot", member, content=body, headers={"Content-Type": "application/xml"}
    )
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def test_post_cot_records_each_event_for_the_caller_and_reports_each_outcome(api: Api) -> None:
    body = (
        wire(position("HTTP-1", releasable_to="us"))
        + b"\n<junk/>\n"
        + wire(position("HTTP-2", releasable_to="narnia"), drawing("box"), ping())
    )
    result = _cot(api, "burrows", body)
    events = result["events"]
    assert isinstance(events, list)
    assert [e["action"] for e in events] == ["reported", "refused", "drafted", "answered"]
    assert events[1]["error"]["code"] == "unknown_party"
    assert "t-x-c-t-r" in events[3]["reply"]
    assert [e["code"] for e in result["errors"]] == ["junk_between_events"]  # type: ignore[index,union-attr]
    units = api.get("/v1/picture/units", "deane").json()["units"]
    assert [u["unit"] for u in units] == ["HTTP-1"]
    assert units[0]["party"] == "uk"


def test_post_cot_with_no_event_is_a_clear_400_and_changes_nothing(api: Api) -> None:
    size = api.world.node.record.size()
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><event>&lol;</event>'
    for body in (b"", b"not xml at all", bomb, b'{"json": true}'):
        response = api.post("/v1/cot", "burrows", content=body)
        problem = assert_problem(response, 400, "invalid-input")
        assert "no valid CoT event" in problem["detail"]
    assert api.world.node.record.size() == size


def test_post_cot_needs_a_member_token(api: Api) -> None:
    assert_problem(api.post("/v1/cot", None, content=wire(position())), 401, "not-authenticated")


def test_kml_holds_what_the_party_may_see_and_nothing_else(api: Api) -> None:
    node = api.world.node
    operation(node, "burrows", name="SHOWN-OP", release=["us"])
    operation(node, "burrows", ref="op-2", name="HIDDEN-OP", footprint=square(30, 30))
    unit(node, "deane", name="1st Armored")
    _cot(api, "burrows", wire(position("UK-DEVICE", releasable_to="us")))
    response = api.get("/v1/picture.kml", "deane")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.google-earth.kml+xml"
    root = ET.fromstring(response.content)
    assert root.tag == f"{KML}kml"
    names = [n.text for n in root.iter(f"{KML}name")]
    assert "SHOWN-OP" in names
    assert "1st Armored" in names
    assert "ALPHA" in names  # the uk device's callsign
    assert "HIDDEN-OP" not in response.text
    folders = {
        f.find(f"{KML}name").text: f  # type: ignore[union-attr]
        for f in root.iter(f"{KML}Folder")
    }
    assert set(folders) == {"Operations", "Units", "Control measures", "Conflicts"}
    su = api.get("/v1/picture.kml", "slavin").text
    assert "SHOWN-OP" not in su
    assert "ALPHA" not in su


def test_kml_of_a_window(api: Api) -> None:
    operation(api.world.node, "burrows", name="IN-JULY")
    july = api.get("/v1/picture.kml", "burrows", params={"at": "2044-07-12T17:00:00Z"}).text
    august = api.get("/v1/picture.kml", "burrows", params={"at": "2044-08-12T17:00:00Z"}).text
    assert "IN-JULY" in july
    assert "IN-JULY" not in august
    assert_problem(
        api.get("/v1/picture.kml", "burrows", params={"start": "2044-07-12T17:00:00Z"}),
        400,
        "invalid-input",
    )


def test_drafts_are_listed_confirmed_and_discarded_over_http(api: Api) -> None:
    _cot(api, "burrows", wire(drawing("box-1"), drawing("box-2", size=0.02)))
    drafts = api.get("/v1/tak/drafts", "burrows").json()["drafts"]
    assert [d["uid"] for d in drafts] == ["box-1", "box-2"]
    assert api.get("/v1/tak/drafts", "deane").json()["drafts"] == []
    first, second = (d["id"] for d in drafts)
    assert api.get(f"/v1/tak/drafts/{first}", "burrows").json()["uid"] == "box-1"
    assert_problem(api.get(f"/v1/tak/drafts/{first}", "deane"), 404, "not-found")
    confirmed = api.post(
        f"/v1/tak/drafts/{first}/confirm",
        "burrows",
        json={
            "as": "operation",
            "kind": "ground_movement",
            "start": "2044-07-12T16:00:00Z",
            "end": "2044-07-12T18:00:00Z",
        },
    )
    assert confirmed.status_code == 201, confirmed.text
    operation_id = confirmed.json()["operation"]
    ops = api.get("/v1/picture/operations", "burrows").json()["operations"]
    assert [o["id"] for o in ops] == [operation_id]
    assert_problem(
        api.post(f"/v1/tak/drafts/{second}/confirm", "burrows", json={"as": "nothing"}),
        400,
        "invalid-input",
    )
    discarded = api.post(f"/v1/tak/drafts/{second}/discard", "burrows", json={"note": "dup"})
    assert discarded.json()["state"] == "discarded"
    assert api.get("/v1/tak/drafts", "burrows").json()["drafts"] == []
    closed = api.get("/v1/tak/drafts", "burrows", params={"closed": "true"}).json()["drafts"]
    assert {d["state"] for d in closed} == {"confirmed", "discarded"}


def test_kml_shows_the_partys_conflicts_in_red_during_their_window(api: Api) -> None:
    node = api.world.node
    operation(node, "burrows", ref="uk-1")
    operation(node, "deane", ref="us-1", footprint=square(10.005, 50.005))
    root = ET.fromstring(api.get("/v1/picture.kml", "burrows").content)
    (conflicts,) = [f for f in root.iter(f"{KML}Folder") if f.findtext(f"{KML}name") == "Conflicts"]
    (mark,) = conflicts.iter(f"{KML}Placemark")
    assert mark.findtext(f"{KML}styleUrl") == "#conflict"
    assert mark.find(f".//{KML}Polygon") is not None
    later = api.get("/v1/picture.kml", "burrows", params={"at": "2044-09-01T00:00:00Z"})
    assert "#conflict" not in later.text.split("</Style>")[-1]
