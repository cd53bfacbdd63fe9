"""Signed checkpoints interoperate with the Go note package and refuse what they must.

The fixed vectors are those of golang.org/x/mod/sumdb/note (note_test.go):
the PeterNeumann and EnochRoot keys and their signatures of the same text.
Ed25519 is deterministic, so signing that text with PeterNeumann's key must
reproduce the published note byte for byte.
"""

from __future__ import annotations

import base64
import hashlib

import nacl.signing
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison.ledger.checkpoint import (
    MAX_SIGNATURES,
    Checkpoint,
    CheckpointError,
    add_signature,
    key_id,
    open_checkpoint,
    open_note,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verifier_key,
)

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)
PETER_NOTE = TEXT + "\n" + PETER_SIG


def peter_signing_key() -> nacl.signing.SigningKey:
    """The Go test's private key: PRIVATE+KEY+<name>+<id>+base64(0x01 || seed)."""
    raw = base64.b64decode(PETER_SKEY.split("+", 4)[4])  # the key material may contain "+"
    assert raw[0] == 0x01
    return nacl.signing.SigningKey(raw[1:])


def new_key(seed: int) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(hashlib.sha256(b"test key %d" % seed).digest())


ROOT = hashlib.sha256(b"root").digest()
NODE_KEY = new_key(1)
ORIGIN = "liaison.example/record"
NODE_VKEY = verifier_key(ORIGIN, NODE_KEY.verify_key)


def reason(exc: pytest.ExceptionInfo[CheckpointError]) -> str:
    return exc.value.reason


# --------------------------------------------------------------------------------------
# The Go note package's published vectors


def test_the_go_peter_neumann_note_verifies() -> None:
    opened = open_note(PETER_NOTE, [PETER_VKEY])
    assert opened.text == TEXT
    assert [str(k) for k in opened.verified] == [PETER_VKEY]
    assert opened.unverified == ()


def test_signing_the_go_text_with_the_go_key_reproduces_the_published_note() -> None:
    key = peter_signing_key()
    assert verifier_key("PeterNeumann", key.verify_key) == PETER_VKEY
    assert sign_note(TEXT, "PeterNeumann", key) == PETER_NOTE


def test_the_go_key_id_is_derived_from_name_and_key() -> None:
    parsed = parse_verifier_key(PETER_VKEY)
    assert parsed.name == "PeterNeumann"
    assert parsed.key_id.hex() == "c74f20a3"
    assert key_id("PeterNeumann", parsed.public_key) == parsed.key_id
    assert str(parsed) == PETER_VKEY


def test_a_note_signed_by_two_keys_opens_with_either_and_keeps_the_other_unverified() -> None:
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    only_peter = open_note(note, [PETER_VKEY])
    assert [k.name for k in only_peter.verified] == ["PeterNeumann"]
    assert [s.name for s in only_peter.unverified] == ["EnochRoot"]
    only_enoch = open_note(note, [ENOCH_VKEY])
    assert [k.name for k in only_enoch.verified] == ["EnochRoot"]
    both = open_note(note, [PETER_VKEY, ENOCH_VKEY])
    assert [k.name for k in both.verified] == ["PeterNeumann", "EnochRoot"]
    assert both.unverified == ()


def test_a_note_with_no_known_signature_is_refused_as_unknown_key() -> None:
    with pytest.raises(CheckpointError, match="no signature by a known key") as exc:
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [NODE_VKEY])
    assert reason(exc) == "unknown-key"
    with pytest.raises(CheckpointError) as exc:
        open_note(PETER_NOTE, [])
    assert reason(exc) == "unknown-key"


def test_a_known_name_with_another_key_id_is_an_unknown_key() -> None:
    other = verifier_key("PeterNeumann", new_key(2).verify_key)
    with pytest.raises(CheckpointError) as exc:
        open_note(PETER_NOTE, [other])
    assert reason(exc) == "unknown-key"


