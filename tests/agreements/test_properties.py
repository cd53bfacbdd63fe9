"""Properties of binding status and of signatures, over records Hypothesis draws.

Binding status is a function of the record alone: the same agreement entries
give the same verdict whatever unrelated entries lie between them and in
whatever order the entries are handed over; and a signature covers one exact
version, so altering any byte of that version's canonical bytes invalidates
every signature on it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.agreements import binding_status, sign_version, version_bytes
from liaison.domain.entry import Content, Stamp, StoredEntry
from liaison.domain.kinds import KINDS
from liaison.domain.mandate import Mandate
from liaison.domain.member import Authority, MemberKey
from liaison.domain.roles import Role
from liaison.ledger.signing import KeyFile, b64d, key_id, verify
from liaison.services.record import new_salt
from tests.agreements.support import terms

T0 = datetime(1942, 5, 26, tzinfo=UTC)
MEMBERS = {
    # member: party, role, topics
    "eden": ("uk", Role.PLENIPOTENTIARY, ["*"]),
    "kerr": ("uk", Role.OFFICER, ["diplomacy"]),
    "molotov": ("su", Role.PLENIPOTENTIARY, ["*"]),
    "maisky": ("su", Role.PLENIPOTENTIARY, ["coordination"]),
}
KEYS = {m: KeyFile.new(m, party) for m, (party, _, _) in MEMBERS.items()}
AUTHORITY = {
    m: Authority(
        member=m,
        party=party,
        name=m.title(),
        role=role,
        mandate=Mandate.from_json({"topics": topics}),
        revoked=False,
        revoked_reason=None,
        keys=(MemberKey(key_id(KEYS[m].public_key), KEYS[m].public_key, 1, T0),),
        as_of_seq=1,
    )
    for m, (party, role, topics) in MEMBERS.items()
}


def content(kind: str, author: str, body: dict[str, Any], **extra: Any) -> Content:
    return Content(
        kind=kind,
        body=body,
        author=author,
        party=MEMBERS[author][0],
        time=T0,
        release=extra.get("release", ("su", "uk")),
        supersedes=extra.get("supersedes"),
        salt=new_salt(),
    )


def stored(c: Content, seq: int) -> StoredEntry:
    return StoredEntry(
        Stamp(seq, c.id, T0 + timedelta(minutes=seq)), c, c.canonical(), bytes(64), None, None
    )


def agreement_contents(signers: list[tuple[str, bool]]) -> tuple[str, list[Content]]:
    """A draft, its revision, and signatures: (member, signs the revision?)."""
    body = KINDS.get("agreement.proposal").validate(terms("Treaty", ["uk", "su"], "diplomacy"))
    first = content("agreement.proposal", "eden", body, release=("uk",))
    second = content(
        "agreement.proposal",
        "eden",
        {**body, "text": "Revised."},
        release=("uk",),
        supersedes=first.id,
    )
    contents = [first, second]
    for member, on_revision in signers:
        version = second if on_revision else first
        sig = sign_version(KEYS[member], first.id, version.id, version.body)
        contents.append(content("agreement.signature", member, sig))
    return first.id, contents


def unrelated(n: int) -> list[Content]:
    return [content("note", "kerr", {"text": f"note {i}", "topic": None}) for i in range(n)]


def interleave(
    related: list[Content], others: list[Content], slots: list[int]
) -> list[StoredEntry]:
    """Place each unrelated entry before the related entry its slot names (order kept)."""
    order: list[Content] = []
    pending = sorted(zip(slots, range(len(others)), strict=True))
    for index, c in enumerate([*related, None]):
        while pending and pending[0][0] <= index:
            order.append(others[pending.pop(0)[1]])
        if c is not None:
            order.append(c)
    return [stored(c, seq) for seq, c in enumerate(order, start=1)]


def verdict(root: str, entries: list[StoredEntry]) -> tuple[Any, ...]:
    status = binding_status(root, entries, lambda member, _seq: AUTHORITY.get(member))
    return (
        status.binding,
        status.version,
        status.missing,
        sorted((s.ref.entry, s.signer, s.reasons) for s in status.signatures),
    )


signers = st.lists(st.tuples(st.sampled_from(sorted(MEMBERS)), st.booleans()), max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    signed=signers,
    n=st.integers(min_value=0, max_value=8),
    data=st.data(),
)
def test_reordering_unrelated_entries_changes_nothing(
    signed: list[tuple[str, bool]], n: int, data: st.DataObject
) -> None:
    root, related = agreement_contents(signed)
    others = unrelated(n)
    slot = st.integers(min_value=0, max_value=len(related))
    first = interleave(related, others, data.draw(st.lists(slot, min_size=n, max_size=n)))
    second = interleave(related, others, data.draw(st.lists(slot, min_size=n, max_size=n)))
    assert verdict(root, first) == verdict(root, second)
    # and the order in which the entries are handed over does not matter either
    shuffled = data.draw(st.permutations(first))
    assert verdict(root, shuffled) == verdict(root, first)


@settings(max_examples=60, deadline=None)
@given(signed=signers)
def test_binding_status_follows_from_who_signed_what(signed: list[tuple[str, bool]]) -> None:
    root, related = agreement_contents(signed)
    binding, version, missing, _ = verdict(root, [stored(c, i) for i, c in enumerate(related, 1)])
    counting = {"eden": "uk", "molotov": "su"}
    on_first = {counting[m] for m, rev in signed if m in counting and not rev}
    on_second = {counting[m] for m, rev in signed if m in counting and rev}
    assert binding == (on_first == {"uk", "su"} or on_second == {"uk", "su"})
    if not binding:
        assert version == related[1].id
        assert missing == tuple(sorted({"uk", "su"} - on_second))


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=200),
    position=st.integers(min_value=0),
    flip=st.integers(min_value=1, max_value=255),
)
def test_altering_any_byte_of_the_signed_version_invalidates_every_signature(
    text: str, position: int, flip: int
) -> None:
    body = {**terms("Treaty", ["uk", "su"], "diplomacy"), "text": text}
    root = "a" * 64
    signatures = [sign_version(KEYS[m], root, "b" * 64, body) for m in ("eden", "molotov")]
    raw = version_bytes(root, "b" * 64, body)
    for sig, member in zip(signatures, ("eden", "molotov"), strict=True):
        assert verify(KEYS[member].public_key, raw, b64d(sig["signature"]))
    altered = bytearray(raw)
    altered[position % len(raw)] ^= flip
    for sig, member in zip(signatures, ("eden", "molotov"), strict=True):
        assert not verify(KEYS[member].public_key, bytes(altered), b64d(sig["signature"]))
