"""Meetings against a server: ``liaison meeting``, ``account`` and ``agreed-record``.

Every command goes through :class:`liaison.Client` with the member's token;
the CLI has no rules of its own (``docs/meetings.md``). Each party files its
own account, released as it chooses; ``liaison meeting divergence`` shows
where the accounts the member may read differ. An agreed record is signed
here, on the member's machine, with the member's own key file (``--key``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from liaison.cli.connect import open_client
from liaison.cli.messages import fields_table, print_written, read_json_object, read_text
from liaison.cli.options import (
    DEFAULT_KEY,
    DEFAULT_TOKEN,
    DEFAULT_URL,
    JsonOption,
    KeyOption,
    TokenOption,
    UrlOption,
)
from liaison.cli.output import out, print_json, print_rows
from liaison.errors import InvalidInput

__all__ = ["account_app", "agreed_record_app", "meeting_app", "parse_participant"]

meeting_app = typer.Typer(
    help="Meetings: who met, when and where, and where the accounts of them differ.",
    no_args_is_help=True,
)
account_app = typer.Typer(
    help="Each party's own account of a meeting, released as it chooses.", no_args_is_help=True
)
agreed_record_app = typer.Typer(
    help="Agreed records: one text signed by every party present; only it binds.",
    no_args_is_help=True,
)

MeetingArg = Annotated[
    str, typer.Argument(metavar="MEETING", help="The meeting's id (its first record's).")
]
VersionArg = Annotated[
    str, typer.Argument(metavar="VERSION", help="The agreed-record version's id.")
]
ReleaseOption = Annotated[
    list[str] | None,
    typer.Option(
        "--release",
        metavar="PARTY",
        help="A party to release it to (repeat for several). Default: the party's default release.",
    ),
]
SupersedesOption = Annotated[
    str | None, typer.Option("--supersedes", metavar="ID", help="The entry this one corrects.")
]


def parse_participant(text: str) -> dict[str, Any]:
    """``PARTY|NAME|ROLE`` or ``PARTY|NAME|ROLE|MEMBER`` as a participant object."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) not in (3, 4) or not all(parts):
        raise InvalidInput(
            f"--participant {text!r}: write PARTY|NAME|ROLE or PARTY|NAME|ROLE|MEMBER, e.g. "
            "'uk|Sir Archibald Clark Kerr|ambassador|kerr'"
        )
    participant: dict[str, Any] = {"party": parts[0], "name": parts[1], "role": parts[2]}
    if len(parts) == 4:
        participant["member"] = parts[3]
    return participant


# --- meetings ----------------------------------------------------------------------------


@meeting_app.command("record")
def record(
    title: Annotated[str, typer.Option("--title", metavar="TEXT", help="What the meeting was.")],
    held_at: Annotated[
        str, typer.Option("--held-at", metavar="TIME", help="When: ISO 8601 with a zone.")
    ],
    place: Annotated[str, typer.Option("--place", metavar="TEXT", help="Where.")],
    participant: Annotated[
        list[str],
        typer.Option(
            "--participant",
            metavar="PARTY|NAME|ROLE[|MEMBER]",
            help="Someone present (repeat for each): the party they acted for, their name, "
            "their capacity, and their member id if they have one.",
        ),
    ],
    topic: Annotated[
        str | None, typer.Option("--topic", metavar="TOPIC", help="The mandate topic, if any.")
    ] = None,
    release: ReleaseOption = None,
    supersedes: SupersedesOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Record a meeting the member's party attended (its id is the meeting's id)."""
    participants = [parse_participant(p) for p in participant]
    with open_client(url, token) as client:
        entry = client.record_meeting(
            title=title,
            held_at=held_at,
            place=place,
            participants=participants,
            topic=topic,
            release=release,
            supersedes=supersedes,
        )
    print_written(entry, "Recorded meeting", json_output)


@meeting_app.command("list")
def list_meetings(
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the meetings the member may read, by time held."""
    with open_client(url, token) as client:
        found = client.meetings()

    def row(m: Any) -> Sequence[str]:
        return (
            escape(m["held_at"]),
            f"{escape(m['title'])}\n[dim]{escape(m['id'])}[/]",
            escape(m["place"]),
            escape(", ".join(m["parties"])),
        )

    print_rows(
        found,
        f"{len(found)} meetings",
        ("held at", "title / id", "place", "parties"),
        row,
        json_output,
    )


