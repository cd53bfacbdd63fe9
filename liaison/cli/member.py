"""Members on the record: appoint, change, revoke, rotate keys, issue tokens, and ask who held what.

Each of these writes an entry as the node (released to every party), so that
any party can later answer from the record alone who could act for whom, in
what role and on which topics, at any moment. The member's private key and
API token are handed over here once and never stored by the node: the key file
is written for the member to keep, and only a hash of the token is kept.
"""

from __future__ import annotations

import base64
import binascii
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from liaison.cli.connect import open_node
from liaison.cli.options import DEFAULT_DB, DEFAULT_NODE_KEY, DbOption, JsonOption, NodeKeyOption
from liaison.cli.output import (
    authority_json,
    authority_table,
    out,
    print_json,
    status_at,
    warn,
)
from liaison.domain.time import format_time, utcnow
from liaison.errors import InvalidInput

__all__ = ["RoleChoice", "member_app", "read_areas"]

member_app = typer.Typer(
    help="Appoint members, change or revoke their authority, rotate keys, issue tokens.",
    no_args_is_help=True,
)


class RoleChoice(StrEnum):
    """The roles, lowest first, as the command line offers them (kept equal to ``Role``)."""

    OBSERVER = "observer"
    OFFICER = "officer"
    COMMANDER = "commander"
    PLENIPOTENTIARY = "plenipotentiary"


MemberArg = Annotated[str, typer.Argument(metavar="ID", help="The member's id, e.g. eden.")]
TopicOption = Annotated[
    list[str] | None,
    typer.Option(
        "--topic",
        metavar="TOPIC",
        help="A topic the member may act on, e.g. coordination.air ('*' for all; repeat for "
        "several). With no topic the member may act on none.",
    ),
]
AreaOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--area",
        metavar="GEOJSON_FILE",
        exists=True,
        dir_okay=False,
        help="A GeoJSON file of polygons the member may act in (repeat for several files). "
        "With no area there is no area limit.",
    ),
]
KeyOutOption = Annotated[
    Path | None,
    typer.Option(
        "--key-out",
        metavar="PATH",
        help="Where to write the member's private key file (default ./ID.key; never overwritten).",
    ),
]


def read_areas(paths: list[Path]) -> list[dict[str, Any]]:
    """Every polygon in the given GeoJSON files, as GeoJSON Polygon geometries.

    Accepts a Polygon or MultiPolygon geometry, a Feature, a FeatureCollection
    or a GeometryCollection, because that is what map tools export; anything
    else is refused rather than silently dropped, since a mandate area that
    vanished would widen what the member may do.
    """
    polygons: list[dict[str, Any]] = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"cannot read the area file {path}: {exc}") from exc
        polygons.extend(_polygons(data, path))
    return polygons


def _polygons(data: Any, path: Path) -> list[dict[str, Any]]:
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "Polygon":
        return [{"type": "Polygon", "coordinates": data.get("coordinates")}]
    if kind == "MultiPolygon":
        return [{"type": "Polygon", "coordinates": c} for c in data.get("coordinates") or []]
    if kind == "Feature":
        return _polygons(data.get("geometry"), path)
    if kind == "FeatureCollection":
        return [p for feature in data.get("features") or [] for p in _polygons(feature, path)]
    if kind == "GeometryCollection":
        return [p for geometry in data.get("geometries") or [] for p in _polygons(geometry, path)]
    raise InvalidInput(
        f"{path}: a mandate area must be a GeoJSON Polygon or MultiPolygon, not {kind}"
    )


def _key_path(member: str, key_out: Path | None) -> Path:
    """Where the key file goes; checked *before* anything is written to the record."""
    path = key_out if key_out is not None else Path(f"{member}.key")
    if path.exists():
        raise InvalidInput(f"{path} already exists; not overwriting a key file (use --key-out)")
    if not path.parent.is_dir():
        raise InvalidInput(f"cannot write the key file: {path.parent} is not a folder")
    return path


def _show_token(member: str, token: str) -> None:
    out().print(f"API token for {escape(member)}:")
    print(token)
    warn("the token is shown only now; the node keeps only its hash. Hand it to the member.")


