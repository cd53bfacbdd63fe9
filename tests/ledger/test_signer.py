"""The node's signer (libsodium directly, secret expanded once) signs as sign does."""

from __future__ import annotations

import nacl.signing
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.ledger.signing import generate_key, sign, signer, verify

KEYS = [generate_key() for _ in range(3)]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(KEYS), st.binary(max_size=2048))
def test_signer_signs_as_sign_does(key: nacl.signing.SigningKey, message: bytes) -> None:
    made = signer(key)(message)
    assert made == sign(key, message)
    assert verify(bytes(key.verify_key), message, made)


def test_the_node_signs_through_libsodium_holding_the_interpreter_lock() -> None:
    """PyNaCl's binding lets go of the lock for every signature, and taking it back waits for
    a busy thread's switch interval: the writer, signing each entry in turn, crawled (the
    figures are in docs/benchmarks.md). The node's signer calls the same libsodium with the
    lock held; where that cannot be had (a PyNaCl whose library does not export it), this
    test says so rather than let the slow path pass unnoticed."""
    made = signer(KEYS[0])
    assert made.__qualname__.startswith("_held_signer"), "the node signs through PyNaCl's binding"
    assert made(b"m") == sign(KEYS[0], b"m")
