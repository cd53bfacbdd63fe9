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
