"""``liaison channel`` and ``liaison message``: formal messages between parties, against a server.

Every command goes through :class:`liaison.Client` with the member's token, so
the server applies the member's authority and release filter exactly as for
any other client; the CLI has no rules of its own. A write prints one line
saying what happened and then the new entry's id on a line of its own (so
``$(liaison message draft ... | tail -1)`` gives the id); ``--json`` prints the
entry. Date-time groups are given and shown in the military form
(``121630Z JUL 44``, or ``1216301`` in this month).

The input helpers :func:`read_text` and :func:`read_json_object` are shared
by the other capability commands (agreements, meetings).
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
from liaison.cli.options import DEFAULT_TOKEN, DEFAULT_URL, JsonOption, TokenOption, UrlOption
from liaison.cli.output import out, print_json, print_rows
from liaison.errors import InvalidInput

__all__ = [
    "channel_app",
    "fields_table",
    "message_app",
    "print_written",
    "read_json_object",
    "read_text",
]

channel_app = typer.Typer(
    help="Channels: the paths messages travel between parties.", no_args_is_help=True
)
message_app = typer.Typer(
    help="Formal messages: draft, amend, approve, send, acknowledge, read.", no_args_is_help=True
)

DraftArg = Annotated[str, typer.Argument(metavar="DRAFT", help="The draft version's id.")]
MessageArg = Annotated[str, typer.Argument(metavar="MESSAGE", help="The sent message's id.")]
TextOption = Annotated[str | None, typer.Option("--text", metavar="TEXT", help="The text.")]
TextFileOption = Annotated[
    Path | None,
    typer.Option("--text-file", metavar="FILE", help="Read the text from a file ('-' for stdin)."),
]
SubjectOption = Annotated[str | None, typer.Option("--subject", metavar="TEXT", help="Subject.")]
ToOption = Annotated[
    list[str] | None,
    typer.Option("--to", metavar="PARTY", help="An addressee party (repeat for several)."),
]
PrecedenceOption = Annotated[
    str | None,
    typer.Option(
        "--precedence", metavar="PRECEDENCE", help="flash, immediate, priority or routine."
    ),
]
ReferenceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--reference", metavar="ID", help="An entry the message refers to (repeat for several)."
    ),
]
InReplyToOption = Annotated[
    str | None,
    typer.Option("--in-reply-to", metavar="MESSAGE", help="The message this one answers."),
]


# --- input and output shared by the capability commands ---------------------------------


def _read_source(path: Path) -> str:
    return sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")


def read_text(
    text: str | None, text_file: Path | None, *, names: str = "--text or --text-file"
) -> str | None:
    """The text given inline or in a file ('-' for stdin); None when neither was given."""
    if text is not None and text_file is not None:
        raise InvalidInput(f"give {names}, not both")
    if text_file is not None:
        return _read_source(text_file)
    return text


def read_json_object(path: Path, option: str) -> dict[str, Any]:
    """A JSON object from a file ('-' for stdin), refused clearly if it is anything else."""
    try:
        data = json.loads(_read_source(path))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{option} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{option} must hold a JSON object")
    return data


def print_written(entry: Mapping[str, Any], what: str, json_output: bool) -> None:
    """After a write: the entry as JSON, or one line and the new entry's id on its own line."""
    if json_output:
        print_json(entry)
        return
    released = ", ".join(entry.get("release") or [])
    out().print(f"{escape(what)} (entry {entry['seq']}, released to {escape(released)})")
    print(entry["id"])


