"""Agreements against a server: ``agreement``, ``obligations``, ``compliance``, ``breach(es)``.

Every command goes through :class:`liaison.Client` with the member's token;
the CLI has no rules of its own (``docs/agreements.md`` says what the server
checks). Terms are a JSON object in a file (``--terms-file``, '-' for stdin).
Signing happens here, on the member's machine, with the member's own key file
(``--key``): the server receives a signature, never the key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from liaison.cli.connect import open_client
from liaison.cli.messages import fields_table, print_written, read_json_object
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

__all__ = ["agreement_app", "breach_app", "breaches", "compliance_app", "obligations"]

agreement_app = typer.Typer(
    help="Agreements: draft, consult, answer, sign on this side, and see whether they bind.",
    no_args_is_help=True,
)
compliance_app = typer.Typer(
    help="Obligations checked against the record, for a period.", no_args_is_help=True
)
breach_app = typer.Typer(help="Recorded breaches of obligations.", no_args_is_help=True)

AgreementArg = Annotated[
    str, typer.Argument(metavar="AGREEMENT", help="The agreement's id (its first draft's).")
]
VersionArg = Annotated[str, typer.Argument(metavar="VERSION", help="A version's entry id.")]
TermsFileOption = Annotated[
    Path,
    typer.Option(
        "--terms-file",
        metavar="FILE",
        help="The terms as a JSON object: title, text, parties, topic, provisions, ends "
        "('-' for stdin).",
    ),
]
VersionOption = Annotated[
    str | None,
    typer.Option("--version", metavar="VERSION", help="This version (default: the latest)."),
]
AtOption = Annotated[
    str | None,
    typer.Option("--at", metavar="TIME", help="As of this ISO 8601 instant (default: now)."),
]
AgreementOption = Annotated[
    str | None, typer.Option("--agreement", metavar="AGREEMENT", help="Only this agreement.")
]


def _terms(path: Path) -> dict[str, Any]:
    return read_json_object(path, "--terms-file")


# --- writing -----------------------------------------------------------------------------


@agreement_app.command("draft")
def draft(
    terms_file: TermsFileOption,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Draft an agreement (private to the member's party); its id is the agreement's id."""
    terms = _terms(terms_file)
    with open_client(url, token) as client:
        entry = client.draft_agreement(terms)
    print_written(entry, "Drafted agreement", json_output)


