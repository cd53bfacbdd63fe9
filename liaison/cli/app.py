"""The ``liaison`` command: its tree, and the one edge where library errors become exit codes.

Commands are thin: each opens the library (a node over a store, or a client
of a server) and calls its public API. Errors are handled once, here, for the
whole tree: a :class:`~liaison.errors.LiaisonError` (or a file the user named
that cannot be used) becomes one line on stderr and an exit code, and only a
genuine bug shows a traceback — without local variables, which could hold a
token or a key.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from liaison.cli import admin, agreements, meetings, member, messages, picture, record, serve
from liaison.cli.output import EXIT_REFUSED, error, exit_code
from liaison.cli.tak import member_cert
from liaison.errors import LiaisonError

__all__ = ["ADMIN_PANEL", "MEMBER_PANEL", "app", "main"]

ADMIN_PANEL = "Administration (directly on a store, as the node)"
MEMBER_PANEL = "Member commands (against a server, with a token)"

#: File errors that are the user's to fix (a path they gave), not bugs.
_USER_FILE_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


class EdgeGroup(TyperGroup):
    """The root group: turns refusals anywhere below it into a clear line and an exit code."""

    # ``ctx`` is typer's vendored click Context, which typer does not export; Any keeps the
    # override compatible without importing typer's private modules.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LiaisonError as exc:
            error(exc.detail)
            raise typer.Exit(exit_code(exc)) from None
        except _USER_FILE_ERRORS as exc:
            error(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc))
            raise typer.Exit(EXIT_REFUSED) from None


app = typer.Typer(
    name="liaison",
    cls=EdgeGroup,
    help="Liaison: a signed, releasable, verifiable record for parties that coordinate "
    "without a common chain of command.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

app.command(rich_help_panel=ADMIN_PANEL)(admin.init)
app.add_typer(admin.party_app, name="party", rich_help_panel=ADMIN_PANEL)
app.add_typer(member.member_app, name="member", rich_help_panel=ADMIN_PANEL)
member.member_app.command("cert")(member_cert)
app.command(rich_help_panel=ADMIN_PANEL)(admin.verify)
app.command(rich_help_panel=ADMIN_PANEL)(admin.export)
app.command(rich_help_panel=ADMIN_PANEL)(admin.rebuild)
app.command(rich_help_panel=ADMIN_PANEL)(serve.serve)
app.command(rich_help_panel=ADMIN_PANEL)(serve.demo)

app.command(rich_help_panel=MEMBER_PANEL)(record.whoami)
app.command(rich_help_panel=MEMBER_PANEL)(record.append)
app.command("list", rich_help_panel=MEMBER_PANEL)(record.list_entries)
app.command(rich_help_panel=MEMBER_PANEL)(record.show)
app.command(rich_help_panel=MEMBER_PANEL)(record.follow)
app.command(rich_help_panel=MEMBER_PANEL)(record.checkpoint)
app.add_typer(record.proof_app, name="proof", rich_help_panel=MEMBER_PANEL)
app.command(rich_help_panel=MEMBER_PANEL)(record.kinds)
app.add_typer(picture.picture_app, name="picture", rich_help_panel=MEMBER_PANEL)
app.add_typer(messages.channel_app, name="channel", rich_help_panel=MEMBER_PANEL)
app.add_typer(messages.message_app, name="message", rich_help_panel=MEMBER_PANEL)
app.add_typer(agreements.agreement_app, name="agreement", rich_help_panel=MEMBER_PANEL)
app.command(rich_help_panel=MEMBER_PANEL)(agreements.obligations)
app.add_typer(agreements.compliance_app, name="compliance", rich_help_panel=MEMBER_PANEL)
app.command(rich_help_panel=MEMBER_PANEL)(agreements.breaches)
app.add_typer(agreements.breach_app, name="breach", rich_help_panel=MEMBER_PANEL)
app.add_typer(meetings.meeting_app, name="meeting", rich_help_panel=MEMBER_PANEL)
app.add_typer(meetings.account_app, name="account", rich_help_panel=MEMBER_PANEL)
app.add_typer(meetings.agreed_record_app, name="agreed-record", rich_help_panel=MEMBER_PANEL)


def main() -> None:
    """The console script's entry point (``liaison = "liaison.cli:main"``)."""
    app()
