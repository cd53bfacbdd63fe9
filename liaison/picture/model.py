"""From picture entries to the detector's model, and from a conflict to what each party is told.

Why the detector sees *keys*, not the parties' own labels: two parties may both call an
operation ``op-1``, and a label may be a name the party has not released. An operation or a
measure is keyed by the id of its first version (a salted commitment, unique on the record); a
unit by ``party/unit``. The conflict id every party sees is an HMAC of the rule and these keys
under a secret derived from the node's key, so it is stable (the same conflict always gets the
same id, in every process and after every rebuild) yet tells nobody which of another party's
entries or units is involved.

A notice is composed per party from :class:`SubjectInfo` (what the node knows of each thing)
and says only: when, where (the region of the clash), the rule and severity, the party's own
things involved, and for each other party's thing either its details (when that version is
released to the party) or that it exists and its party has been notified.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from liaison.deconfliction.codec import encode_conflict
from liaison.deconfliction.model import (
    Conflict,
    ControlMeasure,
    Operation,
    OperationState,
    SubjectType,
    UnitPosition,
    Volume,
)
from liaison.domain.kinds import ValidBody
from liaison.domain.party import ALL_PARTIES
from liaison.geometry import (
    decode_altitude,
    decode_footprint,
    decode_instant,
    decode_shape,
    decode_window,
)
from liaison.geometry.canonical import encode_window
from liaison.geometry.earth import COORD_SCALE
from liaison.geometry.shapes import Position
from liaison.ledger.canonical import canonical_bytes
from liaison.ledger.signing import KeyFile, b64e, key_id, sign
from liaison.picture.bodies import MeasureBody, UnitBody

__all__ = [
    "SubjectInfo",
    "arrangement_signature",
    "clash_digest",
    "cleared_body",
    "conflict_secret",
    "measure_item",
    "notice_body",
    "operation_item",
    "record_conflict_id",
    "region_geojson",
    "unit_item",
    "unit_key",
    "view_hash",
]

E7 = 10_000_000

_RULE_TEXT = {
    "operations_overlap": "operations closer than their separation",
    "fires_near_unit": "fires within the danger distance of a unit",
    "fires_beyond_line": "fires beyond a line the party may not strike across",
    "restricted_area_entry": "an operation entering a restricted area without consent",
}


@dataclass(frozen=True)
class SubjectInfo:
    """What the node knows of one operation, unit or measure: its latest version."""

    type: SubjectType
    key: str
    party: str
    ref: str
    name: str
    kind: str
    entry: str
    seq: int
    release: tuple[str, ...]
    #: for an operation or measure: its state (planned ... cancelled; in_force, withdrawn)
    state: str = ""

    def released_to(self, party: str) -> bool:
        return party == self.party or party in self.release or ALL_PARTIES in self.release


def operation_item(body: Mapping[str, Any], key: str, party: str) -> Operation:
    """The detector's operation for a (validated) operation body."""
    volumes = tuple(
        Volume(
            decode_footprint(v["footprint"]),
            decode_window(v["window"]),
            decode_altitude(v["altitude"]),
        )
        for v in body["volumes"]
    )
    return Operation(key, party, str(body["kind"]), volumes, OperationState(body["state"]))


def unit_key(party: str, unit: str) -> str:
    """A unit's key: units are named by their party, so two parties' ``1-armd`` differ."""
    return f"{party}/{unit}"


