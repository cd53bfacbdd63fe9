"""Exported bundles: a party's bundle holds only what is released to it (plus the
commitments of everything else) and still verifies; one changed line fails
verification naming that entry."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from liaison.errors import InvalidInput
from liaison.services.bundle import export_bundle, verify_bundle
from liaison.services.verify import VerifyReport
from tests.conftest import World
from tests.record.support import ALL, everything, note

CANARIES = {
    "su": "CANARY-SU-7d0c1e",  # released to su only
    "uk": "CANARY-UK-41b9aa",  # released to uk only
    "uk-su": "CANARY-UKSU-93f2",  # released to uk and su, never to us
}


@pytest.fixture
def bundled(world: World) -> World:
    node = world.node
    note(node, "molotov", f"the real headquarters: {CANARIES['su']}", [])
    note(node, "eden", f"the decoy: {CANARIES['uk']}", [])
    note(node, "kerr", f"the third one: {CANARIES['uk-su']}", ["su"])
    note(node, "harriman", "released to all", ["*"])
    note(node, "deane", "us and uk", ["uk"])
    return world


def export(world: World, reader: str | None) -> Path:
    path = world.tmp / f"bundle-{reader}.jsonl"
    export_bundle(world.node, reader, path)
    return path


def lines_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_lines(path: Path, lines: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(x, sort_keys=True) + "\n" for x in lines), "utf-8")


def line_for(lines: list[dict[str, object]], seq: int) -> dict[str, object]:
    return next(x for x in lines[1:] if x["seq"] == seq)


def test_a_whole_record_bundle_verifies(bundled: World) -> None:
    report = verify_bundle(export(bundled, None))
    assert report.ok, report.failures
    assert report.checked == report.readable == bundled.node.record.size()


@pytest.mark.parametrize("reader", ["us", "su", "uk"])
def test_a_partys_bundle_holds_no_content_not_released_to_it(bundled: World, reader: str) -> None:
    path = export(bundled, reader)
    text = path.read_text(encoding="utf-8")
    for owner, canary in CANARIES.items():
        assert (canary in text) == (reader in owner.split("-")), (reader, canary)
    report = verify_bundle(path, trusted_verifier_key=bundled.node.proofs.verifier_key)
    assert report.ok, report.failures
    size = bundled.node.record.size()
    assert report.checked == size
    visible = bundled.node.record.count(reader, ALL)
    assert report.readable == visible < size
    # Every entry is present, readable or not: the commitments let the party check the log.
    seqs = [x["seq"] for x in lines_of(path)[1:]]
    assert seqs == list(range(1, size + 1))


def test_one_changed_content_line_is_named(bundled: World) -> None:
    path = export(bundled, "su")
    lines = lines_of(path)
    target = next(e for e in everything(bundled.node) if CANARIES["su"] in e.raw.decode())
    line = line_for(lines, target.seq)
    content = str(line["content"])
    line["content"] = content.replace("headquarters", "headquarterz")
    write_lines(path, lines)
    report = verify_bundle(path)
    assert_names(report, target.seq, target.id, "rewritten")


def test_one_changed_signature_line_is_named(bundled: World) -> None:
    path = export(bundled, None)
    lines = lines_of(path)
    target = everything(bundled.node)[-2]
    line = line_for(lines, target.seq)
    sig = bytearray(base64.b64decode(str(line["node_sig"])))
    sig[0] ^= 1
    line["node_sig"] = base64.b64encode(bytes(sig)).decode()
    write_lines(path, lines)
    assert_names(verify_bundle(path), target.seq, target.id, "signature")


def test_a_removed_line_is_named(bundled: World) -> None:
    path = export(bundled, "us")
    lines = lines_of(path)
    target = everything(bundled.node)[-3]
    write_lines(path, [x for x in lines if x.get("seq") != target.seq])
    report = verify_bundle(path)
    first = report.first_failure
    assert first is not None
    assert first.seq == target.seq, report.failures


def test_two_swapped_lines_are_named(bundled: World) -> None:
    path = export(bundled, "us")
    lines = lines_of(path)
    entries = everything(bundled.node)
    a, b = entries[-4], entries[-2]
    ia, ib = lines.index(line_for(lines, a.seq)), lines.index(line_for(lines, b.seq))
    lines[ia], lines[ib] = lines[ib], lines[ia]
    write_lines(path, lines)
    report = verify_bundle(path)
    first = report.first_failure
    assert first is not None
    assert first.seq == a.seq, report.failures
    assert "reordered" in first.problem, report.failures


def test_content_smuggled_into_a_partys_bundle_is_caught(bundled: World) -> None:
    """A bundle claiming to be us's view may not hold what was not released to us."""
    full = lines_of(export(bundled, None))
    path = export(bundled, "us")
    lines = lines_of(path)
    target = next(e for e in everything(bundled.node) if CANARIES["uk"] in e.raw.decode())
    i = lines.index(line_for(lines, target.seq))
    lines[i] = line_for(full, target.seq)
    write_lines(path, lines)
    assert_names(verify_bundle(path), target.seq, target.id, "not released to us")


def test_a_bundle_checked_against_another_nodes_key_is_refused(
    bundled: World, tmp_path: Path
) -> None:
    from tests.conftest import make_world

    other = make_world(str(tmp_path / "other.db"), tmp_path)
    try:
        report = verify_bundle(
            export(bundled, None), trusted_verifier_key=other.node.proofs.verifier_key
        )
    finally:
        other.node.close()
    assert not report.ok
    assert "trusted" in report.failures[0].problem


def test_a_file_that_is_not_a_bundle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"format": "something-else"}\n', encoding="utf-8")
    with pytest.raises(InvalidInput):
        verify_bundle(path)


def test_exporting_for_an_unknown_party_is_refused(bundled: World) -> None:
    with pytest.raises(InvalidInput):
        export(bundled, "vichy")


def assert_names(report: VerifyReport, seq: int, entry_id: str, problem: str) -> None:
    first = report.first_failure
    assert first is not None, "the tampered bundle verified"
    assert first.seq == seq, report.failures
    assert first.entry_id == entry_id, report.failures
    assert problem in first.problem, report.failures
