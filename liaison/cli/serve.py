"""Running the HTTP API over a store, and the demonstration node behind ``make demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from liaison.cli.connect import open_node
from liaison.cli.options import (
    DEFAULT_DB,
    DEFAULT_HOST,
    DEFAULT_NODE_KEY,
    DEFAULT_PORT,
    DbOption,
    HostOption,
    NodeKeyOption,
    PortOption,
)
from liaison.cli.output import out

__all__ = ["demo", "serve"]


def _cot_file(help_text: str) -> Any:
    option: Any = typer.Option(
        metavar="PEM_FILE",
        exists=True,
        dir_okay=False,
        help=help_text,
        rich_help_panel="CoT (TAK)",
    )
    return option


def serve(
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
    host: HostOption = DEFAULT_HOST,
    port: PortOption = DEFAULT_PORT,
    cot_port: Annotated[
        int | None,
        typer.Option(
            metavar="PORT",
            help="Also listen for CoT over plain TCP on this port, every event from "
            "--cot-member (a trusted network segment only; see docs/tak.md).",
            rich_help_panel="CoT (TAK)",
        ),
    ] = None,
    cot_member: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="The member every event on --cot-port is from.",
            rich_help_panel="CoT (TAK)",
        ),
    ] = None,
    cot_tls_port: Annotated[
        int | None,
        typer.Option(
            metavar="PORT",
            help="Also listen for CoT over TLS on this port; each device's client certificate "
            "must be bound to a member (liaison member cert).",
            rich_help_panel="CoT (TAK)",
        ),
    ] = None,
    cot_cert: Annotated[Path | None, _cot_file("The CoT TLS server certificate.")] = None,
    cot_key: Annotated[Path | None, _cot_file("The CoT TLS server's private key.")] = None,
    cot_ca: Annotated[
        Path | None, _cot_file("The CA that issues the TAK devices' client certificates.")
    ] = None,
    cot_workers: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Processes that read and plan CoT events beside the one that records them "
            "(0: none). Default: one per core but one, at most 4.",
            rich_help_panel="CoT (TAK)",
        ),
    ] = None,
) -> None:
    """Run the HTTP API (OpenAPI at /openapi.json, docs at /docs) until interrupted,
    and the CoT listener for TAK devices when a CoT port is given."""
    from liaison.api.server import serve as run_server
    from liaison.tak.listener import ListenerConfig
    from liaison.tak.plan import default_workers

    cot = None
    if cot_port is not None or cot_tls_port is not None:
        cot = ListenerConfig(
            host=host,
            tcp_port=cot_port,
            tcp_member=cot_member,
            tls_port=cot_tls_port,
            cert=cot_cert,
            key=cot_key,
            ca=cot_ca,
            workers=default_workers() if cot_workers is None else cot_workers,
        )
        cot.validate()
    with open_node(db, node_key) as node:
        out().print(
            f"Serving {escape(node.store.safe_url)} at http://{escape(host)}:{port} "
            "(Ctrl-C to stop)"
        )
        if cot is not None:
            plain = f" TCP {cot_port} as {escape(str(cot_member))};" if cot_port else ""
            tls = f" TLS {cot_tls_port};" if cot_tls_port else ""
            workers = f" {cot.workers} planning process(es)" if cot.workers else ""
            out().print(f"CoT for TAK devices on {escape(host)}:{plain}{tls}{workers}")
        run_server(node, host, port, cot=cot)


def demo(
    directory: Annotated[
        Path,
        typer.Option(
            "--dir",
            metavar="PATH",
            help="The folder for the demo store, keys and tokens (replaced if it exists).",
        ),
    ] = Path(".demo"),
    host: HostOption = DEFAULT_HOST,
    port: PortOption = DEFAULT_PORT,
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            metavar="FILE",
            help="Load this scenario file (see docs/scenario-format.md) instead of the 1941-44 "
            "scenario (scenarios/1943-44.json).",
        ),
    ] = None,
    replay: Annotated[
        float | None,
        typer.Option(
            "--replay",
            metavar="DAYS",
            min=0.001,
            help="Serve at once and play the scenario forward while serving, DAYS of scenario "
            "time per second (e.g. 30), so the record unfolds in the browser.",
        ),
    ] = None,
    synthetic: Annotated[
        int | None,
        typer.Option(
            "--synthetic",
            metavar="N",
            min=1,
            help="Instead of a scenario, load a generated coalition with N events (reports and "
            "operations across six parties), for trying the system at scale.",
        ),
    ] = None,
) -> None:
    """Build a fresh demonstration record from the 1941-44 scenario (or another) and serve it."""
    from liaison.api.server import serve as run_server
    from liaison.demo import build_demo, build_replay, instructions

    # Plain print: the instructions hold long tokens and commands meant to be copied whole,
    # which Rich would wrap at the terminal's width.
    player = None
    if replay is None:
        node, members = build_demo(directory, say=print, scenario=scenario, synthetic=synthetic)
    else:
        node, members, player = build_replay(
            directory, say=print, speed_days=replay, scenario=scenario, synthetic=synthetic
        )
    try:
        url = f"http://{host}:{port}"
        print(instructions(members, url, directory))
        if player is not None:
            player.start()
        run_server(node, host, port)
    finally:
        if player is not None:
            player.stop()
        node.close()
