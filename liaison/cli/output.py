"""What the CLI prints, and how a refusal reaches the user.

Humans get Rich tables on stdout; machines get JSON (``--json``) with no
markup, so that a script never has to strip colour codes. Errors go to stderr
as one line and an exit code, never a traceback: the exit code is the contract
scripts rely on (0 done, 1 a verification failed or the server could not be
reached, 2 the input or the caller's authority was refused).

The consoles are made per call rather than once at import so that they write
to whatever ``sys.stdout``/``sys.stderr`` is at that moment (the test runner
swaps them), and so that a pipe gets plain text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from liaison.domain.member import Authority
from liaison.domain.time import format_time
from liaison.errors import (
    Conflict,
    InvalidInput,
    LiaisonError,
    NotAuthenticated,
    NotFound,
    NotPermitted,
)

__all__ = [
    "EXIT_FAILED",
    "EXIT_REFUSED",
    "REFUSALS",
    "authority_json",
    "authority_table",
    "entries_table",
    "entry_by",
    "entry_detail",
    "error",
    "exit_code",
    "out",
    "print_json",
    "status_at",
    "warn",
]

#: a verification failed, the record failed a check, or the server could not be reached or failed
EXIT_FAILED = 1
#: the input, the credentials or the caller's authority was refused; nothing changed
EXIT_REFUSED = 2


def out() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """One line on stderr; markup in the message is shown literally, never interpreted."""
    _err().print(f"[bold red]error:[/] {escape(message)}")


def warn(message: str) -> None:
    _err().print(f"[bold yellow]warning:[/] {escape(message)}")


#: Errors that refuse the request itself: the caller can fix the input, the credentials or
#: the authority. Anything else (a record failing its checks, a server that cannot be reached
#: or fails) is a failure the caller did not cause.
REFUSALS: tuple[type[LiaisonError], ...] = (
    InvalidInput,
    NotAuthenticated,
    NotPermitted,
    NotFound,
    Conflict,
)


def exit_code(exc: LiaisonError) -> int:
    return EXIT_REFUSED if isinstance(exc, REFUSALS) else EXIT_FAILED


def print_json(data: Any) -> None:
    """Machine output: plain JSON on stdout, one document, keys in a stable order."""
    print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


def print_rows(
    found: Sequence[Any],
    title: str,
    columns: Sequence[str],
    row: Callable[[Any], Sequence[str]],
    json_output: bool,
) -> None:
    """What a listing command prints: ``found`` as JSON, or as a table of ``row(item)``."""
    if json_output:
        print_json(found)
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for item in found:
        table.add_row(*row(item))
    out().print(table)


def _release(entry: Mapping[str, Any]) -> str:
    return ", ".join(entry.get("release") or [])


def entry_by(entry: Mapping[str, Any]) -> str:
    """Who wrote an entry: ``party/member``, or ``node`` for the node's own entries."""
    party = entry.get("party")
    return f"{party}/{entry['author']}" if party else str(entry["author"])


def _body_summary(body: Any, width: int = 60) -> str:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"


def entries_table(entries: Iterable[Mapping[str, Any]], title: str | None = None) -> Table:
    """Entries as the API shows them (``StoredEntry.to_json()``), one row each.

    The full id is kept (it is what ``liaison show`` takes) under the body in
    one folding column, so that a narrow terminal folds the id instead of
    squeezing every other column to nothing.
    """
    table = Table(title=title)
    table.add_column("seq", justify="right", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("by", no_wrap=True)
    table.add_column("released to", no_wrap=True)
    table.add_column("body / id", overflow="fold", ratio=1)
    for entry in entries:
        table.add_row(
            str(entry["seq"]),
            escape(str(entry["kind"])),
            escape(entry_by(entry)),
            escape(_release(entry)),
            f"{escape(_body_summary(entry.get('body')))}\n[dim]{escape(str(entry['id']))}[/]",
        )
    return table


def entry_detail(entry: Mapping[str, Any]) -> Table:
    """One entry in full: every field on its own row, the body pretty-printed."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    signatures = entry.get("signatures") or {}
    rows: Sequence[tuple[str, Any]] = (
        ("seq", entry["seq"]),
        ("id", entry["id"]),
        ("kind", entry["kind"]),
        ("party", entry.get("party") or "—"),
        ("author", entry["author"]),
        ("time", entry.get("time")),
        ("appended", entry.get("appended_at")),
        ("release", _release(entry)),
        ("supersedes", entry.get("supersedes") or "—"),
        ("signed by author", signatures.get("author_key") or "no (node signature only)"),
        ("body", json.dumps(entry.get("body"), indent=2, ensure_ascii=False, sort_keys=True)),
    )
    for name, value in rows:
        table.add_row(name, escape(str(value)))
    return table


def status_at(authority: Authority, at: datetime) -> str:
    """``active``, ``expired`` or ``revoked: <reason>``, as of the moment ``at``."""
    if authority.revoked:
        return "revoked" + (f": {authority.revoked_reason}" if authority.revoked_reason else "")
    return "expired" if authority.mandate.expired_at(at) else "active"


def authority_json(authority: Authority, at: datetime) -> dict[str, Any]:
    return {
        "member": authority.member,
        "party": authority.party,
        "name": authority.name,
        "role": str(authority.role),
        "mandate": authority.mandate.to_json(),
        "status": status_at(authority, at),
        "revoked": authority.revoked,
        "keys": [
            {"key_id": k.key_id, "since_seq": k.since_seq, "since": format_time(k.since)}
            for k in authority.keys
        ],
        "as_of_seq": authority.as_of_seq,
        "at": format_time(at),
    }


def authority_table(authority: Authority, at: datetime, title: str | None = None) -> Table:
    """A member's standing at the moment ``at``, as the record shows it then."""
    mandate = authority.mandate
    table = Table(title=title, show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    rows = (
        ("member", authority.member),
        ("name", authority.name),
        ("party", authority.party),
        ("role", str(authority.role)),
        ("topics", ", ".join(sorted(mandate.topics)) or "none"),
        ("areas", f"{len(mandate.areas)} polygon(s)" if mandate.areas else "no area limit"),
        ("expires", format_time(mandate.expires) if mandate.expires else "never"),
        ("status", status_at(authority, at)),
        ("keys", ", ".join(f"{k.key_id} (since entry {k.since_seq})" for k in authority.keys)),
        ("as of entry", str(authority.as_of_seq)),
    )
    for name, value in rows:
        table.add_row(name, escape(value))
    return table
