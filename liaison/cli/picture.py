"""``liaison picture``: operations, units, control measures and conflicts, against a server.

Every command goes through :class:`liaison.client_picture.PictureClient` with the member's
token, so the server applies the member's authority and release filter exactly as for any other
client; the CLI has no rules of its own. Geometry is GeoJSON (degrees, metres); give it inline
as JSON or as ``@FILE``. Times are ISO 8601 with a zone (``2044-07-12T16:30:00Z``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from liaison.cli.connect import open_client
from liaison.cli.options import (
    DEFAULT_KEY,
    DEFAULT_TOKEN,
    DEFAULT_URL,
    JsonOption,
    KeyOption,
    TokenOption,
    UrlOption,
)
from liaison.cli.output import out, print_json
from liaison.client_picture import PictureClient
from liaison.errors import InvalidInput

__all__ = ["picture_app"]

picture_app = typer.Typer(
    help="The operational picture: operations, units, control measures and their conflicts.",
    no_args_is_help=True,
)
operation_app = typer.Typer(help="Operations of the member's party.", no_args_is_help=True)
unit_app = typer.Typer(help="Unit position reports.", no_args_is_help=True)
measure_app = typer.Typer(help="Control measures: lines and areas.", no_args_is_help=True)
conflict_app = typer.Typer(help="Conflicts the party was notified of.", no_args_is_help=True)
picture_app.add_typer(operation_app, name="operation")
picture_app.add_typer(unit_app, name="unit")
picture_app.add_typer(measure_app, name="measure")
picture_app.add_typer(conflict_app, name="conflict")

AtOption = Annotated[
    str | None, typer.Option("--at", metavar="TIME", help="One instant (ISO 8601, with a zone).")
]
StartOption = Annotated[
    str | None, typer.Option("--start", metavar="TIME", help="Window start (give --end too).")
]
EndOption = Annotated[str | None, typer.Option("--end", metavar="TIME", help="Window end.")]
ReleaseOption = Annotated[
    list[str] | None,
    typer.Option("--release", metavar="PARTY", help="A party to release to (repeat for several)."),
]
NameOption = Annotated[str | None, typer.Option("--name", help="A name for people.")]
NoteOption = Annotated[str | None, typer.Option("--note", help="A note kept with it.")]
FootprintOption = Annotated[
    str | None,
    typer.Option(
        "--footprint",
        metavar="GEOJSON",
        help="A Polygon, MultiPolygon or Point with radius_m: JSON, or @FILE.",
    ),
]
VolumesOption = Annotated[
    Path | None,
    typer.Option(
        "--volumes-file",
        metavar="FILE",
        help="A JSON list of volumes {footprint, altitude, start, end} ('-' for stdin).",
    ),
]
LowerOption = Annotated[
    float | None, typer.Option("--lower-m", help="Altitude band floor, metres (default surface).")
]
UpperOption = Annotated[
    float | None,
    typer.Option("--upper-m", help="Altitude band ceiling, metres (default unlimited)."),
]
DatumOption = Annotated[str, typer.Option("--datum", help="The altitude datum: AMSL, AGL or HAE.")]


@contextmanager
def _picture(url: str, token: str, key: str = "") -> Iterator[PictureClient]:
    with open_client(url, token, key) as client:
        yield PictureClient(client)


def _json_arg(text: str, what: str) -> Any:
    """JSON given inline, or ``@FILE`` (``@-`` for stdin)."""
    if text.startswith("@"):
        source = text[1:]
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{what} is not valid JSON: {exc}") from None


def _altitude(lower: float | None, upper: float | None, datum: str) -> dict[str, Any] | None:
    if lower is None and upper is None:
        return None
    return {"datum": datum, "lower_m": lower, "upper_m": upper}


def _volumes(
    footprint: str | None,
    start: str | None,
    end: str | None,
    altitude: dict[str, Any] | None,
    volumes_file: Path | None,
) -> list[dict[str, Any]] | None:
    if volumes_file is not None:
        if footprint is not None:
            raise InvalidInput("give --footprint (with --start, --end) or --volumes-file, not both")
        found = _json_arg(f"@{volumes_file}", "--volumes-file")
        if not isinstance(found, list):
            raise InvalidInput("--volumes-file must hold a JSON list of volumes")
        return found
    if footprint is None:
        return None
    if start is None or end is None:
        raise InvalidInput("a volume needs --start and --end")
    volume = {"footprint": _json_arg(footprint, "--footprint"), "start": start, "end": end}
    if altitude is not None:
        volume["altitude"] = altitude
    return [volume]


def _appended(entry: dict[str, Any], json_output: bool) -> None:
    if json_output:
        print_json(entry)
        return
    out().print(
        f"Appended {escape(entry['kind'])} entry {entry['seq']}, released to "
        f"{escape(', '.join(entry['release']))}"
    )
    print(entry["id"])


def _table(title: str, columns: Sequence[str], rows: list[list[Any]]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape("" if v is None else str(v)) for v in row))
    return table


def _operations_table(found: list[dict[str, Any]]) -> Table:
    return _table(
        f"{len(found)} operations",
        ("party", "ref", "name", "kind", "state", "start", "end", "id"),
        [
            [o["party"], o["ref"], o["name"], o["kind"], o["state"], *o["window"].values(), o["id"]]
            for o in found
        ],
    )


def _units_table(found: list[dict[str, Any]]) -> Table:
    return _table(
        f"{len(found)} units",
        ("party", "unit", "name", "position", "time", "stale", "symbol"),
        [
            [
                u["party"],
                u["unit"],
                u["name"],
                json.dumps(u["position"]["coordinates"]),
                u["time"],
                u["stale_time"],
                u["symbol_code"],
            ]
            for u in found
        ],
    )


def _measures_table(found: list[dict[str, Any]]) -> Table:
    return _table(
        f"{len(found)} control measures",
        ("owner", "ref", "name", "kind", "binds", "from", "until", "id"),
        [
            [
                m["party"],
                m["ref"],
                m["name"],
                m["kind"],
                ", ".join(m["binds"]),
                m["valid_from"],
                m["valid_until"],
                m["id"],
            ]
            for m in found
        ],
    )


def _conflicts_table(found: list[dict[str, Any]]) -> Table:
    return _table(
        f"{len(found)} conflicts",
        ("status", "severity", "rule", "start", "end", "with", "conflict"),
        [
            [
                c["status"],
                c["severity"],
                c["rule"],
                c["window"]["start"],
                c["window"]["end"],
                ", ".join(sorted({o["party"] for o in c["others"]})),
                c["conflict"],
            ]
            for c in found
        ],
    )


# --- the time-window query ----------------------------------------------------------------


@picture_app.command("show")
def show(
    at: AtOption = None,
    start: StartOption = None,
    end: EndOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show the operations, units and measures current at a time or during a window."""
    with _picture(url, token) as picture:
        found = picture.picture(start=start, end=end, at=at)
    if json_output:
        print_json(found)
        return
    console = out()
    console.print(_operations_table(found["operations"]))
    console.print(_units_table(found["units"]))
    console.print(_measures_table(found["measures"]))


