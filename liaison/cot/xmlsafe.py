"""The one place where CoT bytes meet an XML parser.

CoT comes off the network from anyone who can open a socket, so the parser is
set up to refuse everything that turns a few bytes into a lot of work or a
network or file access. The parser is libxml2 (through lxml), run with
``resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False``,
comments and processing instructions dropped:

* **No DTDs at all.** A document whose bytes contain ``<!DOCTYPE`` (the only way
  to begin one; the bytes are always read as UTF-8, so nothing can hide it) is
  first read by a parser that stops at the moment libxml2 reports the
  declaration, before any internal subset is read: ``dtd_forbidden``. That
  refuses billion-laughs and quadratic-blowup entity bombs, external entities,
  parameter entities and external DTDs together; CoT never uses a DTD. (When
  the text turns out to be in a comment or CDATA section, the document is
  parsed as usual.) The parser's own settings are a second line: even a DTD
  would not load, expand an entity or reach the network. ``entity_forbidden``
  and ``external_reference_forbidden`` stay in the error codes for that line.
* **Undefined entities** (``&foo;``) are a well-formedness error, as without a DTD
  only the five predefined ones exist.
* **Nothing is fetched or applied later either**: XInclude elements and
  ``<?xml-stylesheet?>`` instructions are inert data (lxml applies neither unless
  asked; instructions are dropped), so a detail child may carry them harmlessly.
* **Limits on shape**: depth, element count and attributes per element are
  checked on the tree *after* the parse. That is safe because the caller has
  already bounded the byte size (so the tree is bounded too), and libxml2 stops
  by itself at 256 levels; it is exact, because a document that breaks a limit
  is walked in document order to find the first element that breaks one, and a
  document that is also malformed is re-read by a stopping parser, so the first
  problem in the bytes is the one reported, as before. Depth matters twice:
  Python's ElementTree serialiser is recursive, and canonicalising a detail child
  must never hit the recursion limit.
* **Text is always read as UTF-8**, whatever the XML declaration says, because
  CoT streams are 8-bit and real clients mislabel them (the declared encoding is
  reported so the caller can record the mislabelling).

This is libxml2, not a hand-written parser; the only lexical looks at raw bytes
are cheap substring tests and counts (``<!DOCTYPE``, namespaces, quotes, the
number of ``<`` that bounds the tree), the declared encoding read from a
declaration libxml2 has already accepted, and :func:`_single_quoted`, which
finds single-quoted attributes in a document libxml2 has already accepted, to
record that wart. Each thread keeps one tree parser (lxml parsers are not to be
shared between threads); a parse that fails replaces it. Refusals carry
libxml2's own wording. libxml2 reads names by XML 1.0's fifth edition, so a few
more characters are allowed in names than expat allowed (never in text), and
it refuses an XML declaration whose version is not ``1.x``.

How detail XML is made canonical is :mod:`liaison.cot.canonical`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, Protocol

from lxml import etree

from liaison.cot.errors import CotError, CotErrorCode

__all__ = [
    "DEFAULT_LIMITS",
    "ParsedXml",
    "XmlElement",
    "XmlLimits",
    "parse_document",
]


class XmlElement(Protocol):
    """What the CoT code reads from an element; lxml's and ElementTree's both fit."""

    @property
    def tag(self) -> str: ...

    @property
    def text(self) -> str | None: ...

    @property
    def tail(self) -> str | None: ...

    @property
    def attrib(self) -> Mapping[str, str]: ...

    def get(self, key: str, default: None = None) -> str | None: ...

    def items(self) -> Iterable[tuple[str, str]]: ...

    def find(self, path: str) -> XmlElement | None: ...

    def iter(self) -> Iterator[XmlElement]: ...

    def __iter__(self) -> Iterator[XmlElement]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class XmlLimits:
    """How big a document's tree may be; exact, as if counted during the parse.

    libxml2 refuses nesting beyond 256 levels whatever ``max_depth`` says
    (reported as ``too_deep`` too).
    """

    max_depth: int = 32
    max_elements: int = 10_000
    max_attributes: int = 256


#: Limits for a whole ``<event>``. ATAK's deepest real detail (a KML style inside
#: a ``<shape><link>``) is 7 levels below ``<event>``; 32 leaves room for plug-ins.
DEFAULT_LIMITS: Final = XmlLimits()

#: Fewest bytes one attribute takes in a start tag (`` a=""``): a document shorter
#: than this many bytes per allowed attribute cannot have too many on one element.
_MIN_ATTRIBUTE_BYTES: Final = 5


class ParsedXml(NamedTuple):
    """A parsed document and what its raw text said that the tree does not show.

    ``namespaced`` is False when the bytes cannot hold a namespaced name (no
    ``xmlns``, no ``xml:``), so every element is plain and canonicalising needs
    no check. (A named tuple rather than a dataclass: one is made per event.)
    """

    root: XmlElement
    declared_encoding: str | None
    single_quoted: bool
    namespaced: bool = True


def _new_parser(**options: Any) -> Any:
    return etree.XMLParser(
        encoding="utf-8",
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        **options,
    )


class _Parsers(threading.local):
    """One tree parser per thread: an lxml parser serialises the threads that share it."""

    def __init__(self) -> None:
        self.tree = _new_parser()


_PARSERS: Final = _Parsers()


class _Stop(Exception):
    """Raised from the checking parser's callbacks at the first problem."""

    def __init__(self, code: CotErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: CotErrorCode = code
        self.message = message


def _too_deep(limits: XmlLimits) -> _Stop:
    return _Stop("too_deep", f"elements are nested more than {limits.max_depth} deep")


def _too_many_elements(limits: XmlLimits) -> _Stop:
    return _Stop("too_many_elements", f"more than {limits.max_elements} elements")


def _too_many_attributes(tag: str, count: int, limits: XmlLimits) -> _Stop:
    return _Stop(
        "too_many_attributes",
        f"<{tag}> has {count} attributes, more than {limits.max_attributes}",
    )


class _Shape:
    """Depth and element count in document order, stopping at the first limit broken."""

    def __init__(self, limits: XmlLimits) -> None:
        self.limits = limits
        self.depth = 0
        self.elements = 0

    def start(self, tag: str, attributes: int) -> None:
        self.depth += 1
        self.elements += 1
        if self.depth > self.limits.max_depth:
            raise _too_deep(self.limits)
        if self.elements > self.limits.max_elements:
            raise _too_many_elements(self.limits)
        if attributes > self.limits.max_attributes:
            raise _too_many_attributes(tag, attributes, self.limits)

    def end(self) -> None:
        self.depth -= 1


class _FirstProblem:
    """A parser target that stops at a DTD or a broken limit, whichever comes first.

    Used only for documents that name a DOCTYPE or that the tree parser
    refused, so that such a document is reported by its first problem, and a
    DTD is refused before its internal subset is read.
    """

    def __init__(self, limits: XmlLimits) -> None:
        self._shape = _Shape(limits)

    def doctype(self, name: str | None, _public: str | None, _system: str | None) -> None:
        raise _Stop(
            "dtd_forbidden",
            f"a document type declaration (<!DOCTYPE {name}>) is not allowed in CoT",
        )

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self._shape.start(tag, len(attrib))

    def end(self, _tag: str) -> None:
        self._shape.end()

    def data(self, _text: str) -> None:
        pass

    def close(self) -> None:
        return None


def _malformed(exc: Exception) -> CotError:
    """A libxml2 refusal as ``malformed_xml``, or ``too_deep`` for its own depth limit."""
    message = str(getattr(exc, "msg", None) or exc)
    position = getattr(exc, "position", None)
    if getattr(exc, "code", None) == etree.ErrorTypes.ERR_RESOURCE_LIMIT and "depth" in message:
        return CotError("too_deep", f"elements are nested too deep for the parser: {message}")
    if isinstance(position, tuple) and len(position) == 2:
        line, column = position
        message = message.removesuffix(f", line {line}, column {column}")
        return CotError(
            "malformed_xml", f"not well-formed XML at line {line}, column {column}: {message}"
        )
    return CotError("malformed_xml", f"not well-formed XML: {message}")


def _check_first_problem(data: bytes, limits: XmlLimits) -> None:
    """Read ``data`` with callbacks, raising the first DTD, limit or syntax problem in it."""
    parser = _new_parser(target=_FirstProblem(limits))
    try:
        etree.fromstring(data, parser)
    except _Stop as exc:
        raise CotError(exc.code, exc.message) from None
    except (etree.LxmlError, ValueError) as exc:
        raise _malformed(exc) from None


def _check_shape(root: XmlElement, data: bytes, limits: XmlLimits) -> None:
    """Enforce ``limits`` on the tree parsed from ``data``, exactly.

    :func:`parse_document` calls this only when a cheap bound does not settle
    it: every element has a ``<`` of its own, so a document with few of them
    has few elements and little depth, and every attribute takes a few bytes,
    so a short one cannot have too many on one element. The tree is measured
    level by level, and only a tree over a limit is walked in document order,
    to report the first element that broke one as the parse would have.
    """
    wide = len(data) >= _MIN_ATTRIBUTE_BYTES * (limits.max_attributes + 1)
    level: list[XmlElement] = [root]
    depth = elements = 0
    over = False
    while level and not over:
        depth += 1
        elements += len(level)
        over = depth > limits.max_depth or elements > limits.max_elements
        if wide and not over:
            over = any(len(node.attrib) > limits.max_attributes for node in level)
        level = [child for node in level for child in node]
    if not over:
        return
    shape = _Shape(limits)
    try:
        for event, element in etree.iterwalk(root, events=("start", "end")):
            if event == "start":
                shape.start(element.tag, len(element.attrib))
            else:
                shape.end()
    except _Stop as exc:
        raise CotError(exc.code, exc.message) from None


#: The declarations ATAK and Liaison write, recognised without a regular expression.
_USUAL_DECLARATIONS: Final = (
    b'<?xml version="1.0" encoding="UTF-8"',
    b"<?xml version='1.0' encoding='UTF-8'",
)
_DECLARED_ENCODING: Final = re.compile(
    rb"(?:\xef\xbb\xbf)?<\?xml\s+version\s*=\s*(?:\"[^\"]*\"|'[^']*')"
    rb"\s+encoding\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"
)
#: In a well-formed document: skip comments, CDATA and processing instructions
#: (where ``<`` may stand for anything), and match a start tag up to its first
#: single-quoted attribute value, past any double-quoted ones.
_SINGLE_QUOTED: Final = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"|(<[^\s/>!?][^\s/>]*(?:\s+[^\s=/>]+\s*=\s*\"[^\"]*\")*\s+[^\s=/>]+\s*=\s*')",
    re.DOTALL,
)