def unit_item(body: Mapping[str, Any], party: str) -> UnitPosition:
    """The detector's unit report for a (validated) unit body.

    A body validated in this process by the unit kind (a :class:`ValidBody` of that spec: the
    entries the writer has just appended) was checked by building this same report
    (``UnitBody``), so it is decoded without checking it again; any other body (read back from
    the store) goes through every check.
    """
    if isinstance(body, ValidBody) and body.spec.body is UnitBody:
        lon_e7, lat_e7 = body["position"]["coordinates_e7"]
        heading = body.get("heading_mdeg")
        speed = body.get("speed_mmps")
        return UnitPosition.unchecked(
            unit_key(party, body["unit"]),
            party,
            Position(lon_e7 / COORD_SCALE, lat_e7 / COORD_SCALE),
            # The canonical instant text is ISO 8601; fromisoformat reads it in C, and the
            # property test holds it equal to decode_instant.
            datetime.fromisoformat(body["time"]),
            datetime.fromisoformat(body["stale_time"]),
            body["symbol_code"],
            None if heading is None else heading / 1000,
            None if speed is None else speed / 1000,
        )
    position = decode_shape(body["position"])
    assert isinstance(position, Position)
    heading = body.get("heading_mdeg")
    speed = body.get("speed_mmps")
    return UnitPosition(
        unit_key(party, str(body["unit"])),
        party,
        position,
        decode_instant(body["time"]),
        decode_instant(body["stale_time"]),
        str(body["symbol_code"]),
        None if heading is None else int(heading) / 1000,
        None if speed is None else int(speed) / 1000,
    )


def measure_item(body: Mapping[str, Any], key: str, party: str) -> ControlMeasure:
    """The detector's control measure for a (validated) measure body."""
    return MeasureBody.model_validate(dict(body)).to_measure(key, party)


def conflict_secret(node_seed: bytes) -> bytes:
    """The key of conflict ids, derived from the node's signing key (shared by its processes)."""
    return hashlib.sha256(b"liaison.picture.conflict-id/1\x00" + node_seed).digest()


def record_conflict_id(secret: bytes, conflict: Conflict) -> str:
    """The conflict's id on the record: the same for the same rule and the same things.

    Why not the detector's id: that one also hashes the clash windows, so an amendment that
    moves a clash in time would look like a new conflict; here an amendment updates the
    conflict (a new revision) and an amendment that removes the clash clears it.
    """
    message = canonical_bytes(
        {
            "rule": conflict.rule.value,
            "subjects": sorted([s.type.value, s.id] for s in conflict.subjects),
        }
    )
    return "cf-" + hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def clash_digest(body: Mapping[str, Any]) -> str:
    """A digest of the clash itself (rule, severity, windows, region): what a revision is."""
    core = {k: body[k] for k in ("rule", "severity", "windows", "region_e7")}
    return hashlib.sha256(canonical_bytes(core)).hexdigest()


def view_hash(body: Mapping[str, Any]) -> str:
    """A digest of a notice as its party reads it, revision aside.

    A unit's report entry is left out: a unit reporting from the same place every few seconds
    must not make a new notice each time; its notice names the report it was notified with.
    """

    def steady(items: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in item.items() if not (k == "entry" and item["type"] == "unit")}
            for item in items
        ]

    view = {k: v for k, v in body.items() if k not in ("revision", "text")}
    view["own"] = steady(body["own"])
    view["others"] = steady(body["others"])
    return hashlib.sha256(canonical_bytes(view)).hexdigest()


def _subject_party(conflict: Conflict, info: Mapping[str, SubjectInfo]) -> dict[str, str]:
    return {s.id: info[s.id].party for s in conflict.subjects}


def _label(type_: str, kind: str | None, name: str | None, ref: str | None) -> str:
    label = type_ if type_ == "unit" or not kind else f"{kind} {type_}"
    shown = f" '{name}'" if name else ""
    return f"{label}{shown} ({ref})"


def _describe(item: SubjectInfo) -> str:
    return _label(item.type.value, item.kind, item.name, item.ref)


