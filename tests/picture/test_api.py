"""The picture over HTTP, through ``PictureClient``: every route, as members of each party."""

from __future__ import annotations

from typing import Any

from liaison.errors import InvalidBody, InvalidInput, NotFound, NotPermitted
from tests.api.support import Api
from tests.picture.conftest import Pictures
from tests.picture.support import END, SIDC, START, refused, square

VOLUME = {"footprint": square(), "start": START, "end": END}
UNIT: dict[str, Any] = {
    "unit": "1-armd",
    "name": "1st Armored",
    "position": {"type": "Point", "coordinates": [10.005, 50.012]},
    "time": "2044-07-12T15:00:00Z",
    "stale_time": "2044-07-12T20:00:00Z",
    "symbol_code": SIDC,
}


def test_a_strike_and_a_unit_over_http_notify_both_parties(pictures: Pictures) -> None:
    uk, us, su = pictures("burrows"), pictures("deane"), pictures("slavin")
    strike = uk.create_operation("op-strike", "air_strike", [VOLUME], name="TOTALIZE", release=[])
    assert strike["kind"] == "picture.operation"
    us.report_unit(**UNIT, release=["uk"])
    seen_by_us = us.conflicts()
    assert [c["rule"] for c in seen_by_us] == ["fires_near_unit"]
    assert "TOTALIZE" not in str(seen_by_us)
    assert uk.conflicts()[0]["others"][0]["name"] == "1st Armored"
    assert su.conflicts() == []
    one = us.conflict(seen_by_us[0]["conflict"])
    assert [n["kind"] for n in one["notices"]] == ["picture.notice"]
    refused(NotFound, su.conflict, seen_by_us[0]["conflict"])


def test_the_time_window_query(pictures: Pictures) -> None:
    uk = pictures("burrows")
    uk.create_operation("op-strike", "air_strike", [VOLUME], release=["us"])
    pictures("deane").report_unit(**UNIT)
    at = uk.picture(at="2044-07-12T17:00:00Z")
    assert [o["ref"] for o in at["operations"]] == ["op-strike"]
    assert at["operations"][0]["volumes"][0]["footprint"]["type"] == "Polygon"
    assert at["units"] == []  # the unit's report is not released to uk
    assert pictures("deane").picture(at="2044-07-12T17:00:00Z")["units"][0]["unit"] == "1-armd"
    assert uk.operations(at="2044-07-12T19:00:00Z") == []
    assert len(uk.operations(start="2044-07-12T17:30:00Z", end="2044-07-13T00:00:00Z")) == 1


def test_amend_cancel_and_versions(pictures: Pictures) -> None:
    uk = pictures("burrows")
    first = uk.create_operation("op-strike", "air_strike", [VOLUME])
    uk.amend_operation("op-strike", name="renamed", state="active")
    shown = uk.operation(first["id"])
    assert shown["name"] == "renamed"
    assert shown["state"] == "active"
    assert len(shown["versions"]) == 2
    uk.cancel_operation("op-strike")
    assert uk.operations() == []
    assert uk.operations(ended=True)[0]["state"] == "cancelled"


