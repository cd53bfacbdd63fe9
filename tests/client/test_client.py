"""``liaison.Client`` over every route: typed results, mapped errors, checked proofs."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from liaison import (
    Client,
    IntegrityError,
    InvalidBody,
    InvalidKey,
    InvalidSignature,
    LiaisonError,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    UnknownKind,
)
from liaison.client import Entry, NewEntry, _content_bytes, error_from_problem
from liaison.domain.time import parse_time, utcnow
from liaison.ledger.canonical import sha256
from liaison.ledger.checkpoint import verifier_key
from liaison.ledger.signing import KeyFile, b64e, key_id, verify
from tests.client.conftest import Connect
from tests.conftest import World


class Rewrite(httpx.BaseTransport):
    """A man in the middle: rewrites the JSON of responses (or requests) on one path."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        path: str,
        response: Callable[[Any], Any] | None = None,
        request: Callable[[Any], Any] | None = None,
    ) -> None:
        self.inner = inner
        self.path = path
        self.response = response
        self.request = request

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self.path and self.request is not None:
            body = self.request(json.loads(request.read()))
            request = httpx.Request(
                request.method,
                request.url,
                headers={k: v for k, v in request.headers.items() if k != "content-length"},
                json=body,
            )
        response = self.inner.handle_request(request)
        if request.url.path != self.path or self.response is None:
            return response
        response.read()
        data = self.response(response.json())
        return httpx.Response(response.status_code, json=data, request=request)


def flip(b64_text: str) -> str:
    raw = bytearray(base64.b64decode(b64_text))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


# --- the package surface ------------------------------------------------------------------


def test_the_package_exports_the_client_and_every_error_in_a_sorted_all() -> None:
    import liaison.errors

    assert liaison.__all__ == sorted(liaison.__all__)
    assert set(liaison.__all__) == {"Client", "__version__", *liaison.errors.__all__}
    for name in liaison.__all__:
        assert hasattr(liaison, name)
    assert liaison.__version__


# --- the node and the roster --------------------------------------------------------------


def test_anyone_can_read_the_node_identity(connect: Connect, world: World) -> None:
    info = connect().node()
    assert info["origin"] == "liaison.test/record"
    assert info["verifier_key"] == world.node.proofs.verifier_key


def test_me_parties_members_and_kinds(connect: Connect) -> None:
    client = connect("deane")
    me = client.me()
    assert (me["member"], me["party"], me["role"]) == ("deane", "us", "commander")
    assert [p["id"] for p in client.parties()] == ["su", "uk", "us"]
    assert {m["member"] for m in client.members(party="uk")} == {
        "eden",
        "kerr",
        "burrows",
        "watcher",
    }
    assert "note" in {k["name"] for k in client.kinds()}


def test_authority_at_a_past_moment(connect: Connect, world: World) -> None:
    before = utcnow()
    world.node.roster.change("kerr", "commander", {"topics": ["*"]})
    client = connect("molotov")
    assert client.authority("kerr")["role"] == "commander"
    assert client.authority("kerr", at=before)["role"] == "officer"
    with pytest.raises(NotFound):
        client.authority("kerr", at=before - timedelta(days=365))


# --- appending and reading ------------------------------------------------------------


def test_append_get_list_count_versions(connect: Connect) -> None:
    client = connect("eden")
    first = client.append("note", {"text": "T.O.O. 1216301"}, release=["us"])
    assert first["release"] == ["uk", "us"]
    second = client.append("note", {"text": "T.O.O. 1216302"}, supersedes=first["id"])
    assert client.get(first["id"]) == first
    assert [e["id"] for e in client.versions(first["id"])] == [first["id"], second["id"]]
    assert [e["id"] for e in client.list(kind="note")] == [first["id"], second["id"]]
    page = client.list_page(kind="note", limit=1)
    assert page["next_after"] == first["seq"]
    assert client.count(kind="note") == 2
    assert client.count(text="1216301") == 1
    american = connect("deane")
    assert american.count(kind="note") == 1
    assert [e["id"] for e in american.iter_entries(kind="note")] == [first["id"]]