def test_an_altered_text_or_signature_is_a_bad_signature() -> None:
    with pytest.raises(CheckpointError, match="PeterNeumann\\+c74f20a3 does not verify") as exc:
        open_note(PETER_NOTE.replace("cryptography", "cryptographY"), [PETER_VKEY])
    assert reason(exc) == "bad-signature"
    spliced = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(CheckpointError) as exc:
        open_note(spliced, [PETER_VKEY])
    assert reason(exc) == "bad-signature"


def test_a_bad_signature_by_a_known_key_is_refused_even_beside_a_good_one() -> None:
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(CheckpointError) as exc:
        open_note(TEXT + "\n" + PETER_SIG + bad, [PETER_VKEY])
    assert reason(exc) == "bad-signature"


def test_a_bad_signature_by_an_unknown_key_is_ignored() -> None:
    bad_enoch = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    opened = open_note(TEXT + "\n" + PETER_SIG + bad_enoch, [PETER_VKEY])
    assert [k.name for k in opened.verified] == ["PeterNeumann"]
    assert len(opened.unverified) == 1


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + "\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
        "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + "\u2014 PeterNeumann\n",
        TEXT + "\n" + "\u2014 PeterNeumann not*base64\n",
        TEXT + "\n" + "\u2014 PeterNeumann AAAA\n",
        TEXT + "\n" + "- PeterNeumann " + PETER_SIG.split(" ")[2],
        TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1),
        "\ud800" + TEXT + "\n" + PETER_SIG,
    ],
)
def test_malformed_notes_are_refused_as_malformed(note: str) -> None:
    with pytest.raises(CheckpointError) as exc:
        open_note(note, [PETER_VKEY])
    assert reason(exc) == "malformed-note"


def test_notes_as_bytes_must_be_utf8() -> None:
    assert open_note(PETER_NOTE.encode(), [PETER_VKEY]).text == TEXT
    with pytest.raises(CheckpointError) as exc:
        open_note(b"\xff" + PETER_NOTE.encode(), [PETER_VKEY])
    assert reason(exc) == "malformed-note"


def test_every_mangling_of_the_go_verifier_key_is_refused() -> None:
    """As the Go test does: every proper substring and every one-byte change fails."""
    assert parse_verifier_key(PETER_VKEY)
    b = PETER_VKEY
    for i in range(len(b) + 1):
        for j in range(i + 1, len(b) + 1):
            if (i, j) != (0, len(b)):
                with pytest.raises(CheckpointError):
                    parse_verifier_key(b[i:j])
    for i in range(len(b)):
        mangled = b[:i] + chr(ord(b[i]) + 1) + b[i + 1 :]
        with pytest.raises(CheckpointError):
            parse_verifier_key(mangled)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        # Wrong key length, with the key id adjusted to match (from the Go test).
        (
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            "not base64|32 bytes",
        ),
        # Unknown algorithm, with the key id adjusted to match (from the Go test).
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "algorithm"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
        ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hexadecimal"),
    ],
)
def test_malformed_verifier_keys_say_what_is_wrong(key: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message) as exc:
        parse_verifier_key(key)
    assert reason(exc) == "malformed-key"


def test_a_verifier_key_on_a_small_order_point_is_refused() -> None:
    identity = bytes([1]) + bytes(31)
    key = f"weak+{key_id('weak', identity).hex()}+" + base64.b64encode(b"\x01" + identity).decode()
    with pytest.raises(CheckpointError, match="usable Ed25519 point"):
        parse_verifier_key(key)


def test_two_different_known_keys_with_the_same_name_and_id_are_refused() -> None:
    real = parse_verifier_key(PETER_VKEY)
    impostor = type(real)(real.name, real.key_id, bytes(new_key(3).verify_key))
    with pytest.raises(CheckpointError, match="share the name and id") as exc:
        open_note(PETER_NOTE, [real, impostor])
    assert reason(exc) == "malformed-key"
    assert open_note(PETER_NOTE, [real, PETER_VKEY]).text == TEXT


# --------------------------------------------------------------------------------------
# Checkpoint bodies


def test_the_c2sp_example_body_parses_and_renders_back() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    cp = Checkpoint.from_body(body)
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert len(cp.root_hash) == 32
    assert cp.extensions == ()
    assert cp.body() == body


