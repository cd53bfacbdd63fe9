"""The operational picture through a :class:`liaison.client.Client`.

Why a companion rather than more methods on ``Client``: the picture is one capability among
several, and keeping its calls together keeps the base client small. ``PictureClient(client)``
uses the client's connection, token and key file; results are the wire documents (plain JSON,
degrees and metres, ISO 8601), errors the :mod:`liaison.errors` classes the server named.

Signing an arrangement happens here, on the member's side: the client fetches the arrangement
entry, rebuilds its RFC 8785 content bytes and signs them with the member's own key file; the
server only checks the signature against the member's key on the record.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from liaison.client import Client, Entry
from liaison.domain.time import format_time
from liaison.errors import InvalidInput
from liaison.ledger.canonical import canonical_bytes
from liaison.picture.model import arrangement_signature

__all__ = ["PictureClient"]

_PREFIX = "/v1/picture"


def _time(value: datetime | str | None) -> str | None:
    return format_time(value) if isinstance(value, datetime) else value


def _window(
    start: datetime | str | None, end: datetime | str | None, at: datetime | str | None
) -> dict[str, Any]:
    return {"start": _time(start), "end": _time(end), "at": _time(at)}


def _content_bytes(entry: Entry) -> bytes:
    """The entry's signed content bytes (RFC 8785), rebuilt from the fields the API shows."""
    fields = ("v", "kind", "body", "author", "party", "time", "release", "supersedes", "salt")
    data = cast(Mapping[str, Any], entry)
    return canonical_bytes({name: data[name] for name in fields})