def fields_table(rows: Sequence[tuple[str, Any]], title: str | None = None) -> Table:
    """One record, a field per row; values that are not text are shown as JSON."""
    table = Table(title=title, show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for name, value in rows:
        if value is None:
            text = "—"
        elif isinstance(value, str):
            text = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            text = ", ".join(value) or "—"
        else:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        table.add_row(escape(name), escape(text))
    return table


def _messages_table(messages: Sequence[Mapping[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for column in ("no.", "dtg", "precedence", "from → to", "subject / id"):
        table.add_column(column, overflow="fold")
    for m in messages:
        table.add_row(
            str(m["number"]),
            escape(m["dtg"]),
            escape(m["precedence"]),
            escape(f"{', '.join(m['senders'])} → {', '.join(m['addressees'])}"),
            f"{escape(m['subject'])}\n[dim]{escape(m['id'])}[/]",
        )
    return table


# --- channels ----------------------------------------------------------------------------


@channel_app.command("open")
def channel_open(
    channel: Annotated[str, typer.Argument(metavar="CHANNEL", help="Its id, e.g. uk.bmm-moscow.")],
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="e.g. 'British Military Mission, Moscow'.")
    ],
    party: Annotated[
        list[str],
        typer.Option("--party", metavar="PARTY", help="Another party on it (repeat for several)."),
    ],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Open a channel between the member's party and others."""
    with open_client(url, token) as client:
        entry = client.open_channel(channel, name, party)
    print_written(entry, f"Opened channel {channel}", json_output)


@channel_app.command("list")
def channel_list(
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the channels the member's party is on."""
    with open_client(url, token) as client:
        found = client.channels()

    def row(c: Any) -> Sequence[str]:
        return (escape(c["channel"]), escape(c["name"]), escape(", ".join(c["parties"])))

    print_rows(found, f"{len(found)} channels", ("channel", "name", "parties"), row, json_output)


@channel_app.command("thread")
def channel_thread(
    channel: Annotated[str, typer.Argument(metavar="CHANNEL", help="The channel's id.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Read a channel as a conversation: the sent messages the member may read, in order."""
    with open_client(url, token) as client:
        found = client.thread(channel)
    if json_output:
        print_json(found)
        return
    out().print(_messages_table(found, f"{channel}: {len(found)} messages"))


# --- drafts ------------------------------------------------------------------------------


@message_app.command("draft")
def message_draft(
    channel: Annotated[str, typer.Option("--channel", metavar="CHANNEL", help="The channel.")],
    subject: Annotated[str, typer.Option("--subject", metavar="TEXT", help="The subject.")],
    to: Annotated[
        list[str],
        typer.Option("--to", metavar="PARTY", help="An addressee party (repeat for several)."),
    ],
    text: TextOption = None,
    text_file: TextFileOption = None,
    sender: Annotated[
        list[str] | None,
        typer.Option(
            "--sender",
            metavar="PARTY",
            help="A sending party of a joint message (repeat; default: the member's party).",
        ),
    ] = None,
    precedence: PrecedenceOption = None,
    reference: ReferenceOption = None,
    in_reply_to: InReplyToOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Draft a message: private to its sending parties until it is sent."""
    body = read_text(text, text_file)
    if body is None:
        raise InvalidInput("a message needs a text: --text TEXT or --text-file FILE")
    with open_client(url, token) as client:
        entry = client.draft_message(
            channel,
            subject,
            body,
            to,
            senders=sender,
            precedence=precedence,
            references=reference,
            in_reply_to=in_reply_to,
        )
    print_written(entry, "Drafted", json_output)


@message_app.command("amend")
def message_amend(
    draft: DraftArg,
    subject: SubjectOption = None,
    text: TextOption = None,
    text_file: TextFileOption = None,
    to: ToOption = None,
    precedence: PrecedenceOption = None,
    reference: ReferenceOption = None,
    in_reply_to: InReplyToOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Make a new version of a draft; what is not given is kept. Every version stays."""
    with open_client(url, token) as client:
        entry = client.amend_message(
            draft,
            subject=subject,
            text=read_text(text, text_file),
            addressees=to,
            precedence=precedence,
            references=reference,
            in_reply_to=in_reply_to,
        )
    print_written(entry, "Amended: the new version is", json_output)


@message_app.command("approve")
def message_approve(
    draft: DraftArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Approve this exact draft version for the member's party (each sender of a joint one)."""
    with open_client(url, token) as client:
        entry = client.approve_message(draft)
    print_written(entry, f"Approved draft {draft}", json_output)


@message_app.command("send")
def message_send(
    draft: DraftArg,
    number: Annotated[
        int | None,
        typer.Option(
            "--number",
            metavar="N",
            min=1,
            help="Its number among the channel's messages between the same parties "
            "(default: the next).",
        ),
    ] = None,
    dtg: Annotated[
        str | None,
        typer.Option(
            "--dtg",
            metavar="DTG",
            help="Date-time group of origin: '121630Z JUL 44', or '1216301' (this month). "
            "Default: now.",
        ),
    ] = None,
    zone: Annotated[
        str | None,
        typer.Option("--zone", metavar="LETTER", help="Show 'now' in this zone (default Z)."),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Send an approved draft version to its addressees, numbered and timed."""
    with open_client(url, token) as client:
        entry = client.send_message(draft, number=number, dtg=dtg, zone=zone)
    body = entry["body"]
    print_written(
        entry, f"Sent no. {body['number']} on {body['channel']}, {body['dtg']}", json_output
    )


@message_app.command("drafts")
def message_drafts(
    channel: Annotated[
        str | None, typer.Option("--channel", metavar="CHANNEL", help="Only this channel.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the latest version of every draft the member's party holds, sent or not."""
    with open_client(url, token) as client:
        found = client.message_drafts(channel)

    def row(entry: Any) -> Sequence[str]:
        b = entry["body"]
        return (
            escape(b["channel"]),
            escape(b["precedence"]),
            escape(f"{', '.join(b['senders'])} → {', '.join(b['addressees'])}"),
            f"{escape(b['subject'])}\n[dim]{escape(entry['id'])}[/]",
        )

    print_rows(
        found,
        f"{len(found)} drafts",
        ("channel", "precedence", "from → to", "subject / id"),
        row,
        json_output,
    )


# --- sent messages -----------------------------------------------------------------------


@message_app.command("show")
def message_show(
    message: MessageArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show a sent message, and the replies to it the member may read."""
    with open_client(url, token) as client:
        found = client.message(message)
        replies = client.replies(message)
    if json_output:
        print_json({**found, "replies": replies})
        return
    rows = [(name, value) for name, value in dict(found).items() if name != "text"]
    console = out()
    console.print(fields_table(rows, title=f"{found['channel']} no. {found['number']}"))
    console.print()
    console.print(escape(found["text"]))
    if replies:
        console.print(_messages_table(replies, "Replies"))


@message_app.command("ack")
def message_ack(
    message: MessageArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Acknowledge receipt of a message addressed to the member's party."""
    with open_client(url, token) as client:
        entry = client.acknowledge(message)
    print_written(entry, f"Acknowledged {message}", json_output)


@message_app.command("acks")
def message_acks(
    message: MessageArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show who has acknowledged a message and who not yet."""
    with open_client(url, token) as client:
        found = client.acknowledgements(message)
    if json_output:
        print_json(found)
        return
    table = Table(title="Acknowledgements")
    table.add_column("party")
    table.add_column("acknowledged")
    for receipt in found["acknowledged"]:
        table.add_row(escape(receipt["party"]), escape(receipt["at"]))
    for party in found["pending"]:
        table.add_row(escape(party), "[yellow]not yet[/]")
    out().print(table)