@agreement_app.command("revise")
def revise(
    agreement: AgreementArg,
    supersedes: Annotated[
        str, typer.Argument(metavar="VERSION", help="The draft version this one revises.")
    ],
    terms_file: TermsFileOption,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Make a new version of the party's own draft; the old one stays readable."""
    terms = _terms(terms_file)
    with open_client(url, token) as client:
        entry = client.revise_agreement(agreement, supersedes, terms)
    print_written(entry, "Revised: the new version is", json_output)


@agreement_app.command("amend")
def amend(
    agreement: AgreementArg,
    base: Annotated[str, typer.Argument(metavar="BASE", help="The version this amends.")],
    terms_file: TermsFileOption,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Put forward an amended version (a party of the agreement; released to its parties)."""
    terms = _terms(terms_file)
    with open_client(url, token) as client:
        entry = client.amend_agreement(agreement, base, terms)
    print_written(entry, "Proposed amendment", json_output)


@agreement_app.command("consult")
def consult(
    agreement: AgreementArg,
    to: Annotated[
        list[str],
        typer.Option("--to", metavar="PARTY", help="A party to consult (repeat for several)."),
    ],
    version: VersionOption = None,
    note: Annotated[
        str | None, typer.Option("--note", metavar="TEXT", help="A note with the version.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Put a version to named parties; the record shows when it reached each."""
    with open_client(url, token) as client:
        entry = client.consult(agreement, to, version=version, note=note)
    print_written(entry, f"Consulted {', '.join(to)}", json_output)


@agreement_app.command("answer")
def answer(
    agreement: AgreementArg,
    version: VersionArg,
    stance: Annotated[
        str,
        typer.Argument(metavar="STANCE", help="accept, reject, reserve or propose_amendment."),
    ],
    reasons: Annotated[str, typer.Option("--reasons", metavar="TEXT", help="Why.")],
    amendment: Annotated[
        str | None,
        typer.Option(
            "--amendment", metavar="ID", help="The amendment proposed (propose_amendment)."
        ),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Answer a version with the party's position and reasons."""
    with open_client(url, token) as client:
        entry = client.answer(agreement, version, stance, reasons, amendment=amendment)
    print_written(entry, f"Answered: {stance}", json_output)


@agreement_app.command("sign")
def sign(
    agreement: AgreementArg,
    version: VersionOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    key: KeyOption = DEFAULT_KEY,
    json_output: JsonOption = False,
) -> None:
    """Sign one exact version with the member's own key file, on this machine."""
    if not key:
        raise InvalidInput("signing needs the member's key file: pass --key or set LIAISON_KEY")
    with open_client(url, token, key) as client:
        entry = client.sign_agreement(agreement, version)
    print_written(entry, f"Signed version {entry['body']['version']}", json_output)


# --- reading -----------------------------------------------------------------------------


@agreement_app.command("list")
def list_agreements(
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the agreements the member's party may see, with their state."""
    with open_client(url, token) as client:
        found = client.agreements()

    def row(a: Any) -> Sequence[str]:
        return (
            f"{escape(a['title'])}\n[dim]{escape(a['agreement'])}[/]",
            escape(a["topic"]),
            escape(", ".join(a["parties"])),
            escape(a["state"]),
        )

    print_rows(
        found,
        f"{len(found)} agreements",
        ("title / id", "topic", "parties", "state"),
        row,
        json_output,
    )


@agreement_app.command("versions")
def versions(
    agreement: AgreementArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List every version the member may read, oldest first."""
    with open_client(url, token) as client:
        found = client.agreement_versions(agreement)

    def row(v: Any) -> Sequence[str]:
        return (
            str(v["seq"]),
            escape(v["kind"]),
            escape(f"{v['party']}/{v['author']}"),
            f"{escape(str(v['terms'].get('title')))}\n[dim]{escape(v['version'])}[/]",
        )

    print_rows(
        found, f"{len(found)} versions", ("seq", "kind", "by", "title / version"), row, json_output
    )


@agreement_app.command("positions")
def positions(
    agreement: AgreementArg,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the parties' answers the member may read, in record order."""
    with open_client(url, token) as client:
        found = client.positions(agreement)

    def row(entry: Any) -> Sequence[str]:
        b = entry["body"]
        return (
            str(entry["seq"]),
            escape(str(entry["party"])),
            escape(b["stance"]),
            escape(b["version"]),
            escape(b["reasons"]),
        )

    print_rows(
        found,
        f"{len(found)} positions",
        ("seq", "party", "stance", "version", "reasons"),
        row,
        json_output,
    )


def _status_table(status: Mapping[str, Any]) -> Table:
    signed = ", ".join(sorted(p for p, refs in status["signed"].items() if refs)) or "—"
    table = fields_table(
        [
            ("agreement", status["agreement"]),
            ("title", status["title"]),
            ("version", status["version"]),
            ("topic", status["topic"]),
            ("parties", status["parties"]),
            ("state", status["state"].upper()),
            ("signed for", signed),
            ("missing", status["missing"]),
        ]
    )
    for s in status["signatures"]:
        verdict = (
            "counts"
            if s["counts"]
            else "does not count: " + "; ".join(r["text"] for r in s["reasons"])
        )
        table.add_row("signature", escape(f"{s['signer']} ({s['party']}) at {s['at']}: {verdict}"))
    return table


@agreement_app.command("status")
def status(
    agreement: AgreementArg,
    version: Annotated[
        str | None,
        typer.Option(
            "--version",
            metavar="VERSION",
            help="This version (default: the one that bound, or the latest).",
        ),
    ] = None,
    at: AtOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show whether the agreement binds, and if not which signatures are missing and why."""
    with open_client(url, token) as client:
        found = client.agreement_status(agreement, version=version, at=at)
    if json_output:
        print_json(found)
        return
    out().print(_status_table(found))


@agreement_app.command("consulted")
def consulted(
    agreement: AgreementArg,
    at: AtOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Show who has been consulted on the agreement, when, and who not yet."""
    with open_client(url, token) as client:
        found = client.consultations(agreement, at=at)
    if json_output:
        print_json(found)
        return
    table = Table(title=f"Consultations on {agreement}")
    for column in ("party", "first reached", "on the latest version"):
        table.add_column(column, overflow="fold")
    for reach in found["reached"]:
        latest = reach["on_latest_version"]
        table.add_row(
            escape(reach["party"]),
            escape(reach["first"]["at"]),
            escape(latest["at"]) if latest else "[yellow]not yet[/]",
        )
    for party in found["not_yet"]:
        table.add_row(escape(party), "[yellow]not yet[/]", "[yellow]not yet[/]")
    out().print(table)


def obligations(
    agreement: AgreementOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the obligations of every agreement that binds now, as the party sees it."""
    with open_client(url, token) as client:
        found = client.obligations(agreement)

    def row(o: Any) -> Sequence[str]:
        duty = o["obligation"]
        return (
            escape(o["title"]),
            escape(o["provision"]),
            escape(f"{duty.get('id')}: {duty.get('rule')}"),
            escape(str(duty.get("party"))),
            escape(o["binding_since"]["at"]),
        )

    print_rows(
        found,
        f"{len(found)} obligations",
        ("agreement", "provision", "rule", "party", "binding since"),
        row,
        json_output,
    )


@compliance_app.command("report")
def compliance_report(
    start: Annotated[
        str | None,
        typer.Option("--from", metavar="TIME", help="From this ISO 8601 instant (default: ever)."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", metavar="TIME", help="To this ISO 8601 instant (default: now)."),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Check the agreements the party is bound by against the record, for a period."""
    with open_client(url, token) as client:
        report = client.compliance(start, end)
    if json_output:
        print_json(report)
        return
    console = out()
    period = f"{report['start'] or 'the beginning'} to {report['end'] or report['now']}"
    console.print(
        f"Compliance from {escape(period)}: {len(report['agreements'])} binding agreements "
        f"with obligations, {len(report['findings'])} findings"
    )
    console.print(f"[dim]Times trusted: {escape(report['trusted_time'])}[/]")
    if report["findings"]:
        table = Table()
        for column in ("at", "rule", "party", "what was missing"):
            table.add_column(column, overflow="fold")
        for f in report["findings"]:
            table.add_row(
                escape(str(f.get("at"))),
                escape(f"{f.get('obligation')}: {f.get('rule')}"),
                escape(str(f.get("party"))),
                escape(str(f.get("missing"))),
            )
        console.print(table)


def breaches(
    agreement: AgreementOption = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """List the breaches the party may read, each with its disputes."""
    with open_client(url, token) as client:
        found = client.breaches(agreement)

    def row(b: Any) -> Sequence[str]:
        return (
            escape(b["at"]),
            escape(f"{b['obligation']}: {b['rule']}"),
            escape(b["party"]),
            f"{escape(b['missing'])}\n[dim]{escape(b['entry'])}[/]",
            str(len(b["disputes"])),
        )

    print_rows(
        found,
        f"{len(found)} breaches",
        ("at", "rule", "party", "what was missing / id", "disputes"),
        row,
        json_output,
    )


@breach_app.command("dispute")
def dispute(
    breach: Annotated[str, typer.Argument(metavar="BREACH", help="The breach entry's id.")],
    reasons: Annotated[str, typer.Option("--reasons", metavar="TEXT", help="Why.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = DEFAULT_TOKEN,
    json_output: JsonOption = False,
) -> None:
    """Dispute a recorded breach; the dispute is on the record too."""
    with open_client(url, token) as client:
        entry = client.dispute(breach, reasons)
    print_written(entry, f"Disputed breach {breach}", json_output)
