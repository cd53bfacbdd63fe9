"""``liaison member cert``: bind a TAK device's client certificate to a member, or revoke it.

The CoT listener's TLS port accepts a device only when the certificate it presents is bound
to a member who is not revoked (:mod:`liaison.tak.certs`). The binding is kept by fingerprint;
the certificate file is read here and nothing but its fingerprint and a label is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from liaison.cli.connect import open_node
from liaison.cli.options import DEFAULT_DB, DEFAULT_NODE_KEY, DbOption, JsonOption, NodeKeyOption
from liaison.cli.output import out, print_json
from liaison.errors import InvalidInput

__all__ = ["member_cert"]


def member_cert(
    member: Annotated[str, typer.Argument(metavar="ID", help="The member's id, e.g. burrows.")],
    cert: Annotated[
        Path | None,
        typer.Option(
            "--cert",
            metavar="PEM_FILE",
            exists=True,
            dir_okay=False,
            help="The device's client certificate (PEM or DER). Without it, list the member's "
            "certificates.",
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option("--label", metavar="TEXT", help="A name for the device (default: the file)."),
    ] = None,
    revoke: Annotated[
        bool,
        typer.Option("--revoke", help="Revoke the binding of this certificate instead."),
    ] = False,
    db: DbOption = DEFAULT_DB,
    node_key: NodeKeyOption = DEFAULT_NODE_KEY,
    as_json: JsonOption = False,
) -> None:
    """Bind a TAK client certificate to a member for the CoT TLS port (or revoke, or list)."""
    from liaison.tak import certificate_der, fingerprint_of, tak_for

    if revoke and cert is None:
        raise InvalidInput("--revoke needs --cert: the certificate whose binding to revoke")
    with open_node(db, node_key) as node:
        certificates = tak_for(node).certificates
        if cert is None:
            bindings = certificates.bindings(member)
            if as_json:
                print_json([b.to_json() for b in bindings])
                return
            table = Table(title=f"TAK certificates of {member}")
            for column in ("fingerprint (SHA-256)", "label", "bound", "revoked"):
                table.add_column(column)
            for b in bindings:
                table.add_row(b.fingerprint, escape(b.label), b.created_at, b.revoked_at or "")
            out().print(table)
            return
        data = cert.read_bytes()
        if revoke:
            fingerprint = fingerprint_of(certificate_der(data))
            binding = certificates.get(fingerprint)
            if binding.member != member:
                raise InvalidInput(f"that certificate is bound to {binding.member}, not {member}")
            binding = certificates.revoke(fingerprint)
            verb = "Revoked"
        else:
            binding = certificates.bind(member, data, label if label is not None else cert.name)
            verb = "Bound"
    if as_json:
        print_json(binding.to_json())
        return
    out().print(
        f"{verb} certificate [bold]{binding.fingerprint}[/] "
        f"({escape(binding.label)}) {'from' if revoke else 'to'} member {escape(member)}"
    )
