"""The registry of entry kinds.

Each capability (the record itself, the operational picture, agreements,
messages, ...) registers the kinds of entry it writes: the schema of the body,
the least role that may append it, and which mandate topic it falls under.
The service layer consults the registry on every append, so an unknown kind,
a body that does not fit, or an author without the authority is refused before
anything is written.

Kinds whose ``min_role`` is ``None`` are administrative: only the node itself
writes them (``liaison party add`` and ``liaison member add`` run on the store
as the node), never a member through the API.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from liaison.domain.mandate import Mandate, check_topic
from liaison.domain.party import ALL_PARTIES, check_identifier
from liaison.domain.roles import Role
from liaison.errors import InvalidBody, UnknownKind
from liaison.ledger.canonical import FrozenDict, freeze
from liaison.ledger.signing import BadKeyError, check_public_key

__all__ = ["KINDS", "Body", "KindRegistry", "KindSpec", "ValidBody"]


class Body(BaseModel):
    """Base of every body schema: strict, closed, and float-free."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    @classmethod
    def fast_normal(cls, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """The normal form of ``data`` computed without the model, or None to use the model.

        A schema on the hot path (a unit report, a TAK report) overrides this for the inputs
        it sees there. The contract, which a property test checks for each override: when this
        returns a value, the model validates ``data`` too, to the very same normal form; any
        input it is not sure of gets None (never an error), and the model decides. What it
        returns holds only :class:`~liaison.ledger.canonical.FrozenDict` and ``FrozenList``
        containers, strings, ``None``, ``bool`` and safe integers.
        """
        return None


class ValidBody(FrozenDict):
    """A body as :meth:`KindSpec.validate` returned it: the normal form, frozen at every depth,
    with the spec that validated it.

    Why a type: the writer checks every body it appends, and a body already validated by the
    same spec (the ingest's unit reports, the picture service's bodies) need not be validated
    again. Only :meth:`KindSpec.validate` makes one, and it cannot be changed afterwards, so it
    is still what was validated; a body that came from JSON (the API, a member's signed
    content) is a plain ``dict`` and always validated in the writer.
    """

    __slots__ = ("spec",)

    spec: KindSpec


@dataclass(frozen=True)
class KindSpec:
    name: str
    body: type[Body]
    #: the least role that may append this kind; None = the node only
    min_role: Role | None
    description: str
    #: the mandate topic a body falls under (None = no topic check)
    topic: Callable[[Mapping[str, Any]], str | None] = lambda body: None

    def validate(self, body: Any) -> ValidBody:
        """Validate a body and return its normal form (what is signed), frozen."""
        if not isinstance(body, Mapping):
            raise InvalidBody(f"the body of a {self.name} entry must be a JSON object")
        fast = self.body.fast_normal(body)
        if fast is not None:
            valid = ValidBody(fast)
            valid._plain = True  # by the contract of fast_normal
        else:
            valid = ValidBody({key: freeze(item) for key, item in self.normal(body).items()})
        valid.spec = self
        return valid

    def validated(self, body: object) -> TypeGuard[ValidBody]:
        """Whether ``body`` is this spec's own :meth:`validate` result (no need to check it)."""
        return type(body) is ValidBody and getattr(body, "spec", None) is self

    def normal(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The model's normal form of ``body`` (plain, mutable); InvalidBody if it does not fit."""
        try:
            model = self.body.model_validate(dict(body))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
                for err in exc.errors()
            )
            raise InvalidBody(
                f"the body does not fit kind {self.name!r}: {problems}", kind=self.name
            ) from None
        return model.model_dump(mode="json", exclude_none=False)


class KindRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, KindSpec] = {}

    def register(self, spec: KindSpec) -> KindSpec:
        if spec.name in self._kinds and self._kinds[spec.name] is not spec:
            raise ValueError(f"entry kind {spec.name!r} is registered twice")
        self._kinds[spec.name] = spec
        return spec

    def get(self, name: str) -> KindSpec:
        try:
            return self._kinds[name]
        except KeyError:
            raise UnknownKind(
                f"unknown entry kind {name!r}; known kinds: {', '.join(sorted(self._kinds))}",
                kind=name,
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[KindSpec]:
        return iter(sorted(self._kinds.values(), key=lambda s: s.name))


KINDS = KindRegistry()


# --- the record's own kinds -------------------------------------------------------------


def _identifier(what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        return check_identifier(value, what)

    return check


def _public_key(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raise ValueError("public_key must be base64") from None
    try:
        check_public_key(raw)
    except BadKeyError as exc:
        raise ValueError(str(exc)) from None
    return value


class GenesisBody(Body):
    origin: str = Field(min_length=1, max_length=200)
    node_key: str

    _key = field_validator("node_key")(_public_key)


class PartyAddBody(Body):
    party: str
    name: str = Field(min_length=1, max_length=200)
    #: parties this party's entries are released to when the author names none
    default_release: list[str] = Field(default_factory=list)

    _party = field_validator("party")(_identifier("party id"))

    @field_validator("default_release")
    @classmethod
    def _release(cls, value: list[str]) -> list[str]:
        return sorted({p if p == ALL_PARTIES else check_identifier(p, "party id") for p in value})


class MandateBody(Body):
    topics: list[str] = Field(default_factory=list)
    areas: list[dict[str, Any]] = Field(default_factory=list)
    expires: str | None = None

    @field_validator("topics")
    @classmethod
    def _topics(cls, value: list[str]) -> list[str]:
        return sorted({check_topic(t) for t in value})

    def to_mandate(self) -> Mandate:
        return Mandate.from_json(self.model_dump())


def _mandate(value: Any) -> dict[str, Any]:
    try:
        return Mandate.from_json(MandateBody.model_validate(value).model_dump()).to_json()
    except ValueError as exc:
        raise ValueError(f"invalid mandate: {exc}") from None


def _role(value: str) -> str:
    return str(Role.parse(value))


class MemberAppointBody(Body):
    member: str
    party: str
    name: str = Field(min_length=1, max_length=200)
    role: str
    mandate: dict[str, Any]
    public_key: str

    _member = field_validator("member")(_identifier("member id"))
    _party = field_validator("party")(_identifier("party id"))
    _r = field_validator("role")(_role)
    _m = field_validator("mandate", mode="before")(_mandate)
    _k = field_validator("public_key")(_public_key)


class MemberChangeBody(Body):
    member: str
    role: str
    mandate: dict[str, Any]

    _member = field_validator("member")(_identifier("member id"))
    _r = field_validator("role")(_role)
    _m = field_validator("mandate", mode="before")(_mandate)


class MemberRevokeBody(Body):
    member: str
    reason: str = Field(min_length=1, max_length=2000)

    _member = field_validator("member")(_identifier("member id"))


class MemberKeyBody(Body):
    member: str
    public_key: str

    _member = field_validator("member")(_identifier("member id"))
    _k = field_validator("public_key")(_public_key)


class NoteBody(Body):
    text: str = Field(min_length=1, max_length=65536)
    topic: str | None = None

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str | None) -> str | None:
        return None if value is None else check_topic(value)


GENESIS = KINDS.register(
    KindSpec(
        "node.genesis", GenesisBody, None, "The first entry: the node's origin name and public key."
    )
)
PARTY_ADD = KINDS.register(KindSpec("party.add", PartyAddBody, None, "A party joins the record."))
MEMBER_APPOINT = KINDS.register(
    KindSpec(
        "member.appoint",
        MemberAppointBody,
        None,
        "A member is appointed for a party with a role, a mandate and a public key.",
    )
)
MEMBER_CHANGE = KINDS.register(
    KindSpec("member.change", MemberChangeBody, None, "A member's role and mandate change.")
)
MEMBER_REVOKE = KINDS.register(
    KindSpec("member.revoke", MemberRevokeBody, None, "A member's authority is revoked.")
)
MEMBER_KEY = KINDS.register(
    KindSpec(
        "member.key",
        MemberKeyBody,
        None,
        "A member's key is rotated; signatures made with the old key stay valid.",
    )
)
NOTE = KINDS.register(
    KindSpec(
        "note",
        NoteBody,
        Role.OFFICER,
        "Free text put on the record by a member, optionally on a topic.",
        topic=lambda body: body.get("topic"),
    )
)

#: Kinds that describe who may act: released to every party, so that every
#: party can check every signature and every member's authority.
ROSTER_KINDS = frozenset(
    {"node.genesis", "party.add", "member.appoint", "member.change", "member.revoke", "member.key"}
)
