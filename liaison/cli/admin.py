"""Administration directly on a store: create it, add parties, verify, export, rebuild.

These commands act as the node, so they need the store (``--db``) and, to
write, the node's key (``--node-key``); they are for whoever runs the node,
never for a member, who works through the server with a token.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from liaison.cli.connect import open_client, open_node, progress_bar
from liaison.cli.options import (
    DEFAULT_DB,
    DEFAULT_NODE_KEY,
    DEFAULT_ORIGIN,
    DEFAULT_TOKEN,
    DbOption,
    NodeKeyOption,
    OriginOption,
    TokenOption,
)
from liaison.cli.output import EXIT_FAILED, error, out
from liaison.errors import InvalidInput

if TYPE_CHECKING:
    from liaison.services.verify import Failure

__all__ = ["export", "init", "party_app", "rebuild", "verify"]


def init(
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
    origin: OriginOption = DEFAULT_ORIGIN,
) -> None:
    """Create a new record and the node's Ed25519 key; refuses a store that already holds one."""
    from liaison.node import Node

    key_existed = Path(node_key).exists()
    node, genesis = Node.create(db, node_key, origin)
    try:
        console = out()
        console.print(f"Created the record in [bold]{escape(node.store.safe_url)}[/]")
        if key_existed:
            console.print(f"Using the existing node key [bold]{escape(node_key)}[/]")
        else:
            console.print(f"Wrote the node key to [bold]{escape(node_key)}[/] (mode 0600; keep it)")
        console.print(f"Origin: {escape(origin)}")
        console.print(f"Genesis entry 1:\n  {genesis.id}")
        console.print(
            "Verifier key (give it to every party, to check checkpoints and bundles):\n"
            f"  {escape(node.proofs.verifier_key)}"
        )
        console.print("Next: `liaison party add ID NAME`, then `liaison member add ...`.")
    finally:
        node.close()


# --- parties -------------------------------------------------------------------------------

party_app = typer.Typer(help="Put parties on the record and list them.", no_args_is_help=True)


