"""A member's work against a server: append, read, follow, and check the log.

Everything here goes through :class:`liaison.Client` with the member's token,
so the server applies the member's authority and release filter exactly as it
does for any other client: the CLI never sees more than the member may.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
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
from liaison.cli.output import entries_table, entry_by, entry_detail, out, print_json, print_rows
from liaison.errors import InvalidInput

__all__ = [
    "append",
    "checkpoint",
    "follow",
    "kinds",
    "list_entries",
    "proof_app",
    "show",
    "whoami",
]


def _fields(data: Mapping[str, object], title: str | None = None) -> Table:
    table = Table(title=title, show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for name, value in data.items():
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        table.add_row(escape(str(name)), escape(text))
    return table


def whoami(
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show the member the token belongs to: party, role, mandate and keys."""
    with open_client(url, token) as client:
        me = client.me()
    if json_output:
        print_json(me)
    else:
        out().print(_fields(me))


def _read_body(body: str | None, body_file: Path | None) -> dict[str, Any]:
    if body is not None and body_file is not None:
        raise InvalidInput("give the body with --body or --body-file, not both")
    if body_file is not None:
        text = sys.stdin.read() if str(body_file) == "-" else body_file.read_text(encoding="utf-8")
        where = "--body-file"
    elif body is not None:
        text, where = body, "--body"
    else:
        raise InvalidInput("an entry needs a body: --body JSON or --body-file FILE")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f'{where} must be a JSON object, e.g. \'{{"text": "..."}}\'')
    return data


def append(
    kind: Annotated[str, typer.Argument(help="The entry kind, e.g. note (see `liaison kinds`).")],
    body: Annotated[
        str | None,
        typer.Option("--body", metavar="JSON", help="The body as a JSON object."),
    ] = None,
    body_file: Annotated[
        Path | None,
        typer.Option(
            "--body-file", metavar="FILE", help="Read the body from a JSON file ('-' for stdin)."
        ),
    ] = None,
    release: Annotated[
        list[str] | None,
        typer.Option(
            "--release",
            metavar="PARTY",
            help="A party to release the entry to (repeat for several; '*' for every party). "
            "Default: the party's default release.",
        ),
    ] = None,
    supersedes: Annotated[
        str | None,
        typer.Option("--supersedes", metavar="ID", help="The entry this one corrects."),
    ] = None,
    sign: Annotated[
        bool,
        typer.Option(
            "--sign", help="Sign the entry with the member's own key (--key) before sending it."
        ),
    ] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    key: KeyOption = DEFAULT_KEY,
    json_output: JsonOption = False,
) -> None:
    """Append an entry to the record as the member the token belongs to."""
    data = _read_body(body, body_file)
    if sign and not key:
        raise InvalidInput("--sign needs the member's key file: pass --key or set LIAISON_KEY")
    with open_client(url, token, key if sign else "") as client:
        entry = client.append(kind, data, release=release, supersedes=supersedes, sign=sign)
    if json_output:
        print_json(entry)
        return
    signed = " signed by the member" if entry["signatures"].get("author") else ""
    out().print(
        f"Appended entry {entry['seq']}{signed}, released to {escape(', '.join(entry['release']))}"
    )
    print(entry["id"])