def test_the_body_is_origin_size_and_base64_root_then_extensions() -> None:
    cp = Checkpoint(ORIGIN, 42, ROOT, ("ext one", "ext two"))
    assert cp.body() == (f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}\next one\next two\n")
    assert Checkpoint.from_body(cp.body()) == cp


GOOD_ROOT_LINE = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f"{ORIGIN}\n42\n{GOOD_ROOT_LINE}", "ends with a newline"),
        (f"{ORIGIN}\n42\n", "at least three lines"),
        (f"{ORIGIN}\n\n42\n{GOOD_ROOT_LINE}\n", "no empty lines"),
        (f"{ORIGIN}\n42\n{GOOD_ROOT_LINE}\n\nx\n", "no empty lines"),
        (f"{ORIGIN}\n042\n{GOOD_ROOT_LINE}\n", "leading zeros"),
        (f"{ORIGIN}\n-1\n{GOOD_ROOT_LINE}\n", "decimal"),
        (f"{ORIGIN}\n+1\n{GOOD_ROOT_LINE}\n", "decimal"),
        (f"{ORIGIN}\n 1\n{GOOD_ROOT_LINE}\n", "decimal"),
        (f"{ORIGIN}\n0x2a\n{GOOD_ROOT_LINE}\n", "decimal"),
        (f"{ORIGIN}\n\u0664\u0662\n{GOOD_ROOT_LINE}\n", "decimal"),
        (f"{ORIGIN}\n{2**64}\n{GOOD_ROOT_LINE}\n", "uint64"),
        (f"{ORIGIN}\n42\nnot base64!\n", "not base64"),
        (f"{ORIGIN}\n42\n{GOOD_ROOT_LINE.rstrip('=')}\n", "not base64"),
        (f"{ORIGIN}\n42\n{GOOD_ROOT_LINE[:-2]}B=\n", "not base64"),
        (f"{ORIGIN}\n42\n{base64.b64encode(ROOT[:31]).decode()}\n", "31 bytes, not 32"),
        (f"{ORIGIN}\n42\n{base64.b64encode(ROOT + b'x').decode()}\n", "33 bytes, not 32"),
    ],
)
def test_malformed_bodies_say_what_is_wrong(body: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message) as exc:
        Checkpoint.from_body(body)
    assert reason(exc) == "malformed-checkpoint"


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions"),
    [
        ("", 1, ROOT, ()),
        ("two\nlines", 1, ROOT, ()),
        ("tab\there", 1, ROOT, ()),
        (ORIGIN, -1, ROOT, ()),
        (ORIGIN, 2**64, ROOT, ()),
        (ORIGIN, True, ROOT, ()),
        (ORIGIN, 1, ROOT[:31], ()),
        (ORIGIN, 1, ROOT, ("",)),
        (ORIGIN, 1, ROOT, ("a\nb",)),
    ],
)
def test_checkpoints_that_could_not_be_written_faithfully_are_refused(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...]
) -> None:
    with pytest.raises(CheckpointError) as exc:
        Checkpoint(origin, size, root, extensions)
    assert reason(exc) == "malformed-checkpoint"


# --------------------------------------------------------------------------------------
# Signed checkpoints


def test_a_signed_checkpoint_opens_to_the_same_checkpoint() -> None:
    cp = Checkpoint(ORIGIN, 7, ROOT)
    note = sign_checkpoint(cp, ORIGIN, NODE_KEY)
    assert note.startswith(cp.body() + "\n\u2014 " + ORIGIN + " ")
    assert open_checkpoint(note, NODE_VKEY) == cp
    assert open_checkpoint(note, parse_verifier_key(NODE_VKEY), origin=ORIGIN) == cp