@member_app.command("add")
def member_add(
    member: MemberArg,
    party: Annotated[
        str, typer.Option("--party", metavar="PARTY", help="The party the member acts for.")
    ],
    name: Annotated[str, typer.Option("--name", metavar="NAME", help="The member's full name.")],
    role: Annotated[
        RoleChoice, typer.Option("--role", help="What the member may do for the party.")
    ],
    topic: TopicOption = None,
    area: AreaOption = None,
    expires: Annotated[
        str | None,
        typer.Option("--expires", metavar="ISO", help="When the mandate ends (ISO 8601, UTC)."),
    ] = None,
    key_out: KeyOutOption = None,
    json_output: JsonOption = False,
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """Appoint a member: writes their key file and prints their API token once."""
    path = _key_path(member, key_out)
    mandate = {"topics": topic or [], "areas": read_areas(area or []), "expires": expires}
    with open_node(db, node_key) as node:
        appointment = node.roster.appoint(member, party, name, role.value, mandate)
    appointment.key.write(path)
    entry = appointment.entry
    if json_output:
        print_json(
            {
                "member": member,
                "party": party,
                "entry": {"seq": entry.seq, "id": entry.id},
                "key_file": str(path),
                "public_key": entry.content.body["public_key"],
                "token": appointment.token,
            }
        )
        warn("the token is shown only now; the node keeps only its hash. Hand it to the member.")
        return
    console = out()
    console.print(
        f"Appointed [bold]{escape(member)}[/] ({escape(name)}) for {escape(party)} "
        f"as {role.value}, entry {entry.seq}"
    )
    console.print(
        f"Wrote the member's private key to [bold]{escape(str(path))}[/] (mode 0600); "
        f"the record holds only its public key {escape(entry.content.body['public_key'])}"
    )
    _show_token(member, appointment.token)


@member_app.command("change")
def member_change(
    member: MemberArg,
    role: Annotated[
        RoleChoice | None, typer.Option("--role", help="The new role (default: unchanged).")
    ] = None,
    topic: TopicOption = None,
    area: AreaOption = None,
    no_area: Annotated[
        bool, typer.Option("--no-area", help="Remove the area limit from the mandate.")
    ] = False,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires", metavar="ISO", help="The new end of the mandate (ISO 8601), or 'never'."
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """Change a member's role or mandate; what is not given stays as it is."""
    if area and no_area:
        raise InvalidInput("give --area or --no-area, not both")
    with open_node(db, node_key) as node:
        current = node.record.authority(member)
        mandate = current.mandate.to_json()
        if topic is not None:
            mandate["topics"] = topic
        if area:
            mandate["areas"] = read_areas(area)
        elif no_area:
            mandate["areas"] = []
        if expires is not None:
            mandate["expires"] = None if expires == "never" else expires
        new_role = role.value if role is not None else str(current.role)
        entry = node.roster.change(member, new_role, mandate)
        changed = node.record.authority(member)
    out().print(f"Changed {escape(member)} as entry {entry.seq}:")
    out().print(authority_table(changed, utcnow()))


@member_app.command("revoke")
def member_revoke(
    member: MemberArg,
    reason: Annotated[
        str,
        typer.Option(
            "--reason", metavar="TEXT", help="Why, for the record (every party reads it)."
        ),
    ],
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """Revoke a member's authority and every token they hold."""
    with open_node(db, node_key) as node:
        entry = node.roster.revoke(member, reason)
    out().print(f"Revoked {escape(member)} as entry {entry.seq}; their tokens no longer work.")


@member_app.command("rotate-key")
def member_rotate_key(
    member: MemberArg,
    key_out: KeyOutOption = None,
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            metavar="BASE64",
            help="Register a public key the member made themselves instead of generating one.",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """Give a member a new key; signatures made with the old key stay valid for what they signed."""
    raw: bytes | None = None
    path: Path | None = None
    if public_key is not None:
        if key_out is not None:
            raise InvalidInput("--key-out writes a generated key; with --public-key there is none")
        try:
            raw = base64.b64decode(public_key, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(f"--public-key is not base64: {exc}") from exc
    else:
        path = _key_path(member, key_out)
    with open_node(db, node_key) as node:
        entry, key = node.roster.rotate_key(member, raw)
    if key is not None and path is not None:
        key.write(path)
        out().print(f"Wrote the new private key to [bold]{escape(str(path))}[/] (mode 0600)")
    out().print(
        f"Registered the new public key {escape(entry.content.body['public_key'])} "
        f"for {escape(member)} as entry {entry.seq}"
    )


@member_app.command("token")
def member_token(
    member: MemberArg,
    json_output: JsonOption = False,
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """Issue a new API token for a member (printed once; earlier tokens keep working)."""
    with open_node(db, node_key) as node:
        token = node.roster.issue_token(member)
    if json_output:
        print_json({"member": member, "token": token})
        warn("the token is shown only now; the node keeps only its hash. Hand it to the member.")
        return
    _show_token(member, token)


@member_app.command("list")
def member_list(
    json_output: JsonOption = False,
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """List the members on the record with their current role, mandate and status."""
    from liaison.store import queries as q

    with open_node(db, node_key) as node:
        with node.store.read() as conn:
            ids = q.member_ids(conn)
        members = [node.record.authority(member) for member in ids]
    now = utcnow()
    if json_output:
        print_json([authority_json(a, now) for a in members])
        return
    table = Table(title="Members")
    for column in ("member", "party", "name", "role", "topics", "expires", "status", "key"):
        table.add_column(column, overflow="fold", no_wrap=column not in ("name", "topics"))
    for a in members:
        table.add_row(
            escape(a.member),
            escape(a.party),
            escape(a.name),
            str(a.role),
            escape(", ".join(sorted(a.mandate.topics)) or "none"),
            format_time(a.mandate.expires) if a.mandate.expires else "never",
            escape(status_at(a, now).split(":")[0]),
            a.current_key.key_id,
        )
    out().print(table)


@member_app.command("authority")
def member_authority(
    member: MemberArg,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", metavar="ISO", help="The moment to ask about (ISO 8601, UTC; default now)."
        ),
    ] = None,
    json_output: JsonOption = False,
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """A member's authority at any moment, past or present, as the record shows it."""
    from liaison.services.record import parse_time_param

    moment = parse_time_param(at) or utcnow()
    with open_node(db, node_key) as node:
        authority = node.record.authority(member, moment)
    if json_output:
        print_json(authority_json(authority, moment))
        return
    out().print(authority_table(authority, moment, title=f"{member} at {format_time(moment)}"))
