"""Who may do what: every check answers allow or deny, and why.

The reason is for the member who was refused, the logs and the audit trail;
it never names anything of another party's that the member may not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from liaison.domain.kinds import KindSpec
from liaison.domain.member import Authority
from liaison.domain.roles import Role

__all__ = ["Decision", "decide_append", "decide_role"]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def decide_role(authority: Authority | None, needed: Role, action: str, at: datetime) -> Decision:
    """Whether a member holds at least ``needed`` with a live mandate at ``at``."""
    if authority is None:
        return Decision(False, "not a member at that time")
    if authority.revoked:
        reason = f": {authority.revoked_reason}" if authority.revoked_reason else ""
        return Decision(False, f"member {authority.member} has been revoked{reason}")
    if authority.mandate.expired_at(at):
        return Decision(False, f"the mandate of {authority.member} expired")
    if authority.role < needed:
        return Decision(
            False,
            f"{action} needs the role {needed} or higher; {authority.member} is {authority.role}",
        )
    return Decision(True, f"{authority.member} is {authority.role} with a live mandate")


def decide_append(
    authority: Authority | None, spec: KindSpec, body: Mapping[str, Any], at: datetime
) -> Decision:
    """Whether a member may append an entry of this kind with this body now."""
    if spec.min_role is None:
        return Decision(False, f"{spec.name} entries are written by the node's administrator only")
    decision = decide_role(authority, spec.min_role, f"appending {spec.name}", at)
    if not decision or authority is None:
        return decision
    topic = spec.topic(body)
    if topic is not None and not authority.mandate.covers_topic(topic):
        return Decision(
            False, f"the mandate of {authority.member} does not cover the topic {topic!r}"
        )
    return Decision(True, decision.reason)
