"""A live-stream event when an agreement becomes binding, for its parties only."""

from __future__ import annotations

from liaison.agreements import sign_version
from liaison.store.queries import EntryFilter
from tests.conftest import World


def _terms() -> dict[str, object]:
    return {
        "title": "Machinery for coordination",
        "text": "The parties shall exchange operational information.",
        "parties": ["su", "uk"],
        "topic": "coordination",
        "provisions": [],
    }


def test_the_signature_that_completes_a_version_is_announced_to_its_parties_once(
    world: World,
) -> None:
    agreements = world.node.agreements
    draft = agreements.draft("eden", _terms())
    agreements.consult("eden", draft.id, ["su"])
    version = agreements.versions("uk", draft.id)[-1]
    for member in ("eden", "molotov"):
        signed = sign_version(world.members[member].key, draft.id, version.id, version.terms)
        agreements.sign(member, signed)
    assert agreements.status("uk", draft.id).binding
    for party in ("uk", "su"):
        notices = world.node.record.list(party, EntryFilter(kind="agreement.binding"))
        assert len(notices) == 1
        assert notices[0].content.body["version"] == version.id
    assert world.node.record.list("us", EntryFilter(kind="agreement.binding")) == []


def test_compliance_reads_the_pictures_circular_footprints() -> None:
    from liaison.agreements.regions import footprint_shape

    circle = footprint_shape(
        {"type": "Circle", "center_e7": [200_000_000, 440_000_000], "radius_mm": 5_000_000}
    )
    assert circle.contains(footprint_shape({"type": "Point", "coordinates": [20.0, 44.0]}))
    assert not circle.contains(footprint_shape({"type": "Point", "coordinates": [20.2, 44.0]}))