@given(
    origin=st.text(alphabet=st.characters(min_codepoint=0x20, codec="utf-8"), min_size=1).filter(
        lambda s: "\n" not in s
    ),
    size=st.integers(min_value=0, max_value=2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(
        st.text(alphabet=st.characters(min_codepoint=0x20, codec="utf-8"), min_size=1),
        max_size=3,
    ),
)
def test_any_checkpoint_round_trips_through_a_signed_note(
    origin: str, size: int, root: bytes, extensions: list[str]
) -> None:
    cp = Checkpoint(origin, size, root, tuple(extensions))
    note = sign_checkpoint(cp, "node", NODE_KEY)
    assert open_checkpoint(note, verifier_key("node", NODE_KEY.verify_key)) == cp
    assert open_checkpoint(note.encode("utf-8"), verifier_key("node", NODE_KEY.verify_key)) == cp


@given(st.data())
def test_changing_any_character_of_a_signed_checkpoint_is_detected(data: st.DataObject) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 1234, ROOT), ORIGIN, NODE_KEY)
    i = data.draw(st.integers(0, len(note) - 1))
    replacement = data.draw(st.sampled_from("0123456789abcXYZ+/=\n \u2014"))
    tampered = note[:i] + replacement + note[i + 1 :]
    if tampered == note:
        return
    with pytest.raises(CheckpointError):
        open_checkpoint(tampered, NODE_VKEY)


def test_a_checkpoint_from_another_log_is_refused_when_the_origin_is_given() -> None:
    note = sign_checkpoint(Checkpoint("other.example/log", 3, ROOT), ORIGIN, NODE_KEY)
    assert open_checkpoint(note, NODE_VKEY).origin == "other.example/log"
    with pytest.raises(CheckpointError, match=r"not 'liaison\.example/record'") as exc:
        open_checkpoint(note, NODE_VKEY, origin=ORIGIN)
    assert reason(exc) == "wrong-origin"


def test_a_signed_note_that_is_not_a_checkpoint_is_a_malformed_checkpoint() -> None:
    with pytest.raises(CheckpointError, match="at least three lines") as exc:
        open_checkpoint(PETER_NOTE, PETER_VKEY)
    assert reason(exc) == "malformed-checkpoint"


def test_a_checkpoint_signed_by_another_key_is_an_unknown_key() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, ROOT), ORIGIN, new_key(9))
    with pytest.raises(CheckpointError) as exc:
        open_checkpoint(note, NODE_VKEY)
    assert reason(exc) == "unknown-key"


def test_parties_countersign_and_each_can_open_with_their_own_key() -> None:
    cp = Checkpoint(ORIGIN, 99, ROOT)
    deane, harriman = new_key(10), new_key(11)
    note = sign_checkpoint(cp, ORIGIN, NODE_KEY)
    note = add_signature(note, "deane", deane)
    note = add_signature(note, "harriman", harriman)
    assert open_checkpoint(note, NODE_VKEY) == cp
    deane_vkey = verifier_key("deane", deane.verify_key)
    assert open_checkpoint(note, deane_vkey) == cp
    opened = open_note(note, [NODE_VKEY, deane_vkey, verifier_key("harriman", harriman.verify_key)])
    assert [k.name for k in opened.verified] == [ORIGIN, "deane", "harriman"]
    # Countersigning again replaces the earlier line instead of adding one.
    assert add_signature(note, "deane", deane).count("\u2014 deane ") == 1


def test_signing_refuses_key_names_and_texts_that_would_not_open_back() -> None:
    for bad_name in ("", "two words", "a+b", "tab\tname"):
        with pytest.raises(CheckpointError) as exc:
            sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), bad_name, NODE_KEY)
        assert reason(exc) == "malformed-key"
        with pytest.raises(CheckpointError):
            verifier_key(bad_name, NODE_KEY.verify_key)
    for bad_text in ("no newline", "blank last line\n\n", "ctrl\x07\n"):
        with pytest.raises(CheckpointError) as exc:
            sign_note(bad_text, "node", NODE_KEY)
        assert reason(exc) == "malformed-note"


def test_verifier_key_accepts_raw_public_key_bytes() -> None:
    assert verifier_key(ORIGIN, bytes(NODE_KEY.verify_key)) == NODE_VKEY
    with pytest.raises(CheckpointError, match="32 bytes"):
        verifier_key(ORIGIN, b"short")