def test_iter_entries_walks_every_page(sqlite_connect: Connect) -> None:
    client = sqlite_connect("eden")
    notes: list[NewEntry] = [{"kind": "note", "body": {"text": f"n{i}"}} for i in range(1005)]
    results = client.append_many(notes)
    assert all(not isinstance(r, LiaisonError) for r in results)
    texts = [e["body"]["text"] for e in client.iter_entries(kind="note")]
    assert texts == [f"n{i}" for i in range(1005)]


def test_append_many_splits_what_one_request_could_not_carry(sqlite_connect: Connect) -> None:
    big = "x" * 60_000
    notes: list[NewEntry] = [{"kind": "note", "body": {"text": big}} for _ in range(40)]
    results = sqlite_connect("eden").append_many(notes)
    assert len(results) == 40
    for result in results:
        assert not isinstance(result, LiaisonError), result
        assert result["body"]["text"] == big


def test_append_many_reports_each_refusal_as_its_error(connect: Connect) -> None:
    results = connect("kerr").append_many(
        [
            {"kind": "note", "body": {"text": "fine"}},
            {"kind": "no.such.kind", "body": {}},
            {"kind": "note", "body": {"nope": 1}},
            {"kind": "note", "body": {"text": "x", "topic": "coordination"}},
        ]
    )
    assert not isinstance(results[0], LiaisonError)
    assert results[0]["body"]["text"] == "fine"
    assert isinstance(results[1], UnknownKind)
    assert isinstance(results[2], InvalidBody)
    assert isinstance(results[3], NotPermitted)
    assert "coordination" in str(results[3])


def test_errors_are_the_liaison_errors_the_problem_names(connect: Connect) -> None:
    with pytest.raises(NotFound, match="no such entry"):
        connect("deane").get("0" * 64)
    with pytest.raises(NotAuthenticated):
        connect().me()
    with pytest.raises(NotPermitted):
        connect("watcher").append("note", {"text": "observers only read"})
    with pytest.raises(UnknownKind):
        connect("eden").append("no.such.kind", {})


def test_an_unknown_problem_type_or_a_bare_error_is_a_liaison_error() -> None:
    odd = error_from_problem(418, {"type": "urn:liaison:problem:teapot", "detail": "short"})
    assert type(odd) is LiaisonError
    assert str(odd) == "short"
    bare = error_from_problem(502, None)
    assert type(bare) is LiaisonError
    assert "502" in str(bare)


def test_an_unreachable_server_is_a_liaison_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = Client("http://127.0.0.1:9", transport=httpx.MockTransport(refuse))
    with client, pytest.raises(LiaisonError, match="cannot reach"):
        client.node()


# --- signing on the member's side -------------------------------------------------------