def _given(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class PictureClient:
    """Operations, units, measures and conflicts on one node, as the client's member."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.client._request(method, _PREFIX + path, **kwargs)

    # --- the time-window query ----------------------------------------------------------

    def picture(
        self,
        *,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        at: datetime | str | None = None,
    ) -> dict[str, Any]:
        """Operations, units and measures current during ``[start, end)`` or at ``at``."""
        return cast(dict[str, Any], self._call("GET", "", params=_window(start, end, at)))

    # --- operations ---------------------------------------------------------------------

    def operations(
        self,
        *,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        at: datetime | str | None = None,
        ended: bool = False,
    ) -> builtins.list[dict[str, Any]]:
        params = {**_window(start, end, at), "ended": ended or None}
        found = self._call("GET", "/operations", params=params)
        return cast(builtins.list[dict[str, Any]], found["operations"])

    def operation(self, operation: str) -> dict[str, Any]:
        """One operation, by any version's entry id or the member's party's own ref."""
        return cast(dict[str, Any], self._call("GET", f"/operations/{operation}"))

    def create_operation(
        self,
        ref: str,
        kind: str,
        volumes: Sequence[Mapping[str, Any]],
        *,
        name: str = "",
        state: str = "planned",
        note: str | None = None,
        release: Sequence[str] | None = None,
    ) -> Entry:
        """Put an operation on the record; each volume is ``{footprint, altitude?, start, end}``."""
        body = _given(
            ref=ref,
            kind=kind,
            name=name,
            state=state,
            volumes=[dict(v) for v in volumes],
            note=note,
            release=None if release is None else list(release),
        )
        return cast(Entry, self._call("POST", "/operations", body=body))

    def amend_operation(self, operation: str, **changes: Any) -> Entry:
        """A new version: any of kind, name, state, volumes, note, release."""
        return cast(Entry, self._call("POST", f"/operations/{operation}/amend", body=changes))

    def cancel_operation(self, operation: str) -> Entry:
        return cast(Entry, self._call("POST", f"/operations/{operation}/cancel"))

    # --- units --------------------------------------------------------------------------

    def units(
        self,
        *,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        at: datetime | str | None = None,
    ) -> builtins.list[dict[str, Any]]:
        found = self._call("GET", "/units", params=_window(start, end, at))
        return cast(builtins.list[dict[str, Any]], found["units"])

    def report_unit(
        self,
        unit: str,
        position: Mapping[str, Any],
        time: datetime | str,
        stale_time: datetime | str,
        symbol_code: str,
        *,
        name: str = "",
        heading_deg: float | None = None,
        speed_mps: float | None = None,
        release: Sequence[str] | None = None,
    ) -> Entry:
        """Report a unit's position (a GeoJSON Point), current until ``stale_time``."""
        body = _given(
            unit=unit,
            name=name,
            position=dict(position),
            time=_time(time),
            stale_time=_time(stale_time),
            symbol_code=symbol_code,
            heading_deg=heading_deg,
            speed_mps=speed_mps,
            release=None if release is None else list(release),
        )
        return cast(Entry, self._call("POST", "/units", body=body))

    # --- control measures ---------------------------------------------------------------

    def measures(
        self,
        *,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        at: datetime | str | None = None,
        ended: bool = False,
    ) -> builtins.list[dict[str, Any]]:
        params = {**_window(start, end, at), "ended": ended or None}
        found = self._call("GET", "/measures", params=params)
        return cast(builtins.list[dict[str, Any]], found["measures"])

    def create_measure(
        self,
        ref: str,
        kind: str,
        geometry: Mapping[str, Any],
        valid_from: datetime | str,
        valid_until: datetime | str,
        binds: Sequence[str],
        **options: Any,
    ) -> Entry:
        """A line (``permitted_sides``, ``depth_m``) or an area (``altitude``, ``restricts``);
        also ``schedule``, ``agreement_ref``, ``name``, ``note``, ``release``."""
        body = _given(
            ref=ref,
            kind=kind,
            geometry=dict(geometry),
            valid_from=_time(valid_from),
            valid_until=_time(valid_until),
            binds=list(binds),
            **options,
        )
        return cast(Entry, self._call("POST", "/measures", body=body))

    def amend_measure(self, measure: str, **changes: Any) -> Entry:
        return cast(Entry, self._call("POST", f"/measures/{measure}/amend", body=changes))

    def withdraw_measure(self, measure: str) -> Entry:
        return cast(Entry, self._call("POST", f"/measures/{measure}/withdraw"))

    def consent(
        self,
        measure: str,
        *,
        operation: str | None = None,
        conflict: str | None = None,
        note: str | None = None,
    ) -> Entry:
        """Let one operation (by entry id, or by the conflict you were told of) enter an area."""
        body = _given(operation=operation, conflict=conflict, note=note)
        return cast(Entry, self._call("POST", f"/measures/{measure}/consents", body=body))

    # --- conflicts ----------------------------------------------------------------------

    def conflicts(
        self, *, status: str | None = None, limit: int = 100
    ) -> builtins.list[dict[str, Any]]:
        """Conflicts the member's party was notified of: open first, newest first."""
        found = self._call("GET", "/conflicts", params={"status": status, "limit": limit})
        return cast(builtins.list[dict[str, Any]], found["conflicts"])

    def conflict(self, conflict: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._call("GET", f"/conflicts/{conflict}"))

    def acknowledge(self, conflict: str, note: str | None = None) -> Entry:
        return cast(
            Entry, self._call("POST", f"/conflicts/{conflict}/acknowledge", body=_given(note=note))
        )

    def propose_arrangement(self, conflict: str, text: str) -> Entry:
        return cast(
            Entry, self._call("POST", f"/conflicts/{conflict}/arrangements", body={"text": text})
        )

    def sign_arrangement(self, arrangement: str) -> Entry:
        """Sign an arrangement with the member's key file, on this side, and record it."""
        key = self.client.key
        if key is None:
            raise InvalidInput("signing needs the member's key file (Client(..., key=...))")
        entry = self.client.get(arrangement)
        if entry["id"] != arrangement or entry["kind"] != "picture.arrangement":
            raise InvalidInput("that entry is not an arrangement")
        signed = arrangement_signature(key, _content_bytes(entry))
        if key.owner != self.client.me()["member"]:
            raise InvalidInput(f"the key file belongs to {key.owner}, not this client's member")
        return cast(
            Entry, self._call("POST", f"/arrangements/{arrangement}/signatures", body=signed)
        )

    def check(
        self, *, start: datetime | str | None = None, end: datetime | str | None = None
    ) -> builtins.list[dict[str, Any]]:
        """Detect conflicts now, during ``[start, end)`` (all time if neither is given)."""
        body = _given(start=_time(start), end=_time(end))
        return cast(
            builtins.list[dict[str, Any]], self._call("POST", "/check", body=body)["conflicts"]
        )

    # --- GeoJSON ------------------------------------------------------------------------

    def export_geojson(
        self,
        *,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        at: datetime | str | None = None,
    ) -> dict[str, Any]:
        """An RFC 7946 FeatureCollection of what the member's party may see."""
        return cast(dict[str, Any], self._call("GET", "/geojson", params=_window(start, end, at)))

    def import_geojson(
        self, collection: Mapping[str, Any], *, release: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Create or amend the party's items from a FeatureCollection; a report per item."""
        params = {"release": list(release)} if release is not None else None
        return cast(
            dict[str, Any],
            self._call("POST", "/geojson", body=dict(collection), params=params),
        )
