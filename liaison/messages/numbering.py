"""Message numbers: counted per audience within a channel, so that they reveal no count.

A channel is opened between several parties, but a sent message is released only to its
senders and addressees. Were messages numbered across the whole channel, a party on the channel
would see gaps in the numbers of the messages it is sent (one for every message between the
others), and a refusal of a number "already used" would tell it of a message it may not read.
Both are counts of entries not released to the reader, which invariant 2 forbids.

So a message is numbered in the sequence of its **audience**: the set of its senders and
addressees, which is exactly its release set. Every party that can read one message of an
audience can read every message of it, so the numbers any party sees in an audience are 1, 2, …
with no gap, and a number can clash only with a message the sender itself can read. A reply
between the same parties (su answering uk's message to su) has the same audience as the message
it answers, and continues its sequence.

The projection keeps the audience as its **key**: the SHA-256 (hex) of the sorted party ids
joined by commas (``"su,uk,us"``; party ids are slugs, so the text is unambiguous). A digest,
not the text itself, because the key is part of a unique index and the text has no useful
bound: a channel may have a hundred parties of up to 32 characters, and PostgreSQL refuses an
index row over about 2.7 kB. The senders and addressees stay readable in their own columns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

__all__ = ["audience", "audience_key"]


def audience(senders: Iterable[str], addressees: Iterable[str]) -> tuple[str, ...]:
    """The parties a message is numbered among (and released to): senders and addressees, sorted.

    >>> audience(["uk", "us"], ["su"])
    ('su', 'uk', 'us')
    """
    return tuple(sorted({*senders, *addressees}))


def audience_key(senders: Iterable[str], addressees: Iterable[str]) -> str:
    """The audience as the projection stores it: SHA-256 of ``"su,uk,us"``, 64 hex digits.

    >>> audience_key(["us"], ["uk", "su"]) == audience_key(["uk", "us"], ["su"])
    True
    >>> audience_key(["uk"], ["su"])[:12]
    '936f86de15bd'
    """
    text = ",".join(audience(senders, addressees))
    return hashlib.sha256(text.encode("ascii")).hexdigest()
