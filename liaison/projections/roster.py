"""The roster: parties and members, their authority over time, and their keys."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from liaison.domain.entry import StoredEntry
from liaison.domain.roles import Role
from liaison.domain.time import format_time
from liaison.ledger.signing import b64d, key_id
from liaison.projections import PROJECTORS, Projector
from liaison.store.schema import (
    proj_member_history,
    proj_member_keys,
    proj_members,
    proj_parties,
)

__all__ = ["ROSTER"]


def _history(conn: Connection, member: str, entry: StoredEntry) -> None:
    row = conn.execute(select(proj_members).where(proj_members.c.member == member)).one()
    conn.execute(
        proj_member_history.insert().values(
            member=member,
            seq=entry.seq,
            at=format_time(entry.stamp.at),
            party=row.party,
            name=row.name,
            role=row.role,
            mandate=row.mandate,
            revoked=row.revoked,
            revoked_reason=row.revoked_reason,
        )
    )


def _add_key(conn: Connection, member: str, public_key: str, entry: StoredEntry) -> None:
    conn.execute(
        proj_member_keys.insert().values(
            member=member,
            key_id=key_id(b64d(public_key)),
            public_key=public_key,
            seq=entry.seq,
            at=format_time(entry.stamp.at),
        )
    )


def apply(conn: Connection, entry: StoredEntry) -> None:
    kind, body = entry.content.kind, entry.content.body
    if kind == "party.add":
        conn.execute(
            proj_parties.insert().values(
                party=body["party"],
                name=body["name"],
                default_release=json.dumps(body["default_release"]),
                seq=entry.seq,
            )
        )
    elif kind == "member.appoint":
        conn.execute(
            proj_members.insert().values(
                member=body["member"],
                party=body["party"],
                name=body["name"],
                role=int(Role.parse(body["role"])),
                mandate=json.dumps(body["mandate"], sort_keys=True),
                revoked=False,
                revoked_reason=None,
                seq=entry.seq,
            )
        )
        _add_key(conn, body["member"], body["public_key"], entry)
        _history(conn, body["member"], entry)
    elif kind == "member.change":
        conn.execute(
            proj_members.update()
            .where(proj_members.c.member == body["member"])
            .values(
                role=int(Role.parse(body["role"])),
                mandate=json.dumps(body["mandate"], sort_keys=True),
                seq=entry.seq,
            )
        )
        _history(conn, body["member"], entry)
    elif kind == "member.revoke":
        conn.execute(
            proj_members.update()
            .where(proj_members.c.member == body["member"])
            .values(revoked=True, revoked_reason=body["reason"], seq=entry.seq)
        )
        _history(conn, body["member"], entry)
    elif kind == "member.key":
        _add_key(conn, body["member"], body["public_key"], entry)
        conn.execute(
            proj_members.update()
            .where(proj_members.c.member == body["member"])
            .values(seq=entry.seq)
        )


ROSTER = PROJECTORS.register(
    Projector(
        name="roster",
        kinds=frozenset(
            {"party.add", "member.appoint", "member.change", "member.revoke", "member.key"}
        ),
        tables=(proj_parties, proj_members, proj_member_history, proj_member_keys),
        apply=apply,
    )
)