@picture_app.command("check")
def check(
    start: StartOption = None,
    end: EndOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Detect conflicts now during a window (all time if none); list the party's."""
    with _picture(url, token) as picture:
        found = picture.check(start=start, end=end)
    if json_output:
        print_json(found)
    else:
        out().print(_conflicts_table(found))


@picture_app.command("export")
def export(
    at: AtOption = None,
    start: StartOption = None,
    end: EndOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to FILE.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
) -> None:
    """Export what the party may see as an RFC 7946 GeoJSON FeatureCollection."""
    with _picture(url, token) as picture:
        collection = picture.export_geojson(start=start, end=end, at=at)
    text = json.dumps(collection, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@picture_app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(metavar="FILE", help="A FeatureCollection ('-').")],
    release: ReleaseOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Create or amend the party's operations and measures, and report its units, from GeoJSON."""
    collection = _json_arg(f"@{source}", str(source))
    if not isinstance(collection, dict):
        raise InvalidInput(f"{source} must hold a GeoJSON FeatureCollection")
    with _picture(url, token) as picture:
        report = picture.import_geojson(collection, release=release)
    if json_output:
        print_json(report)
        return
    rows = [
        [i["kind"], i["ref"], i["action"], i.get("entry") or i.get("error")]
        for i in report["items"]
    ]
    out().print(_table("Import", ("kind", "ref", "action", "entry or error"), rows))
    if report["skipped"]:
        out().print(f"{report['skipped']} items of other parties skipped")


# --- operations ---------------------------------------------------------------------------


@operation_app.command("add")
def operation_add(
    ref: Annotated[str, typer.Argument(help="The party's own label for it.")],
    kind: Annotated[str, typer.Argument(help="air_strike, artillery_fire, convoy, ...")],
    footprint: FootprintOption = None,
    start: StartOption = None,
    end: EndOption = None,
    lower_m: LowerOption = None,
    upper_m: UpperOption = None,
    datum: DatumOption = "AMSL",
    volumes_file: VolumesOption = None,
    name: NameOption = None,
    active: Annotated[bool, typer.Option("--active", help="Already under way.")] = False,
    note: NoteOption = None,
    release: ReleaseOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Put a new operation on the record (one volume from the options, or --volumes-file)."""
    volumes = _volumes(footprint, start, end, _altitude(lower_m, upper_m, datum), volumes_file)
    if volumes is None:
        raise InvalidInput(
            "an operation needs --footprint with --start and --end, or --volumes-file"
        )
    with _picture(url, token) as picture:
        entry = picture.create_operation(
            ref,
            kind,
            volumes,
            name=name or "",
            state="active" if active else "planned",
            note=note,
            release=release,
        )
    _appended(dict(entry), json_output)


@operation_app.command("list")
def operation_list(
    at: AtOption = None,
    start: StartOption = None,
    end: EndOption = None,
    ended: Annotated[bool, typer.Option("--ended", help="Include completed, cancelled.")] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the operations the party may see, during a window if given."""
    with _picture(url, token) as picture:
        found = picture.operations(start=start, end=end, at=at, ended=ended)
    if json_output:
        print_json(found)
    else:
        out().print(_operations_table(found))


@operation_app.command("show")
def operation_show(
    operation: Annotated[str, typer.Argument(metavar="OPERATION", help="Entry id or own ref.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
) -> None:
    """Show one operation (JSON), with the ids of its versions the party may see."""
    with _picture(url, token) as picture:
        print_json(picture.operation(operation))


@operation_app.command("amend")
def operation_amend(
    operation: Annotated[str, typer.Argument(metavar="OPERATION", help="Entry id or own ref.")],
    footprint: FootprintOption = None,
    start: StartOption = None,
    end: EndOption = None,
    lower_m: LowerOption = None,
    upper_m: UpperOption = None,
    datum: DatumOption = "AMSL",
    volumes_file: VolumesOption = None,
    kind: Annotated[str | None, typer.Option("--kind", help="A new kind.")] = None,
    name: NameOption = None,
    state: Annotated[
        str | None, typer.Option("--state", help="active, completed or cancelled.")
    ] = None,
    note: NoteOption = None,
    release: ReleaseOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Amend an operation: a new version superseding the latest one."""
    volumes = _volumes(footprint, start, end, _altitude(lower_m, upper_m, datum), volumes_file)
    changes = {
        k: v
        for k, v in {
            "kind": kind,
            "name": name,
            "state": state,
            "note": note,
            "volumes": volumes,
            "release": release,
        }.items()
        if v is not None
    }
    with _picture(url, token) as picture:
        entry = picture.amend_operation(operation, **changes)
    _appended(dict(entry), json_output)


@operation_app.command("cancel")
def operation_cancel(
    operation: Annotated[str, typer.Argument(metavar="OPERATION", help="Entry id or own ref.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Cancel an operation (its conflicts are cleared)."""
    with _picture(url, token) as picture:
        entry = picture.cancel_operation(operation)
    _appended(dict(entry), json_output)


# --- units --------------------------------------------------------------------------------


def _point(text: str) -> dict[str, Any]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInput("--point is LON,LAT in degrees, e.g. 10.005,50.012") from None
    return {"type": "Point", "coordinates": [lon, lat]}


@unit_app.command("report")
def unit_report(
    unit: Annotated[str, typer.Argument(help="The unit's id in the party.")],
    point: Annotated[str, typer.Option("--point", metavar="LON,LAT", help="Where it is.")],
    time: Annotated[str, typer.Option("--time", metavar="TIME", help="When it was there.")],
    stale: Annotated[
        str, typer.Option("--stale", metavar="TIME", help="When the report goes stale.")
    ],
    symbol: Annotated[
        str, typer.Option("--symbol", metavar="SIDC", help="MIL-STD-2525 symbol code.")
    ],
    heading: Annotated[float | None, typer.Option("--heading", help="Degrees true.")] = None,
    speed: Annotated[float | None, typer.Option("--speed", help="Metres per second.")] = None,
    name: NameOption = None,
    release: ReleaseOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Report a unit's position, current until its stale time."""
    with _picture(url, token) as picture:
        entry = picture.report_unit(
            unit,
            _point(point),
            time,
            stale,
            symbol,
            name=name or "",
            heading_deg=heading,
            speed_mps=speed,
            release=release,
        )
    _appended(dict(entry), json_output)


@unit_app.command("list")
def unit_list(
    at: AtOption = None,
    start: StartOption = None,
    end: EndOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List each unit's latest report the party may see (current during a window if given)."""
    with _picture(url, token) as picture:
        found = picture.units(start=start, end=end, at=at)
    if json_output:
        print_json(found)
    else:
        out().print(_units_table(found))


# --- control measures ---------------------------------------------------------------------


def _sides(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    sides: dict[str, str] = {}
    for value in values:
        party, _, side = value.partition("=")
        if not party or side not in ("left", "right"):
            raise InvalidInput("--side is PARTY=left or PARTY=right")
        sides[party] = side
    return sides


@measure_app.command("add")
def measure_add(
    ref: Annotated[str, typer.Argument(help="The party's own label for it.")],
    kind: Annotated[str, typer.Argument(help="bomb_line, no_fire_area, boundary, ...")],
    geometry: Annotated[
        str,
        typer.Option("--geometry", metavar="GEOJSON", help="A LineString or area: JSON or @FILE."),
    ],
    valid_from: Annotated[str, typer.Option("--from", metavar="TIME", help="In force from.")],
    valid_until: Annotated[str, typer.Option("--until", metavar="TIME", help="In force until.")],
    binds: Annotated[
        list[str], typer.Option("--binds", metavar="PARTY", help="A party it binds (repeat).")
    ],
    side: Annotated[
        list[str] | None,
        typer.Option("--side", metavar="PARTY=SIDE", help="A line: where PARTY may strike."),
    ] = None,
    depth_m: Annotated[
        float | None, typer.Option("--depth-m", help="A line: depth of the zone beyond it.")
    ] = None,
    restricts: Annotated[
        list[str] | None,
        typer.Option("--restricts", metavar="KIND", help="An area: a kind it restricts."),
    ] = None,
    lower_m: LowerOption = None,
    upper_m: UpperOption = None,
    datum: DatumOption = "AMSL",
    agreement_ref: Annotated[
        str | None, typer.Option("--agreement", help="The agreement that made it binding.")
    ] = None,
    name: NameOption = None,
    note: NoteOption = None,
    release: ReleaseOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Put a line or an area on the record (released to every party it binds)."""
    options = {
        "permitted_sides": _sides(side),
        "depth_m": depth_m,
        "restricts": restricts or None,
        "altitude": _altitude(lower_m, upper_m, datum),
        "agreement_ref": agreement_ref,
        "name": name,
        "note": note,
        "release": release,
    }
    with _picture(url, token) as picture:
        entry = picture.create_measure(
            ref,
            kind,
            _json_arg(geometry, "--geometry"),
            valid_from,
            valid_until,
            binds,
            **{k: v for k, v in options.items() if v is not None},
        )
    _appended(dict(entry), json_output)


@measure_app.command("list")
def measure_list(
    at: AtOption = None,
    start: StartOption = None,
    end: EndOption = None,
    ended: Annotated[bool, typer.Option("--ended", help="Include withdrawn measures.")] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the control measures the party may see, in force during a window if given."""
    with _picture(url, token) as picture:
        found = picture.measures(start=start, end=end, at=at, ended=ended)
    if json_output:
        print_json(found)
    else:
        out().print(_measures_table(found))


@measure_app.command("withdraw")
def measure_withdraw(
    measure: Annotated[str, typer.Argument(metavar="MEASURE", help="Entry id or own ref.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Withdraw a control measure (its conflicts are cleared)."""
    with _picture(url, token) as picture:
        entry = picture.withdraw_measure(measure)
    _appended(dict(entry), json_output)


@measure_app.command("consent")
def measure_consent(
    measure: Annotated[str, typer.Argument(metavar="MEASURE", help="Entry id or own ref.")],
    operation: Annotated[
        str | None, typer.Option("--operation", metavar="ID", help="The operation's entry id.")
    ] = None,
    conflict: Annotated[
        str | None, typer.Option("--conflict", metavar="ID", help="Or the conflict's id.")
    ] = None,
    note: NoteOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Let one operation enter one of the party's restricted areas."""
    with _picture(url, token) as picture:
        entry = picture.consent(measure, operation=operation, conflict=conflict, note=note)
    _appended(dict(entry), json_output)


# --- conflicts ----------------------------------------------------------------------------


@conflict_app.command("list")
def conflict_list(
    status: Annotated[
        str | None,
        typer.Option("--status", help="open, acknowledged, arranged or cleared."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="At most this many.")
    ] = 100,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the conflicts the party was notified of: open first, newest first."""
    with _picture(url, token) as picture:
        found = picture.conflicts(status=status, limit=limit)
    if json_output:
        print_json(found)
    else:
        out().print(_conflicts_table(found))


@conflict_app.command("show")
def conflict_show(
    conflict: Annotated[str, typer.Argument(metavar="CONFLICT", help="The conflict's id.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show one conflict as the party was told of it, with its notices and arrangements."""
    with _picture(url, token) as picture:
        found = picture.conflict(conflict)
    if json_output:
        print_json(found)
        return
    console = out()
    console.print(f"[bold]{escape(found['conflict'])}[/]  {escape(found['status'])}")
    console.print(escape(found["text"]))
    for arrangement in found["arrangements"]:
        state = "binding" if arrangement["binding"] else "not yet binding"
        signed = ", ".join(arrangement["signed_by"]) or "nobody"
        console.print(
            f"arrangement {escape(arrangement['id'])}: {state}, signed by {escape(signed)}"
        )


@conflict_app.command("resolve")
def conflict_resolve(
    conflict: Annotated[str, typer.Argument(metavar="CONFLICT", help="The conflict's id.")],
    acknowledge: Annotated[
        bool, typer.Option("--acknowledge", help="Acknowledge the current revision.")
    ] = False,
    arrange: Annotated[
        str | None,
        typer.Option("--arrange", metavar="TEXT", help="Propose a deconfliction arrangement."),
    ] = None,
    sign: Annotated[
        str | None,
        typer.Option(
            "--sign", metavar="ARRANGEMENT", help="Sign an arrangement with your key (--key)."
        ),
    ] = None,
    note: NoteOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    key: KeyOption = DEFAULT_KEY,
    json_output: JsonOption = False,
) -> None:
    """Resolve a conflict: acknowledge it, propose an arrangement, or sign one.

    Amending or cancelling the operation (``liaison picture operation``) clears it too.
    """
    if [acknowledge, arrange is not None, sign is not None].count(True) != 1:
        raise InvalidInput("choose one of --acknowledge, --arrange TEXT or --sign ARRANGEMENT")
    if sign is not None and not key:
        raise InvalidInput("--sign needs the member's key file: pass --key or set LIAISON_KEY")
    with _picture(url, token, key if sign else "") as picture:
        if acknowledge:
            entry = picture.acknowledge(conflict, note=note)
        elif arrange is not None:
            entry = picture.propose_arrangement(conflict, arrange)
        else:
            assert sign is not None
            found = picture.conflict(conflict)
            if sign not in {a["id"] for a in found["arrangements"]}:
                raise InvalidInput("that arrangement is not one of this conflict's")
            entry = picture.sign_arrangement(sign)
    _appended(dict(entry), json_output)