@meeting_app.command("show")
def show(
    meeting: MeetingArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show a meeting: who met, when, where, for whom."""
    with open_client(url, token) as client:
        found = client.meeting(meeting)
    if json_output:
        print_json(found)
        return
    people = [
        f"{p['name']} ({p['party']}, {p['role']})"
        + (f" [{p['member']}]" if p.get("member") else "")
        for p in found["participants"]
    ]
    rows = [(k, v) for k, v in dict(found).items() if k != "participants"]
    rows.append(("participants", people))
    out().print(fields_table(rows))


@meeting_app.command("divergence")
def divergence(
    meeting: MeetingArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show where the accounts of a meeting the member may read differ, finding by finding."""
    with open_client(url, token) as client:
        if json_output:
            print_json(client.divergence(meeting))
            return
        text = client.divergence_text(meeting)
    print(text, end="" if text.endswith("\n") else "\n")


# --- accounts ----------------------------------------------------------------------------


@account_app.command("file")
def file_account(
    meeting: MeetingArg,
    account_file: Annotated[
        Path,
        typer.Option(
            "--account-file",
            metavar="FILE",
            help="The account as a JSON object: party, author, statements and/or paragraphs "
            "('-' for stdin).",
        ),
    ],
    release: ReleaseOption = None,
    private: Annotated[
        bool, typer.Option("--private", help="Release it to no other party.")
    ] = False,
    supersedes: SupersedesOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """File the party's own account of a meeting it attended."""
    if private and release:
        raise InvalidInput("give --release or --private, not both")
    account = read_json_object(account_file, "--account-file")
    with open_client(url, token) as client:
        entry = client.file_account(
            meeting, account, release=[] if private else release, supersedes=supersedes
        )
    print_written(entry, "Filed account", json_output)


@account_app.command("list")
def list_accounts(
    meeting: MeetingArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the accounts of a meeting the member may read (latest version each)."""
    with open_client(url, token) as client:
        found = client.accounts(meeting)

    def row(a: Any) -> Sequence[str]:
        return (
            f"{escape(a['label'])}\n[dim]{escape(a['entry'])}[/]",
            str(len(a["account"].get("statements") or [])),
            str(len(a["account"].get("paragraphs") or [])),
            escape(", ".join(a["release"])),
        )

    print_rows(
        found,
        f"{len(found)} accounts",
        ("account / entry", "statements", "paragraphs", "released to"),
        row,
        json_output,
    )


# --- agreed records ----------------------------------------------------------------------


@agreed_record_app.command("propose")
def propose(
    meeting: MeetingArg,
    text: Annotated[str | None, typer.Option("--text", metavar="TEXT", help="The text.")] = None,
    text_file: Annotated[
        Path | None,
        typer.Option("--text-file", metavar="FILE", help="Read the text from a file ('-': stdin)."),
    ] = None,
    supersedes: Annotated[
        str | None,
        typer.Option("--supersedes", metavar="VERSION", help="The version this amends."),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Propose (or amend) the agreed record of a meeting, released to every party present."""
    body = read_text(text, text_file)
    if body is None:
        raise InvalidInput("an agreed record needs a text: --text TEXT or --text-file FILE")
    with open_client(url, token) as client:
        entry = client.propose_agreed_record(meeting, body, supersedes=supersedes)
    print_written(entry, "Proposed agreed record version", json_output)


@agreed_record_app.command("list")
def list_agreed_records(
    meeting: MeetingArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the agreed records of a meeting (latest version each) and whether they bind."""
    with open_client(url, token) as client:
        found = client.agreed_records(meeting)

    def row(r: Any) -> Sequence[str]:
        return (
            escape(r["version"]),
            escape(r["drafted_by"]),
            "yes" if r["binding"] else "no",
            escape(", ".join(r["signed_by"]) or "—"),
            escape(", ".join(m["party"] for m in r["missing"]) or "—"),
        )

    print_rows(
        found,
        f"{len(found)} agreed records",
        ("version", "drafted by", "binding", "signed for", "missing"),
        row,
        json_output,
    )


@agreed_record_app.command("status")
def status(
    version: VersionArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show whether one agreed-record version binds, and if not who is missing and why."""
    with open_client(url, token) as client:
        found = client.agreed_record(version)
    if json_output:
        print_json(found)
        return
    rows = [
        ("agreed record", found["agreed_record"]),
        ("version", found["version"] + ("" if found["latest"] else " (not the latest)")),
        ("meeting", found["meeting"]),
        ("drafted by", found["drafted_by"]),
        ("parties", found["parties"]),
        ("status", "BINDING" if found["binding"] else "NOT BINDING"),
        ("signed for", found["signed_by"]),
    ]
    rows += [("missing", f"{m['party']}: {m['reason']}") for m in found["missing"]]
    console = out()
    console.print(fields_table(rows))
    console.print()
    console.print(escape(found["text"]))


@agreed_record_app.command("sign")
def sign(
    version: VersionArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    key: KeyOption = DEFAULT_KEY,
    json_output: JsonOption = False,
) -> None:
    """Sign one exact agreed-record version with the member's own key file, on this machine."""
    if not key:
        raise InvalidInput("signing needs the member's key file: pass --key or set LIAISON_KEY")
    with open_client(url, token, key) as client:
        entry = client.sign_agreed_record(version)
    print_written(entry, f"Signed agreed record version {version}", json_output)