def _declared_encoding(data: bytes) -> str | None:
    """The encoding the XML declaration names, as written; only after libxml2 accepted it."""
    for usual in _USUAL_DECLARATIONS:
        if data.startswith(usual):
            return "UTF-8"
    found = _DECLARED_ENCODING.match(data)
    if found is None:
        return None
    name = found.group(1) if found.group(1) is not None else found.group(2)
    return bytes(name).decode("utf-8", "replace")


def _single_quoted(data: bytes) -> bool:
    """Whether any start tag of the (well-formed) document has a single-quoted attribute."""
    # find(), not `in`, for bytes here: bytes.__contains__ first tries its
    # argument as an integer and builds (then drops) a TypeError every time.
    if data.find(b"'") == -1:
        return False
    return any(found.group(1) for found in _SINGLE_QUOTED.finditer(data))


def parse_document(
    data: bytes, limits: XmlLimits = DEFAULT_LIMITS, *, inspect_quotes: bool = True
) -> ParsedXml:
    """Parse ``data`` as one XML document, safely; every failure is a :class:`CotError`.

    The caller has already checked the size and that ``data`` is UTF-8.
    ``inspect_quotes=False`` skips the single-quote check, which only matters
    for bytes that came off the wire.
    """
    if data.find(b"<!DOCTYPE") != -1:
        _check_first_problem(data, limits)  # refuses any real DOCTYPE before its subset
    parser = _PARSERS.tree
    try:
        # feed() and close() rather than fromstring(): the same libxml2 parse,
        # with less setting up around it per call.
        parser.feed(data)
        root: XmlElement = parser.close()
    except BaseException as exc:
        # A feed parser that failed is replaced, so that nothing of this
        # document can ever be taken as the start of the next one.
        _PARSERS.tree = _new_parser()
        if not isinstance(exc, etree.LxmlError | ValueError):
            raise
        # Which problem comes first in the bytes: a limit broken before the
        # syntax error is what was reported before, and still is.
        _check_first_problem(data, limits)
        raise _malformed(exc) from None
    if len(data) >= _MIN_ATTRIBUTE_BYTES * (limits.max_attributes + 1) or not (
        (tags := data.count(b"<")) <= limits.max_depth and tags <= limits.max_elements
    ):
        _check_shape(root, data, limits)
    # "xml" past the declaration is rare in CoT; without it there is no xmlns or xml:.
    namespaced = data.find(b"xml", 5) != -1 and (
        data.find(b"xmlns") != -1 or data.find(b"xml:") != -1
    )
    return ParsedXml(
        root=root,
        declared_encoding=_declared_encoding(data) if data[:8].find(b"<?xml") != -1 else None,
        single_quoted=inspect_quotes and _single_quoted(data),
        namespaced=namespaced,
    )