def test_a_signed_append_round_trips_with_a_real_key_file(
    connect: Connect, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "kerr.key"
    world.members["kerr"].key.write(path)
    key = KeyFile.read(path)
    client = connect("kerr", key=key)
    entry = client.append("note", {"text": "signed on my side"}, release=["us", "su"], sign=True)
    assert entry["release"] == ["su", "uk", "us"]
    assert entry["body"] == {"text": "signed on my side", "topic": None}
    signatures = entry["signatures"]
    assert signatures["author_key"] == key_id(key.public_key)
    assert signatures["author"] is not None
    raw = _content_bytes(entry)
    assert verify(key.public_key, raw, base64.b64decode(signatures["author"]))
    assert sha256(raw).hex() == entry["id"]
    assert abs(parse_time(entry["time"]) - utcnow()) < timedelta(minutes=1)
    everyone = client.append("note", {"text": "to all"}, release=["us", "*"], sign=True)
    assert everyone["release"] == ["*"]


def test_a_signed_append_uses_the_partys_default_release(connect: Connect, world: World) -> None:
    world.node.roster.add_party("yu", "Yugoslav partisans", ["uk"])
    tito = world.node.roster.appoint("tito", "yu", "Tito", "officer", {"topics": ["*"]})
    world.members["tito"] = tito
    entry = connect("tito", key=tito.key).append("note", {"text": "partisan report"}, sign=True)
    assert entry["release"] == ["uk", "yu"]
    unsigned = connect("tito").append("note", {"text": "unsigned report"})
    assert unsigned["release"] == entry["release"]


def test_signing_with_someone_elses_key_is_refused_before_sending(
    connect: Connect, world: World
) -> None:
    size = world.node.record.size()
    with pytest.raises(InvalidKey):
        connect("kerr", key=world.members["eden"].key).append("note", {"text": "x"}, sign=True)
    with pytest.raises(LiaisonError, match="key file"):
        connect("kerr").append("note", {"text": "x"}, sign=True)
    assert world.node.record.size() == size


def test_a_rotated_key_signs_and_the_old_one_is_refused(connect: Connect, world: World) -> None:
    new = KeyFile.new("kerr", "uk")
    client = connect("kerr", key=new)
    assert client.me()["keys"][-1]["public_key"] != b64e(new.public_key)
    world.node.roster.rotate_key("kerr", new.public_key)
    entry = client.append("note", {"text": "with the new key"}, sign=True)
    assert entry["signatures"]["author_key"] == key_id(new.public_key)
    with pytest.raises(InvalidKey, match="current key"):
        connect("kerr", key=world.members["kerr"].key).append("note", {"text": "x"}, sign=True)


def test_a_body_that_does_not_fit_its_kind_is_refused_before_signing(
    connect: Connect, world: World
) -> None:
    client = connect("kerr", key=world.members["kerr"].key)
    with pytest.raises(InvalidBody):
        client.append("note", {"txt": "x"}, sign=True)


def test_a_tampered_signature_is_refused_and_nothing_is_appended(
    connect: Connect, world: World
) -> None:
    def tamper(payload: dict[str, Any]) -> dict[str, Any]:
        payload["signature"] = flip(payload["signature"])
        return payload

    client = connect(
        "kerr",
        key=world.members["kerr"].key,
        wrap=lambda inner: Rewrite(inner, "/v1/entries", request=tamper),
    )
    size = world.node.record.size()
    with pytest.raises(InvalidSignature):
        client.append("note", {"text": "tampered in transit"}, sign=True)
    assert world.node.record.size() == size


# --- checkpoints and proofs, checked on arrival -----------------------------------------


def test_checkpoints_are_opened_with_the_nodes_verifier_key(connect: Connect) -> None:
    client = connect("eden")
    first = client.checkpoint()
    client.append("note", {"text": "grow"})
    second = client.checkpoint()
    assert second["size"] == first["size"] + 1
    assert [c["size"] for c in client.checkpoints()] == [first["size"], second["size"]]


def test_a_checkpoint_under_a_key_other_than_the_pinned_one_is_refused(
    sqlite_connect: Connect,
) -> None:
    stranger = verifier_key("liaison.test/record", KeyFile.new("x", None).public_key)
    with pytest.raises(IntegrityError, match="does not verify"):
        sqlite_connect("eden", verifier_key=stranger).checkpoint()


def test_a_checkpoint_whose_fields_differ_from_its_signed_note_is_refused(
    sqlite_connect: Connect,
) -> None:
    def lie(data: dict[str, Any]) -> dict[str, Any]:
        data["size"] += 1
        return data

    client = sqlite_connect("eden", wrap=lambda inner: Rewrite(inner, "/v1/checkpoint", lie))
    with pytest.raises(IntegrityError):
        client.checkpoint()


def test_proofs_are_checked_on_arrival(connect: Connect) -> None:
    client = connect("molotov")
    size = client.checkpoint()["size"]
    inclusion = client.inclusion_proof(3, size)
    assert inclusion["seq"] == 3
    assert inclusion["tree_size"] == size
    consistency = client.consistency_proof(2, size)
    assert (consistency["first"], consistency["second"]) == (2, size)
    stamps = client.stamps(1, size)
    assert [s["seq"] for s in stamps] == list(range(1, size + 1))


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("/v1/proofs/inclusion", lambda d: {**d, "proof": [flip(d["proof"][0]), *d["proof"][1:]]}),
        ("/v1/proofs/inclusion", lambda d: {**d, "stamp": {**d["stamp"], "entry": "0" * 64}}),
        ("/v1/proofs/inclusion", lambda d: {**d, "seq": d["seq"] + 1}),
        ("/v1/proofs/consistency", lambda d: {**d, "second_root": flip(d["second_root"])}),
        ("/v1/proofs/consistency", lambda d: {**d, "proof": d["proof"][:-1]}),
    ],
)
def test_a_tampered_proof_is_refused(
    sqlite_connect: Connect, path: str, change: Callable[[Any], Any]
) -> None:
    client = sqlite_connect("eden", wrap=lambda inner: Rewrite(inner, path, change))
    fetch = client.inclusion_proof if path.endswith("inclusion") else client.consistency_proof
    with pytest.raises(IntegrityError):
        fetch(3, 12)


