"""TAK devices on the record: Cursor on Target in and out, drafts, certificates, KML.

How the parts fit, from the wire inwards (the pure CoT layer is :mod:`liaison.cot`):

* :mod:`~liaison.tak.listener` — the asyncio TCP and TLS servers ``liaison serve`` starts
  beside the HTTP API; each connection is bound to one member (a port bound to a member, or a
  client certificate bound to one), framed, parsed, and fed to the ingest in batches.
* :mod:`~liaison.tak.ingest` — events to entries through the services: positions become
  ``picture.unit`` reports (with the event kept as a ``tak.report``), drawings, routes and
  markers become ``tak.draft`` entries for the party to confirm, deletes and pings are handled.
  :mod:`~liaison.tak.mapping` is the pure part: unit ids, the release an event asks for, bodies.
* :mod:`~liaison.tak.kinds` — the two entry kinds, their guards and projections.
* :mod:`~liaison.tak.drafts` — listing, confirming (as an operation or control measure,
  through the picture service) and discarding drafts.
* :mod:`~liaison.tak.outbound` and :mod:`~liaison.tak.render` — what each connected device
  receives: the entries released to its party, read as that party, rendered as CoT.
* :mod:`~liaison.tak.kml` — the picture as KML for Google Earth and ATAK, as a party sees it.
* :mod:`~liaison.tak.certs` — client certificate fingerprints bound to members.
* :mod:`~liaison.tak.service` — one :class:`Tak` per node, shared by the API and the listener.

``docs/tak.md`` describes the mapping decisions, the limits and how to connect a device.
"""

from liaison.tak.certs import CertificateBinding, CertificateStore, certificate_der, fingerprint_of
from liaison.tak.drafts import DraftDesk
from liaison.tak.ingest import Ingest, Outcome
from liaison.tak.kinds import DRAFT, REPORT
from liaison.tak.kml import picture_kml
from liaison.tak.listener import ConnectionLog, CotListener, ListenerConfig, serve_with_listener
from liaison.tak.mapping import TakError, release_of, unit_id_of
from liaison.tak.service import Tak, tak_for

__all__ = [
    "DRAFT",
    "REPORT",
    "CertificateBinding",
    "CertificateStore",
    "ConnectionLog",
    "CotListener",
    "DraftDesk",
    "Ingest",
    "ListenerConfig",
    "Outcome",
    "Tak",
    "TakError",
    "certificate_der",
    "fingerprint_of",
    "picture_kml",
    "release_of",
    "serve_with_listener",
    "tak_for",
    "unit_id_of",
]
