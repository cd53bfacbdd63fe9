"""Client certificates of TAK devices, each bound to one member.

A TAK device on the TLS port proves who it is with a client certificate, issued by the CA the
listener trusts (``--cot-ca``). The CA says the certificate is genuine; it does not say *whose*
it is on this record. That is this table: the SHA-256 fingerprint of the certificate (of its
DER bytes, as ``openssl x509 -fingerprint -sha256`` prints it, without colons) to the member the
device acts for. A certificate the CA signed but nobody bound is refused, and so is one whose
binding was revoked or whose member was revoked.

Why a fingerprint and not the subject name: a CA may issue two certificates with the same name,
and a name can be chosen by whoever asks for a certificate; the fingerprint is of this very
certificate. Why a credentials table and not an entry: like API tokens, the binding says how a
member is recognised, not anything the member said; what the device then reports is on the
record, signed by the node for the member.
"""

from __future__ import annotations

import hashlib
import re
import ssl
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Column, MetaData, String, Table, select, update

from liaison.domain.time import format_time, utcnow
from liaison.errors import Conflict, InvalidInput, NotFound
from liaison.services.record import RecordService

__all__ = [
    "CertificateBinding",
    "CertificateStore",
    "certificate_der",
    "fingerprint_of",
    "tak_certificates",
]

tak_certificates = Table(
    "tak_certificates",
    MetaData(),
    Column("fingerprint", String(64), primary_key=True),
    Column("member", String(32), nullable=False, index=True),
    Column("label", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

_PEM: Final = re.compile(
    rb"-----BEGIN CERTIFICATE-----\s*(.+?)\s*-----END CERTIFICATE-----", re.DOTALL
)
_FINGERPRINT: Final = re.compile(r"^[0-9a-f]{64}$")
_MAX_CERTIFICATE: Final = 64 * 1024


@dataclass(frozen=True)
class CertificateBinding:
    """A certificate bound to a member (never the certificate itself)."""

    fingerprint: str
    member: str
    label: str
    created_at: str
    revoked_at: str | None

    def to_json(self) -> dict[str, str | None]:
        return {
            "fingerprint": self.fingerprint,
            "member": self.member,
            "label": self.label,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


def _der_length(data: bytes, at: int) -> tuple[int, int]:
    """The length of the DER element whose length octets start at ``at``, and where it begins."""
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if count == 0 or count > 4 or at + 1 + count > len(data):
        raise InvalidInput("the certificate is not DER: bad length")
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def certificate_der(data: bytes) -> bytes:
    """The DER bytes of the first certificate in a PEM file (or of DER given as it is).

    Only the outer structure is checked (a SEQUENCE holding a SEQUENCE, of exactly the given
    length): enough to refuse a file that is not a certificate at all, such as a private key.
    """
    if len(data) > _MAX_CERTIFICATE:
        raise InvalidInput("a certificate file is at most 64 KiB")
    found = _PEM.search(data)
    if found is not None:
        try:
            der = ssl.PEM_cert_to_DER_cert(
                "-----BEGIN CERTIFICATE-----\n"
                + found.group(1).decode("ascii")
                + "\n-----END CERTIFICATE-----\n"
            )
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput("the PEM certificate is not valid base64") from None
    elif b"-----BEGIN" in data:
        raise InvalidInput("the file holds no CERTIFICATE block (a key is not a certificate)")
    else:
        der = data
    if len(der) < 4 or der[0] != 0x30:
        raise InvalidInput("not an X.509 certificate (PEM or DER)")
    length, body = _der_length(der, 1)
    if body + length != len(der) or der[body] != 0x30:
        raise InvalidInput("not an X.509 certificate (PEM or DER)")
    return der


def fingerprint_of(der: bytes) -> str:
    """SHA-256 of the DER bytes, lowercase hex without colons."""
    return hashlib.sha256(der).hexdigest()


def _normal_fingerprint(text: str) -> str:
    value = text.replace(":", "").strip().lower()
    if not _FINGERPRINT.match(value):
        raise InvalidInput("a fingerprint is 64 hex digits (colons allowed)")
    return value


class CertificateStore:
    """The bindings, over the node's store; every write is one short transaction."""

    def __init__(self, record: RecordService) -> None:
        self._record = record
        self._store = record.store

    def bind(self, member: str, der: bytes, label: str = "") -> CertificateBinding:
        """Bind a certificate to a member (who must be on the record and not revoked).

        Binding the same certificate to the same member again renews a revoked binding; a
        certificate bound to another member is refused: revoke that binding first.
        """
        authority = self._record.authority(member)
        if authority.revoked:
            raise InvalidInput(f"member {member} has been revoked")
        fingerprint = fingerprint_of(certificate_der(der))
        now = format_time(utcnow())
        label = label[:200]
        with self._store.write() as conn:
            row = conn.execute(
                select(tak_certificates).where(tak_certificates.c.fingerprint == fingerprint)
            ).first()
            if row is not None and row.member != member:
                raise Conflict(
                    f"this certificate is bound to member {row.member}; revoke that binding first"
                )
            if row is None:
                conn.execute(
                    tak_certificates.insert().values(
                        fingerprint=fingerprint,
                        member=member,
                        label=label,
                        created_at=now,
                        revoked_at=None,
                    )
                )
            else:
                conn.execute(
                    update(tak_certificates)
                    .where(tak_certificates.c.fingerprint == fingerprint)
                    .values(revoked_at=None, label=label or row.label)
                )
        return self.get(fingerprint)

    def revoke(self, fingerprint: str) -> CertificateBinding:
        """Revoke a binding: the certificate is refused from now on (connections using it end)."""
        value = _normal_fingerprint(fingerprint)
        with self._store.write() as conn:
            done = conn.execute(
                update(tak_certificates)
                .where(
                    tak_certificates.c.fingerprint == value,
                    tak_certificates.c.revoked_at.is_(None),
                )
                .values(revoked_at=format_time(utcnow()))
            )
        if done.rowcount == 0:
            self.get(value)  # NotFound if there is no such binding at all
        return self.get(value)

    def get(self, fingerprint: str) -> CertificateBinding:
        value = _normal_fingerprint(fingerprint)
        with self._store.read() as conn:
            row = conn.execute(
                select(tak_certificates).where(tak_certificates.c.fingerprint == value)
            ).first()
        if row is None:
            raise NotFound("no such certificate binding")
        return CertificateBinding(
            row.fingerprint, row.member, row.label, row.created_at, row.revoked_at
        )

    def bindings(self, member: str | None = None) -> list[CertificateBinding]:
        query = select(tak_certificates).order_by(tak_certificates.c.created_at)
        if member is not None:
            query = query.where(tak_certificates.c.member == member)
        with self._store.read() as conn:
            return [
                CertificateBinding(r.fingerprint, r.member, r.label, r.created_at, r.revoked_at)
                for r in conn.execute(query)
            ]

    def member_for(self, fingerprint: str) -> str | None:
        """The member a presented certificate acts for, or None (unknown, revoked, or the
        member revoked)."""
        with self._store.read() as conn:
            row = conn.execute(
                select(tak_certificates.c.member).where(
                    tak_certificates.c.fingerprint == fingerprint,
                    tak_certificates.c.revoked_at.is_(None),
                )
            ).first()
        if row is None:
            return None
        try:
            authority = self._record.authority(str(row.member))
        except NotFound:
            return None
        return None if authority.revoked else str(row.member)
