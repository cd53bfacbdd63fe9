"""Sign then verify: every entry's canonical bytes verify with the key that signed
them, and with nothing else; any change to bytes or signature is caught."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.domain.entry import Content, Stamp
from liaison.domain.party import ALL_PARTIES
from liaison.ledger.canonical import canonical_bytes
from liaison.ledger.signing import KeyFile, sign, verify
from liaison.services.record import new_salt

parties = st.from_regex(r"[a-z][a-z0-9-]{0,7}", fullmatch=True)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
times = st.datetimes(
    min_value=datetime(1943, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@st.composite
def contents(draw: st.DrawFn) -> Content:
    party = draw(st.one_of(st.none(), parties))
    release = draw(st.one_of(st.just([ALL_PARTIES]), st.lists(parties, unique=True, max_size=4)))
    return Content(
        kind=draw(st.sampled_from(["note", "member.key", "message.send", "x.y.z"])),
        body=draw(st.dictionaries(st.text(max_size=12), json_values, max_size=5)),
        author=draw(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)),
        party=party,
        time=draw(times),
        release=tuple(sorted(set(release) | ({party} if party else set()))),
        supersedes=draw(st.one_of(st.none(), st.binary(min_size=32, max_size=32).map(bytes.hex))),
        salt=new_salt(),
    )


KEYS = [KeyFile.new(f"k{i}", None) for i in range(3)]


@settings(max_examples=300)
@given(content=contents(), signer=st.sampled_from(KEYS), flip=st.integers(min_value=0))
def test_sign_then_verify_round_trip(content: Content, signer: KeyFile, flip: int) -> None:
    raw = content.canonical()
    signature = sign(signer.signing_key, raw)
    assert verify(signer.public_key, raw, signature)
    # The bytes are the entry: parsing them gives back the same content and id.
    again = Content.from_bytes(raw)
    assert again == content
    assert again.canonical() == raw
    assert content.id == hashlib.sha256(raw).hexdigest()
    # Any other key, any changed byte of message or signature: refused.
    for other in KEYS:
        if other is not signer:
            assert not verify(other.public_key, raw, signature)
    changed = bytearray(raw)
    changed[flip % len(raw)] ^= 1 << (flip % 8)
    assert not verify(signer.public_key, bytes(changed), signature)
    bad_sig = bytearray(signature)
    bad_sig[flip % 64] ^= 1 << (flip % 8)
    assert not verify(signer.public_key, raw, bytes(bad_sig))
    assert not verify(signer.public_key, raw, signature[:-1])
    assert not verify(signer.public_key[:-1], raw, signature)


@given(content=contents())
def test_the_kind_and_format_version_are_inside_the_signed_bytes(content: Content) -> None:
    raw = content.canonical()
    assert b'"kind":' + canonical_bytes(content.kind) in raw
    assert b'"v":1' in raw
    other_kind = Content(**{**content.__dict__, "kind": content.kind + ".other"})
    assert other_kind.canonical() != raw
    assert other_kind.id != content.id


@given(content=contents())
def test_two_entries_with_the_same_fields_have_different_ids(content: Content) -> None:
    """The salt makes the id a commitment: guessing the body does not reveal the id."""
    twin = Content(**{**content.__dict__, "salt": new_salt()})
    assert twin.id != content.id


@given(
    seq=st.integers(min_value=1, max_value=2**40),
    entry=st.binary(min_size=32, max_size=32).map(bytes.hex),
    at=times,
)
def test_stamps_are_canonical_leaf_data(seq: int, entry: str, at: datetime) -> None:
    stamp = Stamp(seq, entry, at)
    data = stamp.leaf_data()
    assert data == canonical_bytes(stamp.to_json())
    assert stamp.index == seq - 1
    assert Stamp(seq + 1, entry, at).leaf_data() != data