@party_app.command("add")
def party_add(
    party: Annotated[str, typer.Argument(help="The party's id: a short lowercase slug, e.g. uk.")],
    name: Annotated[str, typer.Argument(help="The party's full name, e.g. 'United Kingdom'.")],
    default_release: Annotated[
        list[str] | None,
        typer.Option(
            "--default-release",
            metavar="PARTY",
            help="A party this party's entries are released to when the author names none "
            "(repeat for several; '*' for every party).",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """Add a party to the record (an entry released to every party)."""
    with open_node(db, node_key) as node:
        entry = node.roster.add_party(party, name, default_release or ())
    out().print(f"Added party [bold]{escape(party)}[/] ({escape(name)}) as entry {entry.seq}")


@party_app.command("list")
def party_list(
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """List the parties on the record."""
    from liaison.store import queries as q

    with open_node(db, node_key) as node, node.store.read() as conn:
        parties = q.parties(conn)
        defaults = {p.id: q.party_default_release(conn, p.id) for p in parties}
    table = Table(title="Parties")
    table.add_column("party", no_wrap=True)
    table.add_column("name")
    table.add_column("default release")
    table.add_column("since entry", justify="right")
    for party in parties:
        table.add_row(
            escape(party.id),
            escape(party.name),
            escape(", ".join(defaults[party.id] or []) or "—"),
            str(party.seq),
        )
    out().print(table)


# --- verification, export, rebuild ---------------------------------------------------------


def verify(
    ctx: typer.Context,
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
    bundle: Annotated[
        Path | None,
        typer.Option(
            "--bundle",
            metavar="PATH",
            exists=True,
            dir_okay=False,
            help="Verify an exported bundle instead of a store.",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            metavar="URL",
            help="Verify a running server as the member the token belongs to, instead of a store.",
        ),
    ] = None,
    token: TokenOption = DEFAULT_TOKEN,
    verifier_key: Annotated[
        str | None,
        typer.Option(
            "--verifier-key",
            metavar="KEY",
            help="Pin the node's verifier key (printed by `liaison init`); by default a store is "
            "checked against the node key file when it exists, a bundle or server against the key "
            "it names itself.",
        ),
    ] = None,
) -> None:
    """Recompute hashes, signatures, the Merkle tree and checkpoints; exit 1 on any failure.

    Reports the first entry removed, reordered, rewritten or badly signed, by
    sequence number and id. A member checks the entries it cannot read too, by
    their commitments and their place in the tree.
    """
    from liaison.services.bundle import verify_bundle, verify_remote
    from liaison.services.verify import verify_store

    if bundle is not None and url is not None:
        raise InvalidInput("verify one thing at a time: --bundle or --url, not both")
    if bundle is not None:
        source = f"bundle {bundle}"
        with progress_bar("verifying") as progress:
            report = verify_bundle(bundle, progress, verifier_key)
        pinned = verifier_key or "the key the bundle names (not pinned)"
    elif url is not None:
        source = f"server {url}"
        with open_client(url, token) as client, progress_bar("verifying") as progress:
            report = verify_remote(client, progress, verifier_key)
        pinned = verifier_key or "the key the server names (not pinned)"
    else:
        from liaison.store import open_store

        trusted, pinned = _trusted_node_key(ctx, node_key, verifier_key)
        store = open_store(db)
        source = f"store {store.safe_url}"
        try:
            if not store.has_schema():
                raise InvalidInput(f"{store.safe_url} holds no record: run `liaison init` first")
            with progress_bar("verifying") as progress:
                report = verify_store(store, trusted, progress)
        finally:
            store.dispose()

    table = Table(title="Verification", show_header=False)
    table.add_column("what", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_row("source", escape(source))
    table.add_row("node key", escape(pinned))
    table.add_row("log size", str(report.size))
    table.add_row("entries checked", str(report.checked))
    table.add_row("entries readable", str(report.readable))
    table.add_row("checkpoints", str(report.checkpoints))
    table.add_row(
        "result", "[green]ok[/]" if report.ok else f"[red]{len(report.failures)} failure(s)[/]"
    )
    out().print(table)
    if report.failures:
        out().print(_failures_table(report.failures))
    first = report.first_failure
    if first is not None:
        ident = f" ({first.entry_id})" if first.entry_id else ""
        error(f"first failure: entry {first.seq}{ident}: {first.problem}")
        raise typer.Exit(EXIT_FAILED)


#: how many failures the table shows; one tampered entry can break thousands of tree nodes
SHOWN_FAILURES = 20


def _failures_table(failures: Sequence[Failure]) -> Table:
    ordered = sorted(failures, key=lambda f: f.seq)
    more = len(ordered) - SHOWN_FAILURES
    table = Table(
        title="Failures, in log order"
        + (f" (first {SHOWN_FAILURES}; {more} more)" if more > 0 else "")
    )
    table.add_column("entry", justify="right", no_wrap=True)
    table.add_column("id", overflow="fold")
    table.add_column("problem", overflow="fold")
    for failure in ordered[:SHOWN_FAILURES]:
        table.add_row(str(failure.seq), failure.entry_id or "—", escape(failure.problem))
    return table


def _trusted_node_key(
    ctx: typer.Context, node_key: str, verifier_key: str | None
) -> tuple[str | None, str]:
    """The node public key (base64) a store is checked against, and how it was chosen."""
    from liaison.ledger.checkpoint import CheckpointError, parse_verifier_key
    from liaison.ledger.signing import b64e
    from liaison.node import read_node_key

    if verifier_key is not None:
        try:
            parsed = parse_verifier_key(verifier_key)
        except CheckpointError as exc:
            raise InvalidInput(f"--verifier-key: {exc}") from exc
        return b64e(parsed.public_key), f"pinned to {verifier_key}"
    source = ctx.get_parameter_source("node_key")
    explicit = source is not None and source.name != "DEFAULT"
    if explicit or Path(node_key).exists():
        key = read_node_key(node_key)
        return b64e(key.public_key), f"pinned to the key in {node_key}"
    return None, "the key the record names in its first entry (not pinned)"


def export(
    out_path: Annotated[
        Path, typer.Argument(metavar="OUT", help="The bundle file to write (refuses to overwrite).")
    ],
    as_party: Annotated[
        str | None,
        typer.Option(
            "--as-party",
            metavar="PARTY",
            help="Export only what this party may read, plus the commitments of everything else.",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """Export the record as a bundle anyone can verify with `liaison verify --bundle`."""
    from liaison.services.bundle import export_bundle

    if out_path.exists():
        raise InvalidInput(f"{out_path} already exists; not overwriting it")
    with open_node(db, node_key) as node, progress_bar("exporting") as progress:
        count = export_bundle(node, as_party, out_path, progress)
    whose = f"what {as_party} may read" if as_party else "the whole record"
    out().print(f"Exported {whose} ({count} entries) to [bold]{escape(str(out_path))}[/]")


def rebuild(
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
) -> None:
    """Drop every projection table and rebuild it from the entries, in one transaction."""
    from liaison.projections import PROJECTORS
    from liaison.services.rebuild import rebuild_projections

    with open_node(db, node_key) as node, progress_bar("rebuilding") as progress:
        report = rebuild_projections(node.store, progress=progress)
    rebuilt = set(report.tables)
    table = Table(title="Rebuilt projections")
    table.add_column("projection", no_wrap=True)
    table.add_column("tables")
    table.add_column("follows kinds")
    for projector in PROJECTORS:
        names = [t.name for t in projector.tables if t.name in rebuilt]
        table.add_row(
            escape(projector.name),
            escape(", ".join(names)),
            escape(", ".join(sorted(projector.kinds))),
        )
    out().print(table)
    out().print(f"Replayed {report.entries} entries into {len(report.tables)} tables.")