def test_verify_inclusion_ties_an_entry_to_the_signed_root(connect: Connect) -> None:
    client = connect("eden")
    entry = client.append("note", {"text": "binding on both parties"})
    check = client.verify_inclusion(entry["id"])
    assert check["entry"] == entry["id"]
    assert check["seq"] == entry["seq"]
    assert check["proof"]["root"] == check["checkpoint"]["root"]
    soviet = connect("molotov")
    by_seq = soviet.verify_inclusion(entry["seq"])
    assert by_seq["entry"] == entry["id"]
    with pytest.raises(NotFound):
        soviet.verify_inclusion(entry["id"])


def test_verify_inclusion_refuses_an_entry_whose_content_was_changed(
    sqlite_connect: Connect,
) -> None:
    entry = sqlite_connect("eden").append("note", {"text": "original"})

    def rewrite(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "body": {"text": "rewritten", "topic": None}}

    client = sqlite_connect(
        "eden", wrap=lambda inner: Rewrite(inner, f"/v1/entries/{entry['id']}", rewrite)
    )
    with pytest.raises(IntegrityError, match="does not hash to its id"):
        client.verify_inclusion(entry["id"])


def test_verify_inclusion_refuses_a_stamp_that_names_another_entry(
    sqlite_connect: Connect,
) -> None:
    entry = sqlite_connect("eden").append("note", {"text": "named"})

    def rename(data: dict[str, Any]) -> dict[str, Any]:
        return {"stamps": [{**s, "entry": "f" * 64} for s in data["stamps"]]}

    client = sqlite_connect("eden", wrap=lambda inner: Rewrite(inner, "/v1/stamps", rename))
    with pytest.raises(IntegrityError, match="stamp"):
        client.verify_inclusion(entry["id"])


# --- export -------------------------------------------------------------------------------


def test_export_lines_hold_what_the_party_may_read(connect: Connect) -> None:
    british: Entry = connect("eden").append("note", {"text": "British eyes only"})
    lines = list(connect("deane").export_lines())
    assert all(line.endswith("\n") for line in lines)
    header = json.loads(lines[0])
    assert header["reader"] == "us"
    rows = {row["seq"]: row for row in map(json.loads, lines[1:])}
    assert "content" not in rows[british["seq"]]
    assert "British" not in "".join(lines)


def test_a_member_key_public_part_is_what_the_record_holds(connect: Connect, world: World) -> None:
    keys = connect("kerr").me()["keys"]
    assert keys[-1]["public_key"] == b64e(world.members["kerr"].key.public_key)


def test_a_client_process_finds_the_kinds_every_capability_registers() -> None:
    import subprocess
    import sys

    script = (
        "import sys; from liaison.client import _kind; "
        "assert 'liaison.messages.kinds' not in sys.modules; "
        "print(_kind('message.draft').name)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "message.draft"
