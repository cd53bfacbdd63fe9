"""Checkpoints, proofs and stamps over HTTP: any party can check the log, and learns no content."""

from __future__ import annotations

import base64

from liaison.domain.entry import Stamp
from liaison.domain.time import parse_time
from liaison.ledger import merkle
from liaison.ledger.checkpoint import open_checkpoint
from tests.api.support import Api


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def test_the_checkpoint_is_signed_by_the_node_and_covers_the_log(api: Api) -> None:
    api.note("eden", "before the checkpoint")
    verifier = api.http.get("/v1/node").json()["verifier_key"]
    checkpoint = api.get("/v1/checkpoint", "deane").json()
    assert checkpoint["size"] == api.world.node.record.size()
    opened = open_checkpoint(checkpoint["note"], verifier, origin="liaison.test/record")
    assert opened.size == checkpoint["size"]
    assert opened.root_hash == b64(checkpoint["root"])
    assert checkpoint["created_at"].endswith("Z")


def test_checkpoints_accumulate_and_stay_consistent(api: Api) -> None:
    first = api.get("/v1/checkpoint", "eden").json()
    api.note("eden", "grow the log")
    second = api.get("/v1/checkpoint", "eden").json()
    listed = api.get("/v1/checkpoints", "molotov").json()["checkpoints"]
    assert [c["size"] for c in listed] == [first["size"], second["size"]]
    sizes = {"first": first["size"], "second": second["size"]}
    proof = api.get("/v1/proofs/consistency", "molotov", params=sizes).json()
    assert merkle.verify_consistency(
        proof["first"],
        proof["second"],
        b64(first["root"]),
        b64(second["root"]),
        [b64(h) for h in proof["proof"]],
    )


def test_an_inclusion_proof_shows_only_the_stamp(api: Api) -> None:
    secret = api.note("eden", "British eyes only")
    checkpoint = api.get("/v1/checkpoint", "molotov").json()
    proof = api.get(
        "/v1/proofs/inclusion",
        "molotov",
        params={"seq": secret["seq"], "tree_size": checkpoint["size"]},
    ).json()
    assert set(proof) == {"seq", "tree_size", "stamp", "proof", "root"}
    assert set(proof["stamp"]) == {"v", "seq", "entry", "at"}
    assert proof["stamp"]["entry"] == secret["id"]
    assert proof["root"] == checkpoint["root"]
    stamp = Stamp(proof["seq"], proof["stamp"]["entry"], parse_time(proof["stamp"]["at"]))
    assert merkle.verify_inclusion(
        merkle.leaf_hash(stamp.leaf_data()),
        secret["seq"] - 1,
        proof["tree_size"],
        [b64(h) for h in proof["proof"]],
        b64(proof["root"]),
    )
    assert "British" not in str(proof)


def test_stamps_are_the_public_commitments_of_the_whole_log(api: Api) -> None:
    secret = api.note("eden", "not for the Soviets")
    size = api.world.node.record.size()
    stamps = api.get("/v1/stamps", "molotov", params={"first": 1, "last": size}).json()["stamps"]
    assert [s["seq"] for s in stamps] == list(range(1, size + 1))
    assert stamps[secret["seq"] - 1]["entry"] == secret["id"]
    assert "Soviets" not in str(stamps)
