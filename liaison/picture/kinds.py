"""The entry kinds of the operational picture, registered when this module is imported.

* ``picture.operation`` — a version of an operation (commander). An amendment, a change of
  state and a cancellation are new versions superseding the latest one.
* ``picture.unit`` — a unit's position report (officer or above: reporting where one's own
  forces are is routine staff work; committing them is not).
* ``picture.measure`` — a version of a control measure, a line or an area (commander); released
  at least to every party it binds, since a party cannot be held to a line it was not shown.
* ``picture.consent`` — the owner of a restricted area lets one operation enter it (rule 4).
* ``picture.notice`` — what the node tells one party about one conflict; written by the node,
  released to that party only.
* ``picture.acknowledge`` — a party acknowledges one revision of a conflict (commander).
* ``picture.arrangement`` — a deconfliction arrangement for one revision of a conflict.
* ``picture.sign`` — a commander's signature over an arrangement's canonical bytes, made with
  their own key on their side.

Every kind a member writes falls under the mandate topic ``coordination``. The rules that need
the record are guards in :mod:`liaison.picture.guards`, run inside the write transaction.
"""

from __future__ import annotations

from liaison.agreements.contracts import OPERATION_KINDS
from liaison.domain.kinds import KINDS, KindSpec
from liaison.domain.roles import Role
from liaison.picture import guards
from liaison.picture.bodies import (
    AcknowledgeBody,
    ArrangementBody,
    ConsentBody,
    MeasureBody,
    NoticeBody,
    OperationBody,
    SignBody,
    UnitBody,
)
from liaison.projections.picture import (
    ACKNOWLEDGE,
    ARRANGEMENT,
    CONSENT,
    MEASURE,
    NOTICE,
    OPERATION,
    SIGN,
    UNIT,
)
from liaison.services.guards import GUARDS

__all__ = ["PICTURE_TOPIC"]

#: the mandate topic every picture entry a member writes falls under
PICTURE_TOPIC = "coordination"


def _topic(_body: object) -> str:
    return PICTURE_TOPIC


for spec in (
    KindSpec(
        OPERATION,
        OperationBody,
        Role.COMMANDER,
        "A version of an operation: kind, 4D volumes, state; amendments supersede.",
        topic=_topic,
    ),
    KindSpec(
        UNIT,
        UnitBody,
        Role.OFFICER,
        "A unit's position report, current until its stale time.",
        topic=_topic,
    ),
    KindSpec(
        MEASURE,
        MeasureBody,
        Role.COMMANDER,
        "A version of a control measure: a line with permitted sides, or a restricting area.",
        topic=_topic,
    ),
    KindSpec(
        CONSENT,
        ConsentBody,
        Role.COMMANDER,
        "The owner of a restricted area consents to one operation entering it.",
        topic=_topic,
    ),
    KindSpec(
        NOTICE,
        NoticeBody,
        None,
        "What the node tells one party about one conflict, released to that party only.",
    ),
    KindSpec(
        ACKNOWLEDGE,
        AcknowledgeBody,
        Role.COMMANDER,
        "A party acknowledges one revision of a conflict it was notified of.",
        topic=_topic,
    ),
    KindSpec(
        ARRANGEMENT,
        ArrangementBody,
        Role.COMMANDER,
        "A deconfliction arrangement for a conflict, binding once each party's commander signed.",
        topic=_topic,
    ),
    KindSpec(
        SIGN,
        SignBody,
        Role.COMMANDER,
        "A commander's signature over the canonical bytes of a deconfliction arrangement.",
        topic=_topic,
    ),
):
    KINDS.register(spec)

GUARDS.register(OPERATION, guards.guard_operation)
GUARDS.register(UNIT, guards.guard_unit, reads_record=False)
GUARDS.register(MEASURE, guards.guard_measure)
GUARDS.register(CONSENT, guards.guard_consent)
GUARDS.register(NOTICE, guards.guard_notice)
GUARDS.register(ACKNOWLEDGE, guards.guard_acknowledge)
GUARDS.register(ARRANGEMENT, guards.guard_arrangement)
GUARDS.register(SIGN, guards.guard_sign)

# The compliance checker reads operations by the contract in liaison.agreements.contracts.
OPERATION_KINDS.add(OPERATION)
