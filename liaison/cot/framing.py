"""Cutting a CoT XML byte stream into events, the way TAK clients and servers do.

A streaming CoT connection (TCP or TLS to a TAK server, see ``protocol.txt`` in
the interop samples) carries one ``<event>`` after another with nothing to say
where one ends except the text ``</event>``. Reads cut the stream anywhere, so
:class:`CotFramer` is incremental: :meth:`CotFramer.feed` takes whatever
arrived and returns the complete events (as bytes, each with its own XML
declaration if it had one); the rest waits for the next read.

A frame starts at ``<?xml`` (the declaration clients send before each event)
or, when there is none, at ``<event``, and ends just after ``</event>``
(``</event >`` with whitespace before the ``>`` too, as XML allows). Whitespace
between events, including the trailing newlines many clients send and a UTF-8
byte-order mark, is skipped silently.

Bad input never costs the events after it:

* **junk** between events (log prefixes, a mistyped ``telnet`` line) is skipped
  and reported once per run as ``junk_between_events``;
* an event **cut short** — the next ``<?xml``/``<event`` arrives before its
  ``</event>`` — is reported as ``truncated_event`` and framing resumes at the new
  start. This is a decision beyond the TAK rule "split on ``</event>``": with
  that rule alone, one truncated event swallows the good one after it. An
  ``<event`` or ``<?xml`` inside a real event would only be possible in a comment
  or CDATA section, which CoT clients do not write;
* an event **over the per-event limit** is reported as ``event_too_large`` and
  skipped up to its ``</event>`` (or the next start) without being buffered.

Errors that concern one event go to a list (:meth:`CotFramer.take_errors`);
the framer goes on. Two limits concern the whole connection and end it: more
bytes than ``max_connection_bytes`` (``feed`` raises ``connection_limit`` and
refuses the chunk) and more bad frames than ``max_errors`` (the frames of that
``feed`` are still returned, a ``too_many_errors`` error is reported and the
next ``feed`` raises it). A caller closes the connection on either.

Like TAK Server, the framer finds ``</event>`` textually, so a literal
``</event>`` in a comment or CDATA section ends the frame early; the parser
then reports that frame as malformed and the stream goes on.

Memory is bounded by ``max_event_bytes`` plus one read: nothing beyond the
current partial event is kept, and every search resumes where the previous one
stopped, so a slowly dribbled event costs linear time.
"""

from __future__ import annotations

import re
from typing import Final

from liaison.cot.errors import CotError

__all__ = [
    "DEFAULT_MAX_CONNECTION_BYTES",
    "DEFAULT_MAX_ERRORS",
    "DEFAULT_MAX_EVENT_BYTES",
    "CotFramer",
]

#: Largest single event accepted. The biggest real events (long routes, KML
#: styles, data-package announcements) are tens of kilobytes.
DEFAULT_MAX_EVENT_BYTES: Final = 1 << 20
#: Bytes one connection may send in its lifetime before it is cut off: at one
#: position report a second, about a fortnight. A server-to-server link should
#: pass a larger value or None.
DEFAULT_MAX_CONNECTION_BYTES: Final = 1 << 30
#: Bad frames (junk, truncated, oversize) one connection may send before it is cut off.
DEFAULT_MAX_ERRORS: Final = 1000

#: Whitespace in ``</event   >`` beyond this is not taken as an end tag; the cap
#: keeps every resumed search a bounded distance behind the end of the buffer.
_END_TAG_SPACE: Final = 64
_START: Final = re.compile(rb"<\?xml[\s?]|<event[\s>/]")
_SPACE: Final = re.compile(rb"[ \t\r\n]*")
#: An XML declaration longer than this is not one (the usual one is 55 bytes).
_MAX_DECLARATION: Final = 256
#: Whitespace allowed between the declaration and ``<event``.
_MAX_GAP: Final = 1024
_ROOT: Final = re.compile(rb"<event[\s>/]")
_END: Final = re.compile(rb"</event\s{0,%d}>" % _END_TAG_SPACE)
_LOOKBEHIND: Final = len(b"</event") + _END_TAG_SPACE
#: Longest prefix of a start token ("<event" before its next byte) that can end a read.
_START_LOOKBEHIND: Final = len(b"<event")
_BOM: Final = b"\xef\xbb\xbf"
_WHITESPACE: Final = b" \t\r\n"
_PREVIEW: Final = 32


