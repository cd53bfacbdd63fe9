"""Channel ids: ``<party>.<name>``, owned by the party that opened the channel.

An id names its opening party so that two parties can never want the same id. Were ids one
global namespace, opening a channel whose id another group of parties already uses would have
to be refused, and the refusal would tell the opener that a channel it may not see exists.
With the opener's party in the id, an id can only collide with a channel the opener's own
party opened, and the opener's party is on every channel it opens.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["MAX_CHANNEL_ID", "channel_party", "check_channel_id"]

#: the whole id, party and dot included
MAX_CHANNEL_ID: Final = 32
_CHANNEL_ID: Final = re.compile(r"[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*")


def check_channel_id(value: str) -> str:
    """``value`` if it is ``<party>.<name>`` (each a lowercase slug), else ValueError."""
    if (
        not isinstance(value, str)
        or len(value) > MAX_CHANNEL_ID
        or not _CHANNEL_ID.fullmatch(value)
    ):
        raise ValueError(
            f"channel id {value!r} must be the opening party's id, a dot and a name "
            f"(e.g. uk.moscow): lowercase letters, digits or '-', each part beginning with a "
            f"letter, {MAX_CHANNEL_ID} characters in all"
        )
    return value


def channel_party(channel: str) -> str:
    """The party that opened the channel ``channel`` (an id already checked)."""
    return channel.split(".", 1)[0]