def _text(
    body: Mapping[str, Any], own: Iterable[SubjectInfo], others: Iterable[Mapping[str, Any]]
) -> str:
    windows = body["windows"]
    when = f"from {windows[0]['start']} to {windows[-1]['end']}"
    head = (
        f"Conflict {body['conflict']} ({body['rule']}: {_RULE_TEXT.get(body['rule'], '')}), "
        f"{body['severity']}, {when}."
    )
    parts = [head]
    own_text = ", ".join(_describe(i) for i in own)
    if own_text:
        parts.append(f"Yours: {own_text}.")
    for other in others:
        if other["released"]:
            shown = _label(other["type"], other["kind"], other["name"], other["ref"])
            parts.append(f"With {shown} of party {other['party']}.")
        else:
            parts.append(
                f"A conflict exists with {'an' if other['type'] == 'operation' else 'a'} "
                f"{other['type']} of party {other['party']} not released to you; "
                f"{other['party']} has been notified."
            )
    return " ".join(parts)


def notice_body(
    conflict: Conflict,
    conflict_id: str,
    revision: int,
    party: str,
    info: Mapping[str, SubjectInfo],
) -> dict[str, Any]:
    """The open notice for ``party``, from what it may read."""
    encoded = encode_conflict(conflict)
    parties = _subject_party(conflict, info)
    own = [info[s.id] for s in conflict.subjects if parties[s.id] == party]
    others: list[dict[str, Any]] = []
    for subject in conflict.subjects:
        item = info[subject.id]
        if item.party == party:
            continue
        if item.released_to(party):
            others.append(
                {
                    "party": item.party,
                    "type": item.type.value,
                    "released": True,
                    "entry": item.entry,
                    "ref": item.ref,
                    "name": item.name,
                    "kind": item.kind,
                }
            )
        else:
            others.append(
                {
                    "party": item.party,
                    "type": item.type.value,
                    "released": False,
                    "entry": None,
                    "ref": None,
                    "name": None,
                    "kind": None,
                }
            )
    body: dict[str, Any] = {
        "conflict": conflict_id,
        "revision": revision,
        "party": party,
        "status": "open",
        "reason": None,
        "rule": conflict.rule.value,
        "severity": conflict.severity.value,
        "parties": sorted(conflict.parties),
        "windows": [encode_window(w) for w in conflict.windows],
        "region_e7": encoded["region_e7"],
        "own": [{"type": i.type.value, "key": i.key, "ref": i.ref, "entry": i.entry} for i in own],
        "others": others,
    }
    body["text"] = _text(body, own, others)
    return body


def cleared_body(previous: Mapping[str, Any], revision: int, reason: str) -> dict[str, Any]:
    """The notice that a conflict no longer exists, built from the party's last notice."""
    body = dict(previous)
    body.update(revision=revision, status="cleared", reason=reason)
    body["text"] = (
        f"Conflict {body['conflict']} ({body['rule']}) is cleared: {reason}. "
        f"It was {body['severity']}, from {body['windows'][0]['start']} "
        f"to {body['windows'][-1]['end']}."
    )
    return body


def region_geojson(region_e7: Mapping[str, Any]) -> dict[str, Any]:
    """A notice's float-free region as an RFC 7946 geometry (degrees)."""
    if region_e7["type"] == "GeometryCollection":
        return {
            "type": "GeometryCollection",
            "geometries": [region_geojson(g) for g in region_e7["geometries"]],
        }

    def degrees(value: Any) -> Any:
        if isinstance(value, list) and value and isinstance(value[0], int):
            return [x / E7 for x in value]
        return [degrees(v) for v in value]

    return {"type": region_e7["type"], "coordinates": degrees(region_e7["coordinates_e7"])}


def arrangement_signature(key: KeyFile, arrangement_raw: bytes) -> dict[str, str]:
    """Sign an arrangement on the member's side: their key over the entry's canonical bytes.

    ``arrangement_raw`` is the arrangement entry's ``StoredEntry.raw`` (or, from the API, the
    RFC 8785 bytes of its content fields); the private key never leaves the member.
    """
    return {
        "key_id": key_id(key.public_key),
        "signature": b64e(sign(key.signing_key, arrangement_raw)),
    }