class CotFramer:
    """Incremental CoT XML framing for one connection; see the module docstring."""

    def __init__(
        self,
        *,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        max_connection_bytes: int | None = DEFAULT_MAX_CONNECTION_BYTES,
        max_errors: int | None = DEFAULT_MAX_ERRORS,
    ) -> None:
        if max_event_bytes < 1:
            raise ValueError("max_event_bytes must be positive")
        self._max_event = max_event_bytes
        self._max_connection = max_connection_bytes
        self._max_errors = max_errors
        self._buf = bytearray()
        self._offset = 0  # stream offset of self._buf[0]
        self._received = 0
        self._in_frame = False  # self._buf starts with a frame's first byte
        self._root: int | None = None  # index of the frame's "<event" once seen
        self._scan = 0  # where the next search in self._buf resumes
        self._discarding = False  # skipping the rest of an oversize event
        self._junk_offset: int | None = None
        self._junk_bytes = 0
        self._junk_preview = b""
        self._errors: list[CotError] = []
        self._error_count = 0
        self._failure: CotError | None = None

    @property
    def closed(self) -> bool:
        """Whether the stream has ended or the connection should be dropped."""
        return self._failure is not None

    @property
    def bytes_received(self) -> int:
        """Bytes fed so far, for the per-connection limit and for logging."""
        return self._received

    @property
    def pending_bytes(self) -> int:
        """Bytes held while waiting for the rest of an event."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes read from the connection; return the events they completed, in order.

        Raises :class:`CotError` only for the connection as a whole: after
        :meth:`close` or a ``too_many_errors`` failure (``framer_closed`` /
        ``too_many_errors``), or when ``data`` would take the connection over
        ``max_connection_bytes`` (``connection_limit``; the chunk is not used).
        """
        if self._failure is not None:
            raise CotError(self._failure.code, self._failure.message)
        if self._max_connection is not None and self._received + len(data) > self._max_connection:
            self._failure = CotError(
                "connection_limit",
                f"the connection sent more than {self._max_connection} bytes",
                offset=self._received,
            )
            raise CotError(self._failure.code, self._failure.message, offset=self._received)
        self._received += len(data)
        self._buf += data
        frames: list[bytes] = []
        while self._failure is None and self._step(frames):
            pass
        return frames

    def take_errors(self) -> list[CotError]:
        """The errors reported since the last call (bad frames, junk), oldest first."""
        errors, self._errors = self._errors, []
        return errors

    def close(self) -> list[CotError]:
        """End of stream: report what was left unfinished and return all untaken errors."""
        if self._failure is None:
            if self._in_frame and self._buf.strip(_WHITESPACE):
                self._report(
                    CotError(
                        "truncated_event",
                        f"the stream ended inside an event ({len(self._buf)} bytes)",
                        offset=self._offset,
                    )
                )
            elif not self._in_frame and not self._discarding:
                self._note_junk(bytes(self._buf), self._offset)
            self._flush_junk()
            self._drop(len(self._buf))
            self._failure = CotError("framer_closed", "the stream has ended")
        return self.take_errors()

    # -- internals ---------------------------------------------------------

    def _step(self, frames: list[bytes]) -> bool:
        """Make one decision about the buffer; False when it needs more bytes."""
        if self._discarding:
            return self._discard()
        if not self._in_frame:
            return self._seek()
        return self._frame(frames)

    def _drop(self, count: int) -> None:
        del self._buf[:count]
        self._offset += count
        self._scan = max(0, self._scan - count)
        if self._root is not None:
            self._root -= count

    def _report(self, error: CotError) -> None:
        self._errors.append(error)
        self._error_count += 1
        if self._max_errors is not None and self._error_count > self._max_errors:
            self._failure = CotError(
                "too_many_errors",
                f"the connection sent more than {self._max_errors} bad frames",
                offset=self._offset,
            )
            self._errors.append(self._failure)

    def _note_junk(self, chunk: bytes, offset: int) -> None:
        if not chunk.replace(_BOM, b"").translate(None, _WHITESPACE):
            return
        if self._junk_offset is None:
            self._junk_offset = offset
        if len(self._junk_preview) < _PREVIEW:
            stripped = chunk.lstrip(_WHITESPACE) if not self._junk_preview else chunk
            self._junk_preview += stripped[: _PREVIEW - len(self._junk_preview)]
        self._junk_bytes += len(chunk)
        if self._junk_bytes >= self._max_event:
            self._flush_junk()

    def _flush_junk(self) -> None:
        if self._junk_offset is None:
            return
        self._report(
            CotError(
                "junk_between_events",
                f"{self._junk_bytes} bytes that are not a CoT event were skipped, "
                f"beginning {self._junk_preview!r}",
                offset=self._junk_offset,
            )
        )
        self._junk_offset = None
        self._junk_bytes = 0
        self._junk_preview = b""

    def _seek(self) -> bool:
        """Look for the next frame start, skipping (and noting) what comes before it."""
        found = _START.search(self._buf, self._scan)
        if found is None:
            keep = max(self._scan, len(self._buf) - _START_LOOKBEHIND)
            partial = self._buf.rfind(b"<", keep)
            cut = partial if partial != -1 else len(self._buf)
            self._note_junk(bytes(self._buf[:cut]), self._offset)
            self._drop(cut)
            self._scan = 0
            return False
        if found.start():
            self._note_junk(bytes(self._buf[: found.start()]), self._offset)
            self._drop(found.start())
        self._in_frame = True
        self._root = None
        if self._buf.startswith(b"<event"):
            self._flush_junk()  # junk is reported once an event is sure to follow it
            self._root = 0
        self._scan = 1
        return True

    def _resume_at(self, lower: int, lookbehind: int) -> int:
        return max(lower, len(self._buf) - lookbehind)

    def _end_frame(self, count: int) -> None:
        self._drop(count)
        self._in_frame = False
        self._root = None
        self._scan = 0

    def _truncated(self, count: int) -> None:
        self._flush_junk()
        self._report(
            CotError(
                "truncated_event",
                f"an event of {count} bytes ended before </event>; the next event began",
                offset=self._offset,
            )
        )
        self._end_frame(count)

    def _too_large(self) -> None:
        self._flush_junk()
        self._report(
            CotError(
                "event_too_large",
                f"an event is larger than the limit of {self._max_event} bytes; skipped",
                offset=self._offset,
            )
        )

    def _start_discarding(self) -> None:
        self._too_large()
        # Keep a tail in which an end tag may be arriving, but always move past
        # this frame's start so that it cannot be found again.
        past_start = 1 if self._root is None else self._root + 1
        self._end_frame(max(self._resume_at(0, _LOOKBEHIND), past_start))
        self._discarding = True

    def _root_after_declaration(self) -> int | None:
        """Where ``<event`` begins after the declaration the frame starts with.

        Only whitespace may separate them, as every client writes it; a
        declaration followed by anything else (prose quoting ``<?xml ... ?>``, a
        comment) is junk, and framing resumes at the next start, so the event
        after it is still found. None means: wait for more bytes, or (when
        ``self._in_frame`` was cleared) the declaration was skipped.
        """
        buf = self._buf
        close = buf.find(b">", 1, _MAX_DECLARATION)
        if close == -1:
            if len(buf) >= _MAX_DECLARATION:
                self._stray(1)
            elif len(buf) > self._max_event:
                self._start_discarding()
            return None
        inner = buf.find(b"<", 1, close)
        if inner != -1:
            self._stray(inner)
            return None
        if buf[close - 1] != ord("?"):
            self._stray(close + 1)
            return None
        space = _SPACE.match(buf, close + 1, close + 1 + _MAX_GAP + 1)
        after = close + 1 if space is None else space.end()
        candidate = bytes(buf[after : after + len(b"<event") + 1])
        if _ROOT.match(candidate):
            return after
        waiting = len(candidate) <= len(b"<event") and b"<event".startswith(candidate)
        if waiting and after - close - 1 <= _MAX_GAP:
            if len(buf) > self._max_event:  # all of it is this frame's beginning
                self._start_discarding()
            return None
        self._stray(close + 1)
        return None

    def _stray(self, count: int) -> None:
        """The frame's first ``count`` bytes turned out not to start an event: junk."""
        self._note_junk(bytes(self._buf[:count]), self._offset)
        self._end_frame(count)

    def _frame(self, frames: list[bytes]) -> bool:
        """Inside a frame: find its root, then its end or the start of the next one."""
        if self._root is None:
            root = self._root_after_declaration()
            if root is None:
                return not self._in_frame
            self._flush_junk()
            self._root = root
            self._scan = root + 1
            if self._failure is not None:
                return False
        end = _END.search(self._buf, self._scan)
        limit = end.start() if end is not None else len(self._buf)
        following = _START.search(self._buf, self._scan, limit)
        if following is not None:
            self._truncated(following.start())
            return True
        if end is not None:
            if end.end() > self._max_event:
                self._too_large()
            else:
                frames.append(bytes(self._buf[: end.end()]))
            self._end_frame(end.end())
            return True
        if len(self._buf) > self._max_event:
            self._start_discarding()
            return True
        self._scan = self._resume_at(self._root + 1, _LOOKBEHIND)
        return False

    def _discard(self) -> bool:
        """Skip the rest of an oversize event: up to its end or the next start."""
        end = _END.search(self._buf, self._scan)
        limit = end.start() if end is not None else len(self._buf)
        following = _START.search(self._buf, self._scan, limit)
        if following is not None:
            self._drop(following.start())
        elif end is not None:
            self._drop(end.end())
        else:
            keep = self._resume_at(0, _LOOKBEHIND)
            self._drop(keep)
            return False
        self._discarding = False
        self._scan = 0
        return True
