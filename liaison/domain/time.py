"""Time is UTC everywhere; on the wire and in signed bytes it is ISO 8601 with
microseconds and a ``Z`` so that the text is canonical (one instant, one string)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_time", "parse_time", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 instant; a time without a zone is refused, not guessed."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"{text!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone; write it in UTC with a trailing Z")
    return moment.astimezone(UTC)