def list_entries(
    kind: Annotated[
        str | None,
        typer.Option("--kind", metavar="KIND", help="Only this kind ('member.*' for a family)."),
    ] = None,
    party: Annotated[
        str | None, typer.Option("--party", metavar="PARTY", help="Only entries of this party.")
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", metavar="MEMBER", help="Only entries by this member.")
    ] = None,
    text: Annotated[
        str | None,
        typer.Option("--text", metavar="TEXT", help="Only entries whose content contains this."),
    ] = None,
    after: Annotated[
        int, typer.Option("--after", metavar="SEQ", min=0, help="Only entries after this one.")
    ] = 0,
    limit: Annotated[
        int, typer.Option("--limit", metavar="N", min=1, max=1000, help="At most this many.")
    ] = 100,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the entries released to the member's party, oldest first."""
    with open_client(url, token) as client:
        found = client.list(
            kind=kind, party=party, author=author, text=text, after=after, limit=limit
        )
    if json_output:
        print_json(found)
        return
    out().print(entries_table(found, title=f"{len(found)} entries"))


def show(
    entry_id: Annotated[str, typer.Argument(metavar="ID", help="The entry's id.")],
    versions: Annotated[
        bool, typer.Option("--versions", help="Show every version, oldest first.")
    ] = False,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show one entry in full (or every version of it, with --versions)."""
    with open_client(url, token) as client:
        found = client.versions(entry_id) if versions else [client.get(entry_id)]
    if json_output:
        print_json(found if versions else found[0])
        return
    console = out()
    for number, entry in enumerate(found, start=1):
        if versions:
            console.print(f"[bold]version {number} of {len(found)}[/]")
        console.print(entry_detail(entry))


def follow(
    after: Annotated[
        int,
        typer.Option(
            "--after",
            metavar="SEQ",
            min=0,
            help="Start after this entry (default: from the first).",
        ),
    ] = 0,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Print entries as they are appended, until Ctrl-C (JSON lines with --json)."""
    console = out()
    try:
        with open_client(url, token) as client:
            for entry in client.follow(after=after):
                if json_output:
                    print(json.dumps(entry, sort_keys=True, ensure_ascii=False), flush=True)
                else:
                    console.print(
                        f"{entry['seq']:>6}  {escape(entry['kind'])}  {escape(entry_by(entry))}  "
                        f"{escape(json.dumps(entry.get('body'), ensure_ascii=False))}"
                    )
    except KeyboardInterrupt:
        return


def checkpoint(
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Fetch the node's latest signed checkpoint (C2SP signed note) of the whole log."""
    with open_client(url, token) as client:
        signed = client.checkpoint()
    if json_output:
        print_json(signed)
        return
    print(signed["note"], end="" if signed["note"].endswith("\n") else "\n")


proof_app = typer.Typer(
    help="Merkle proofs of the log, checked on this side.", no_args_is_help=True
)


@proof_app.command("inclusion")
def proof_inclusion(
    seq: Annotated[int, typer.Argument(metavar="SEQ", min=1, help="The entry's sequence number.")],
    tree_size: Annotated[
        int | None,
        typer.Option(
            "--tree-size",
            metavar="N",
            min=1,
            help="Prove against the tree of this size instead of the latest signed checkpoint.",
        ),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Prove an entry is in the log, checked here up to the node's signed checkpoint.

    The proof carries the entry's commitment (its stamp), never its content, so
    a member can check entries it may not read. Exit 1 if it does not verify.
    """
    with open_client(url, token) as client:
        if tree_size is None:
            check = client.verify_inclusion(seq)
            proof, signed = (
                check["proof"],
                f"the signed checkpoint of size {check['checkpoint']['size']}",
            )
        else:
            proof, signed = client.inclusion_proof(seq, tree_size), f"the root of size {tree_size}"
    if json_output:
        print_json(proof)
        return
    table = Table(title=f"Inclusion of entry {seq}", show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_row("entry", escape(proof["stamp"]["entry"]))
    table.add_row("appended", escape(proof["stamp"]["at"]))
    table.add_row("tree size", str(proof["tree_size"]))
    table.add_row("root", escape(proof["root"]))
    table.add_row("proof", escape("\n".join(proof["proof"])) or "(none: a tree of one)")
    table.add_row("verified", f"yes, up to {escape(signed)}")
    out().print(table)


@proof_app.command("consistency")
def proof_consistency(
    first: Annotated[int, typer.Argument(metavar="FIRST", min=1, help="The older tree size.")],
    second: Annotated[
        int | None,
        typer.Argument(metavar="[SECOND]", min=1, help="The newer tree size (default: now)."),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Prove the log of size SECOND extends the log of size FIRST (nothing rewritten)."""
    with open_client(url, token) as client:
        proof = client.consistency_proof(first, second)
    if json_output:
        print_json(proof)
        return
    table = Table(
        title=f"Consistency of {proof['first']} with {proof['second']}",
        show_header=False,
        box=None,
        pad_edge=False,
    )
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_row("first root", escape(proof["first_root"]))
    table.add_row("second root", escape(proof["second_root"]))
    table.add_row("proof", escape("\n".join(proof["proof"])) or "(none)")
    table.add_row("verified", "yes: the newer tree extends the older one")
    out().print(table)


def kinds(
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the entry kinds the server accepts, with the least role each needs."""
    with open_client(url, token) as client:
        found = client.kinds()

    def row(spec: Any) -> Sequence[str]:
        return (
            escape(str(spec.get("name"))),
            escape(str(spec.get("min_role") or "node only")),
            escape(str(spec.get("description", ""))),
        )

    print_rows(found, "Entry kinds", ("kind", "least role", "description"), row, json_output)