def test_invalid_geometry_over_http_is_a_422_naming_the_problem(api: Api) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[10.0, 50.0], [10.01, 50.01], [10.01, 50.0], [10.0, 50.01], [10.0, 50.0]]],
    }
    size = api.world.node.record.size()
    response = api.post(
        "/v1/picture/operations",
        "burrows",
        json={
            "ref": "bad",
            "kind": "air_strike",
            "volumes": [{"footprint": bowtie, "start": START, "end": END}],
        },
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:liaison:problem:invalid-body"
    assert "self_intersection" in problem["detail"]
    assert api.world.node.record.size() == size


def test_authority_over_http(pictures: Pictures) -> None:
    refused(NotPermitted, pictures("watcher").create_operation, "x", "air_strike", [VOLUME])
    refused(InvalidInput, pictures("burrows").create_operation, "x", "air_strike", [{}])


def test_measures_consent_and_withdrawal(pictures: Pictures) -> None:
    su, uk = pictures("slavin"), pictures("burrows")
    area = su.create_measure(
        "roz-1",
        "restricted_operating_zone",
        square(10.02, 50.0, 0.02),
        "2044-07-01T00:00:00Z",
        "2044-08-01T00:00:00Z",
        ["uk", "us"],
        name="Corridor",
    )
    assert [m["ref"] for m in uk.measures(at=START)] == ["roz-1"]
    uk.create_operation(
        "drop", "air_drop", [{"footprint": square(10.025), "start": START, "end": END}]
    )
    found = su.conflicts(status="open")
    assert [c["rule"] for c in found] == ["restricted_area_entry"]
    su.consent(area["id"], conflict=found[0]["conflict"])
    assert su.conflicts(status="open") == []
    assert uk.conflicts(status="cleared")[0]["reason"] == "consent given"
    su.withdraw_measure("roz-1")
    assert uk.measures(at=START) == []


def test_acknowledge_and_a_binding_arrangement_signed_on_each_side(pictures: Pictures) -> None:
    uk, us = pictures("burrows", signing=True), pictures("deane", signing=True)
    uk.create_operation("op-strike", "air_strike", [VOLUME])
    us.report_unit(**UNIT)
    cid = uk.conflicts()[0]["conflict"]
    uk.acknowledge(cid, note="seen")
    assert us.conflict(cid)["acknowledged_by"] == ["uk"]
    arrangement = uk.propose_arrangement(cid, "1st Armored moves north by 15:45Z.")
    uk.sign_arrangement(arrangement["id"])
    us.sign_arrangement(arrangement["id"])
    shown = us.conflict(cid)
    assert shown["status"] == "arranged"
    assert shown["arrangements"][0]["binding"] is True


def test_an_on_demand_check(pictures: Pictures) -> None:
    uk = pictures("burrows")
    uk.create_operation("op-strike", "air_strike", [VOLUME])
    pictures("deane").report_unit(**UNIT)
    assert len(uk.check(start="2044-07-12T17:00:00Z", end="2044-07-12T17:10:00Z")) == 1
    assert uk.check(start="2044-07-13T00:00:00Z", end="2044-07-14T00:00:00Z") == []


def test_geojson_export_and_import(pictures: Pictures, api: Api) -> None:
    uk, us = pictures("burrows"), pictures("deane")
    uk.create_operation("op-strike", "air_strike", [VOLUME], name="TOTALIZE", release=["us"])
    us.report_unit(**UNIT)
    response = api.get("/v1/picture/geojson", "deane")
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = us.export_geojson()
    assert collection["type"] == "FeatureCollection"
    ids = sorted(f["id"] for f in collection["features"])
    assert ids == ["operation/uk/op-strike/0", "unit/us/1-armd"]
    # Re-importing one's own items changes nothing; the other party's are skipped.
    report = us.import_geojson(collection)
    assert report["skipped"] == 1
    assert [i["action"] for i in report["items"]] == ["unchanged"]
    # Moving the unit in the file reports it again.
    for feature in collection["features"]:
        if feature["properties"]["liaison"] == "unit":
            feature["properties"]["time"] = "2044-07-12T15:30:00Z"
            feature["geometry"]["coordinates"] = [10.2, 50.2]
    report = us.import_geojson(collection)
    assert [i["action"] for i in report["items"]] == ["appended"]
    assert us.conflicts()[0]["status"] == "cleared"


def test_a_geojson_import_with_bad_geometry_changes_nothing(pictures: Pictures, api: Api) -> None:
    size = api.world.node.record.size()
    bad = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": square(),
                "properties": {
                    "liaison": "operation",
                    "operation_id": "good",
                    "party": "uk",
                    "kind": "air_strike",
                    "start": START,
                    "end": END,
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [10.0, 91.0], "radius_m": 5},
                "properties": {
                    "liaison": "operation",
                    "operation_id": "bad",
                    "party": "uk",
                    "kind": "air_strike",
                    "start": START,
                    "end": END,
                },
            },
        ],
    }
    error = refused(InvalidBody, pictures("burrows").import_geojson, bad)
    assert "feature 1" in error.detail
    assert "latitude" in error.detail
    assert api.world.node.record.size() == size


def test_hidden_and_absent_operations_look_the_same(api: Api, pictures: Pictures) -> None:
    entry = pictures("burrows").create_operation("op-strike", "air_strike", [VOLUME], release=[])
    hidden = api.get(f"/v1/picture/operations/{entry['id']}", "deane")
    absent = api.get(f"/v1/picture/operations/{'0' * 64}", "deane")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.content == absent.content


def test_a_unit_id_with_a_trailing_newline_over_http_is_a_422_naming_it(api: Api) -> None:
    size = api.world.node.record.size()
    response = api.post("/v1/picture/units", "deane", json={**UNIT, "unit": "1-armd\n"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:liaison:problem:invalid-body"
    assert "unit '1-armd\\n' must be 1-64 characters" in problem["detail"]
    assert api.world.node.record.size() == size
