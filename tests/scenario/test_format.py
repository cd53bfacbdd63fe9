"""The scenario format is validated whole: a bad file names the path of every bad field and
loads nothing; a step the record refuses names the step, and a fresh store is removed."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liaison.cli.app import app
from liaison.cli.output import EXIT_REFUSED
from liaison.demo import build_demo
from liaison.errors import InvalidInput
from liaison.scenario import ScenarioError, load_new, parse_scenario, read_scenario
from liaison.scenario.schema import EVENT_TYPES

Data = dict[str, Any]


def minimal() -> Data:
    """A small valid scenario: two parties, a member of each, a channel and a sent message."""
    return {
        "format": "liaison-scenario/1",
        "title": "A small test",
        "start": "1943-01-01",
        "documents": {"doc": {"title": "A document"}},
        "parties": [
            {"id": "uk", "name": "United Kingdom"},
            {"id": "su", "name": "Soviet Union"},
        ],
        "members": [
            {
                "id": "eden",
                "party": "uk",
                "name": "Eden",
                "role": "plenipotentiary",
                "mandate": {"topics": ["*"]},
            },
            {
                "id": "molotov",
                "party": "su",
                "name": "Molotov",
                "role": "plenipotentiary",
                "mandate": {"topics": ["*"]},
                "at": "1943-01-02",
            },
        ],
        "timeline": [
            {"at": "1943-01-03", "do": "note", "id": "hello", "by": "eden", "text": "Hello."},
            {
                "at": "1943-01-04",
                "do": "channel.open",
                "by": "eden",
                "channel": "uk.moscow",
                "name": "Moscow",
                "parties": ["su"],
            },
            {
                "at": "1943-01-05",
                "do": "message.draft",
                "id": "draft",
                "by": "eden",
                "channel": "uk.moscow",
                "to": ["su"],
                "subject": "Greetings",
                "text": "Greetings.",
                "source": {"document": "doc", "quote": "greetings"},
            },
            {"at": "1943-01-05T13:00:00Z", "do": "message.send", "by": "eden", "draft": "draft"},
        ],
    }


def problems_of(data: Data, base: Path | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, base=base, name="test.json")
    assert "nothing was loaded" in caught.value.detail
    return [str(p) for p in caught.value.problems]


def event(data: Data, index: int) -> Data:
    item: Data = data["timeline"][index]
    return item


Mutation = Callable[[Data], None]

CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "unknown member",
        lambda d: event(d, 0).update(by="edn"),
        "timeline[0] (note).by",
        "unknown member 'edn'",
    ),
    (
        "unknown event type",
        lambda d: event(d, 0).update(do="telegram"),
        "timeline[0]",
        "unknown event type",
    ),
    (
        "misspelt field",
        lambda d: event(d, 0).update(txt="Hello."),
        "timeline[0] (note).txt",
        "Extra inputs are not permitted",
    ),
    (
        "no such date",
        lambda d: event(d, 0).update(at="1943-02-30"),
        "timeline[0] (note).at",
        "not a date",
    ),
    (
        "a time without a zone",
        lambda d: event(d, 0).update(at="1943-01-03T12:00:00"),
        "timeline[0] (note).at",
        "no time zone",
    ),
    (
        "before the start",
        lambda d: event(d, 0).update(at="1942-12-31"),
        "timeline[0] (note).at",
        "earlier than the event before it",
    ),
    (
        "out of order",
        lambda d: event(d, 3).update(at="1943-01-04"),
        "timeline[3] (message.send).at",
        "in time order",
    ),
    (
        "a reference to nothing",
        lambda d: event(d, 3).update(draft="drat"),
        "timeline[3] (message.send).draft",
        "no earlier event has the id 'drat'",
    ),
    (
        "a reference of the wrong kind",
        lambda d: event(d, 3).update(draft="hello"),
        "timeline[3] (message.send).draft",
        "'hello' is a note (timeline[0]); expected message.amend or message.draft",
    ),
    (
        "an unknown party",
        lambda d: event(d, 0).update(release=["fr"]),
        "timeline[0] (note).release[0]",
        "unknown party 'fr'",
    ),
    (
        "acting before appointment",
        lambda d: event(d, 0).update(by="molotov", at="1943-01-01T18:00:00Z"),
        "timeline[0] (note).by",
        "molotov is not appointed until later",
    ),
    (
        "an unknown document",
        lambda d: event(d, 2).update(source={"document": "memo", "quote": "q"}),
        "timeline[2] (message.draft).source.document",
        "unknown document 'memo'",
    ),
    (
        "a channel never opened",
        lambda d: event(d, 2).update(channel="london"),
        "timeline[2] (message.draft).channel",
        "no earlier event opens channel 'london'",
    ),
    (
        "an id used twice",
        lambda d: event(d, 2).update(id="hello"),
        "timeline[2] (message.draft).id",
        "'hello' is already the id of an event",
    ),
    (
        "a bad mandate",
        lambda d: d["members"][0]["mandate"].update(topics=["Post War"]),
        "members[0].mandate",
        "must be dotted lowercase words",
    ),
    (
        "an unknown role",
        lambda d: d["members"][0].update(role="ambassador"),
        "members[0].role",
        "plenipotentiary",
    ),
    (
        "a member of an unknown party",
        lambda d: d["members"][0].update(party="fr"),
        "members[0].party",
        "unknown party 'fr'",
    ),
    (
        "a wrong format",
        lambda d: d.update(format="liaison-scenario/2"),
        "format",
        "liaison-scenario/1",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [pytest.param(m, p, t, id=name) for name, m, p, t in CASES],
)
def test_a_bad_field_is_refused_with_its_path(mutate: Mutation, path: str, message: str) -> None:
    data = minimal()
    parse_scenario(copy.deepcopy(data))  # the unmutated scenario is valid
    mutate(data)
    found = problems_of(data)
    assert any(p.startswith(f"{path}: ") and message in p for p in found), found


def test_every_problem_is_reported_at_once() -> None:
    data = minimal()
    event(data, 0).update(by="edn")
    event(data, 3).update(draft="drat")
    found = problems_of(data)
    assert len(found) == 2
    assert found[0].startswith("timeline[0] (note).by")
    assert found[1].startswith("timeline[3] (message.send).draft")


def test_agreement_terms_are_checked_as_the_record_will_check_them() -> None:
    data = minimal()
    data["timeline"].append(
        {
            "at": "1943-01-06",
            "do": "agreement.propose",
            "by": "eden",
            "terms": {
                "title": "A treaty",
                "parties": ["su", "uk"],
                "topic": "diplomacy",
                "provisions": [
                    {
                        "id": "p",
                        "text": "Consult.",
                        "obligations": [
                            {
                                "id": "o",
                                "rule": "consult_before",
                                "party": "uk",
                                "topic": "diplomacy",
                                "lead": "P1M",
                            }
                        ],
                    }
                ],
            },
        }
    )
    [problem] = problems_of(data)
    assert problem.startswith("timeline[4] (agreement.propose).terms.provisions[0].obligations[0]")
    assert "'P1M' is not a duration" in problem


def test_an_account_file_is_read_relative_to_the_scenario_and_checked(tmp_path: Path) -> None:
    data = minimal()
    meeting = {
        "at": "1943-01-06",
        "do": "meeting.record",
        "id": "talk",
        "by": "eden",
        "title": "A talk",
        "place": "London",
        "participants": [
            {"name": "Eden", "party": "uk", "role": "Foreign Secretary", "member": "eden"},
            {"name": "Maisky", "party": "su", "role": "ambassador"},
        ],
        "release": ["su"],
    }
    account = {"at": "1943-01-07", "do": "meeting.account", "by": "eden", "meeting": "talk"}
    data["timeline"] += [meeting, {**account, "account_file": "accounts/eden.json"}]
    [problem] = problems_of(data, base=tmp_path)
    assert problem.startswith("timeline[5] (meeting.account).account_file: cannot read it")
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "eden.json").write_text('{"party": "United Kingdom"}')
    [problem] = problems_of(data, base=tmp_path)
    assert "account is missing author" in problem
    (tmp_path / "accounts" / "eden.json").write_text(
        json.dumps({"party": "United Kingdom", "author": "Eden", "paragraphs": ["We talked."]})
    )
    parse_scenario(data, base=tmp_path)
    data["timeline"][5] = {**account, "account_file": "accounts/eden.json", "account": {}}
    [problem] = problems_of(data, base=tmp_path)
    assert "give exactly one of account and account_file" in problem


def test_a_file_that_is_not_json_is_refused_with_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "format": "liaison-scenario/1",\n  "title": oops\n}\n')
    with pytest.raises(ScenarioError) as caught:
        read_scenario(bad)
    assert "line 3, column" in caught.value.detail
    assert str(bad) in caught.value.detail
    with pytest.raises(ScenarioError, match="No such file"):
        read_scenario(tmp_path / "missing.json")


def test_a_bad_scenario_loads_nothing_and_the_demo_folder_is_not_touched(tmp_path: Path) -> None:
    data = minimal()
    event(data, 3).update(draft="drat")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "earlier").write_text("an earlier demo")
    with pytest.raises(ScenarioError) as caught:
        build_demo(folder, say=lambda _: None, scenario=bad)
    assert isinstance(caught.value, InvalidInput)
    assert "timeline[3] (message.send).draft" in caught.value.detail
    assert [p.name for p in folder.iterdir()] == ["earlier"]


def test_a_step_the_record_refuses_is_named_and_the_fresh_store_removed(tmp_path: Path) -> None:
    data = minimal()
    data["timeline"].append(
        {
            "at": "1943-01-06",
            "do": "picture.operation",
            "by": "eden",
            "ref": "op",
            "kind": "air_strike",
            "volumes": [
                {
                    "footprint": {"type": "Point", "coordinates": [21.9, 43.3], "radius_m": 500},
                    "start": "1943-01-07T00:00:00Z",
                    "end": "1943-01-07T01:00:00Z",
                }
            ],
        }
    )
    data["members"][0]["role"] = "officer"  # an officer does not commit forces
    scenario = parse_scenario(data)
    db, key = tmp_path / "liaison.db", tmp_path / "node.key"
    with pytest.raises(ScenarioError) as caught:
        load_new(scenario, str(db), key, name="test.json")
    [problem] = caught.value.problems
    assert problem.path == "timeline[4] (picture.operation)"
    assert "refused:" in problem.message
    assert "commander" in problem.message
    assert "nothing was loaded" in caught.value.detail
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_liaison_demo_reports_a_bad_scenario_as_refused_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = minimal()
    event(data, 0).update(by="edn")
    (tmp_path / "bad.json").write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["demo", "--dir", "demo", "--scenario", "bad.json"])
    assert result.exit_code == EXIT_REFUSED
    assert "timeline[0] (note).by: unknown member 'edn'" in result.output
    assert not (tmp_path / "demo").exists()


def test_the_format_reference_documents_every_event_and_field() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md").read_text()
    for do, model in EVENT_TYPES.items():
        heading = f"### `{do}`"
        assert heading in doc, f"docs/scenario-format.md has no section {heading}"
        section = doc.split(heading, 1)[1].split("\n### ", 1)[0]
        for name in model.model_fields:
            if name not in ("at", "id", "source", "note", "do", "by"):
                assert f"`{name}`" in section, f"{do}: field {name} is not documented"
    for name in ("format", "title", "start", "origin", "illustrative", "documents", "parties"):
        assert f"`{name}`" in doc
