"""Members who sign on their own side: good signatures are kept beside the node's,
bad ones change nothing, and keys can be rotated without invalidating the past."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from liaison.domain.time import utcnow
from liaison.errors import (
    Conflict,
    InvalidBody,
    InvalidInput,
    InvalidKey,
    InvalidSignature,
    LiaisonError,
    NotPermitted,
)
from liaison.ledger.signing import KeyFile, b64e, key_id, verify
from liaison.services.record import AppendRequest
from liaison.services.verify import verify_store
from tests.conftest import World
from tests.record.support import signed_request

# Ed25519 public keys that would let a forger make signatures verify for any message.
IDENTITY = bytes([1]) + bytes(31)
SMALL_ORDER = {
    "order-2": bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    "order-4": bytes(32),
    "order-8": bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    "order-8b": bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
}
NOT_A_POINT = bytes.fromhex("02" + "00" * 30 + "80")


def _refused(world: World, request: AppendRequest, error: type[LiaisonError]) -> LiaisonError:
    size = world.node.record.size()
    with pytest.raises(error) as caught:
        world.node.record.append(request)
    assert world.node.record.size() == size
    return caught.value


def test_a_good_member_signature_is_accepted_and_kept(world: World) -> None:
    key = world.members["molotov"].key
    request, content = signed_request(
        "molotov", "su", key, {"text": "signed by the member", "topic": None}, ["su", "uk"]
    )
    entry = world.node.record.append(request)
    assert entry.id == content.id
    assert entry.raw == content.canonical()
    assert entry.author_key == key_id(key.public_key)
    assert entry.author_sig is not None
    assert verify(key.public_key, entry.raw, entry.author_sig)
    assert world.node.record.get("uk", entry.id) == entry
    assert verify_store(world.node.store, workers=1).ok


def test_a_bad_signature_is_refused_and_nothing_is_appended(world: World) -> None:
    key = world.members["molotov"].key
    request, _ = signed_request("molotov", "su", key, {"text": "x", "topic": None}, ["su"])
    assert request.signature is not None
    raw_sig = bytearray(base64.b64decode(request.signature))
    raw_sig[10] ^= 0x01
    bad = AppendRequest(
        author="molotov", signed_content=request.signed_content, signature=b64e(bytes(raw_sig))
    )
    _refused(world, bad, InvalidSignature)


def test_a_signature_by_someone_elses_key_is_refused(world: World) -> None:
    slavin_key = world.members["slavin"].key
    request, _ = signed_request("molotov", "su", slavin_key, {"text": "x", "topic": None}, ["su"])
    _refused(world, request, InvalidSignature)


def test_content_changed_after_signing_is_refused(world: World) -> None:
    key = world.members["molotov"].key
    request, _ = signed_request("molotov", "su", key, {"text": "x", "topic": None}, ["su"])
    assert request.signed_content is not None
    altered = {**request.signed_content, "release": ["su", "uk"]}
    _refused(
        world,
        AppendRequest(author="molotov", signed_content=altered, signature=request.signature),
        InvalidSignature,
    )


def test_a_signature_that_is_not_base64_is_refused(world: World) -> None:
    key = world.members["molotov"].key
    request, _ = signed_request("molotov", "su", key, {"text": "x", "topic": None}, ["su"])
    _refused(
        world,
        AppendRequest(author="molotov", signed_content=request.signed_content, signature="!!"),
        InvalidInput,
    )


def test_a_body_not_in_normal_form_is_refused(world: World) -> None:
    # The kind normalises a note to {"text", "topic"}; signing without "topic" is refused,
    # so that the signed bytes are always the bytes every reader will see.
    key = world.members["molotov"].key
    request, _ = signed_request("molotov", "su", key, {"text": "no topic field"}, ["su"])
    err = _refused(world, request, InvalidBody)
    assert "normal form" in err.detail


def test_a_release_set_not_in_normal_form_is_refused(world: World) -> None:
    key = world.members["molotov"].key
    request, _ = signed_request("molotov", "su", key, {"text": "x", "topic": None}, ["uk", "su"])
    _refused(world, request, InvalidInput)
    request, _ = signed_request("molotov", "su", key, {"text": "x", "topic": None}, ["uk"])
    _refused(world, request, InvalidInput)  # own party missing


def test_a_signed_time_far_from_the_nodes_clock_is_refused(world: World) -> None:
    key = world.members["molotov"].key
    for skew in (timedelta(minutes=-6), timedelta(minutes=6), timedelta(days=1)):
        request, _ = signed_request(
            "molotov", "su", key, {"text": "x", "topic": None}, ["su"], time=utcnow() + skew
        )
        err = _refused(world, request, InvalidInput)
        assert "clock" in err.detail


def test_a_signed_time_within_the_allowed_skew_is_accepted(world: World) -> None:
    key = world.members["molotov"].key
    request, content = signed_request(
        "molotov",
        "su",
        key,
        {"text": "x", "topic": None},
        ["su"],
        time=utcnow() - timedelta(minutes=4),
    )
    assert world.node.record.append(request).content.time == content.time


def test_content_signed_for_another_author_or_party_is_refused(world: World) -> None:
    molotov = world.members["molotov"].key
    request, _ = signed_request("molotov", "su", molotov, {"text": "x", "topic": None}, ["su"])
    _refused(
        world,
        AppendRequest(
            author="slavin", signed_content=request.signed_content, signature=request.signature
        ),
        NotPermitted,
    )
    request, _ = signed_request("molotov", "uk", molotov, {"text": "x", "topic": None}, ["uk"])
    _refused(world, request, NotPermitted)


def test_the_same_signed_content_cannot_be_appended_twice(world: World) -> None:
    key = world.members["molotov"].key
    request, _ = signed_request("molotov", "su", key, {"text": "once", "topic": None}, ["su"])
    world.node.record.append(request)
    _refused(world, request, Conflict)


def test_malformed_signed_content_is_refused(world: World) -> None:
    key = world.members["molotov"].key
    request, _ = signed_request("molotov", "su", key, {"text": "x", "topic": None}, ["su"])
    assert request.signed_content is not None
    for broken in (
        {k: v for k, v in request.signed_content.items() if k != "salt"},
        {**request.signed_content, "salt": "short"},
        {**request.signed_content, "v": 2},
        {**request.signed_content, "extra": 1},
    ):
        _refused(
            world,
            AppendRequest(author="molotov", signed_content=broken, signature=request.signature),
            InvalidInput,
        )


# --- key rotation -------------------------------------------------------------------------


def test_rotation_keeps_old_signatures_valid_and_refuses_the_old_key_for_new_entries(
    world: World,
) -> None:
    node = world.node
    old_key = world.members["molotov"].key
    before, _ = signed_request(
        "molotov", "su", old_key, {"text": "before", "topic": None}, ["su", "uk"]
    )
    signed_before = node.record.append(before)
    rotation, new_key = node.roster.rotate_key("molotov")
    assert new_key is not None
    assert rotation.content.body["public_key"] == b64e(new_key.public_key)

    # The old signature still verifies, in the store and as read back.
    report = verify_store(node.store, workers=1)
    assert report.ok, report.failures
    assert node.record.get("uk", signed_before.id).author_key == key_id(old_key.public_key)

    # The old key no longer signs new entries; the new one does.
    stale, _ = signed_request("molotov", "su", old_key, {"text": "after", "topic": None}, ["su"])
    _refused(world, stale, InvalidSignature)
    fresh, _ = signed_request("molotov", "su", new_key, {"text": "after", "topic": None}, ["su"])
    after = node.record.append(fresh)
    assert after.author_key == key_id(new_key.public_key)
    assert verify_store(node.store, workers=1).ok

    # The record answers which keys the member held at each moment.
    then = node.record.authority("molotov", at=signed_before.stamp.at)
    now = node.record.authority("molotov")
    assert [k.public_key for k in then.keys] == [old_key.public_key]
    assert [k.public_key for k in now.keys] == [old_key.public_key, new_key.public_key]


def test_a_member_may_bring_their_own_new_key(world: World) -> None:
    mine = KeyFile.new("slavin", "su")
    entry, generated = world.node.roster.rotate_key("slavin", mine.public_key)
    assert generated is None
    assert entry.content.body["public_key"] == b64e(mine.public_key)
    request, _ = signed_request("slavin", "su", mine, {"text": "x", "topic": None}, ["su"])
    assert world.node.record.append(request).author_key == key_id(mine.public_key)


WEAK = {
    "identity": IDENTITY,
    **SMALL_ORDER,
    "not-a-point": NOT_A_POINT,
    "short": bytes(range(31)),
    "long": bytes(range(33)),
    "empty": b"",
}


def test_weak_or_malformed_keys_are_refused_on_rotation(world: World) -> None:
    node = world.node
    size = node.record.size()
    keys = node.record.authority("slavin").keys
    for name, weak in WEAK.items():
        with pytest.raises(InvalidKey):
            node.roster.rotate_key("slavin", weak)
        assert node.record.size() == size, name
    assert node.record.authority("slavin").keys == keys


def test_weak_keys_are_refused_in_appointment_and_key_entries(world: World) -> None:
    """Even the node's own administrative path cannot put a weak key on the record."""
    node = world.node
    size = node.record.size()
    for name, weak in WEAK.items():
        body = {
            "member": "vyshinsky",
            "party": "su",
            "name": "Vyshinsky",
            "role": "officer",
            "mandate": {"topics": ["*"]},
            "public_key": b64e(weak),
        }
        with pytest.raises(InvalidBody, match="public_key"):
            node.record.append(AppendRequest(author="node", kind="member.appoint", body=body))
        with pytest.raises(InvalidBody, match="public_key"):
            node.record.append(
                AppendRequest(
                    author="node",
                    kind="member.key",
                    body={"member": "slavin", "public_key": b64e(weak)},
                )
            )
        assert node.record.size() == size, name
