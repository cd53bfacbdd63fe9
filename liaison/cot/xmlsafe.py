"""The one place where CoT bytes meet an XML parser, and how detail XML is made canonical.

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

Detail children are stored as **canonical XML** (W3C C14N 2.0, as implemented by
:func:`xml.etree.ElementTree.canonicalize`): sorted attributes, fixed escaping,
explicit end tags, namespace declarations on the element that needs them (with
ElementTree's ``ns0``-style prefixes, since ElementTree does not keep the
original prefix). Equal content then gives equal strings, which is what the
record's hashing and the round-trip tests need. An event's detail, which has no
namespace in practice, is written by libxml2's own C14N in one pass and cut into
children (:func:`canonical_children_of`); anything else by a direct writer, or
the standard library itself when namespaces are involved; the tests check all
of them against :func:`xml.etree.ElementTree.canonicalize`.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
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
    "canonical_children",
    "canonical_children_of",
    "canonical_element",
    "canonical_fragment",
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

#: Depth taken by ``<event><detail>`` above a detail child, so that a fragment
#: accepted on its own still fits inside an event.
_DETAIL_DEPTH: Final = 2

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


_TEXT_SPECIAL: Final = re.compile("[&<>\r]")
_ATTRIBUTE_SPECIAL: Final = re.compile('[&<"\t\n\r]')


def _escape_text(text: str) -> str:
    """Character data escaped as C14N 2.0 writes it."""
    if _TEXT_SPECIAL.search(text) is None:
        return text
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#xD;")
    return text


def _escape_attribute(value: str) -> str:
    """An attribute value escaped as C14N 2.0 writes it."""
    if _ATTRIBUTE_SPECIAL.search(value) is None:
        return value
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\t" in value:
        value = value.replace("\t", "&#x9;")
    if "\n" in value:
        value = value.replace("\n", "&#xA;")
    if "\r" in value:
        value = value.replace("\r", "&#xD;")
    return value


def _plain(element: XmlElement) -> bool:
    """Whether no element below ``element`` uses a namespace or is a comment or PI."""
    for node in element.iter():
        if not isinstance(node.tag, str) or "{" in node.tag:
            return False
        if any("{" in name for name, _ in node.items()):
            return False
    return True


def _open(node: XmlElement, out: list[str]) -> None:
    """Append ``node``'s start tag, attributes sorted, to ``out``."""
    out += ("<", node.tag)
    for name, value in sorted(node.items()):
        out += (" ", name, '="', _escape_attribute(value), '"')
    out.append(">")


def _canonical_plain(element: XmlElement) -> str:
    """C14N 2.0 of a namespace-free tree, without recursion (depth is not a concern here)."""
    tag = element.tag
    out = ["<", tag]
    special = _ATTRIBUTE_SPECIAL.search
    for name, value in sorted(element.items()):
        out += (" ", name, '="', value if special(value) is None else _escape_attribute(value), '"')
    text = element.text
    if not len(element):  # a leaf, as most detail children are
        out += (">", _escape_text(text) if text else "", "</", tag, ">")
        return "".join(out)
    out.append(">")
    if text:
        out.append(_escape_text(text))
    stack: list[tuple[XmlElement, bool]] = [(element, True)]
    stack.extend((child, False) for child in reversed(list(element)))
    while stack:
        node, closing = stack.pop()
        if closing:
            out += ("</", node.tag, ">")
            if node is not element and node.tail:
                out.append(_escape_text(node.tail))
            continue
        _open(node, out)
        if node.text:
            out.append(_escape_text(node.text))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node)))
    return "".join(out)


def _as_stdlib(element: XmlElement) -> ET.Element:
    """A copy of ``element`` (without its tail) as an ElementTree tree, without recursion.

    Comments and processing instructions (never in a parsed tree, which drops
    them) are left out with their tails kept as text, as C14N without comments
    would write them.
    """
    if isinstance(element, ET.Element):
        copy = ET.Element(element.tag, dict(element.items()))
        copy.text = element.text
        copy.extend(list(element))
        return copy
    top = ET.Element(element.tag, dict(element.items()))
    top.text = element.text
    stack: list[tuple[XmlElement, ET.Element]] = [(element, top)]
    while stack:
        source, target = stack.pop()
        last: ET.Element | None = None
        for child in source:
            if not isinstance(child.tag, str):
                if child.tail:
                    if last is None:
                        target.text = (target.text or "") + child.tail
                    else:
                        last.tail = (last.tail or "") + child.tail
                continue
            last = ET.SubElement(target, child.tag, dict(child.items()))
            last.text = child.text
            last.tail = child.tail
            stack.append((child, last))
    return top


def canonical_element(element: XmlElement, *, plain: bool | None = None) -> str:
    """``element`` (without its tail) as a C14N 2.0 string.

    The element's tail is text *after* it, which belongs to its parent; it is
    left out so that a child's canonical form does not depend on the whitespace
    that followed it. Namespace-free trees (all real CoT detail) take a direct
    path that writes exactly what :func:`xml.etree.ElementTree.canonicalize`
    would (the test suite checks this); anything with namespaces, comments or
    processing instructions goes through the standard library, from an
    ElementTree copy, so the prefixes are ElementTree's whatever the tree.
    ``plain=True`` says the caller knows the tree is namespace-free
    (:attr:`ParsedXml.namespaced`), which skips the check. A namespaced tree
    with a name the standard library cannot read (see the module docstring) is
    refused as ``malformed_xml``, as parsing it with expat was before.
    """
    if plain or (plain is None and _plain(element)):
        return _canonical_plain(element)
    text = ET.tostring(_as_stdlib(element), encoding="unicode")
    try:
        return ET.canonicalize(xml_data=text, with_comments=False, strip_text=False)
    except ET.ParseError as exc:
        # expat reads names by XML 1.0's 4th edition, libxml2 by the 5th, which
        # allows more characters; such a name in a namespaced tree has no
        # canonical form here, and expat alone (as before) refused it.
        raise CotError(
            "malformed_xml", f"a namespaced element has a name C14N cannot write: {exc}"
        ) from None


#: A leaf element in canonical text: start tag and text hold no ``<``, so this
#: matches each leaf child of a parent whose children are all leaves, and
#: nothing else (not the parent's own tags, which are followed by a ``<`` that
#: does not begin an end tag, or are end tags themselves).
_CANONICAL_LEAF: Final = re.compile(r"<[^<]*</[^>]*>")


def canonical_children_of(
    parent: XmlElement, *, plain: bool, children: list[XmlElement] | None = None
) -> list[str]:
    """:func:`canonical_element` of each child of ``parent``, in document order.

    ``plain=True`` (the caller knows the tree is namespace-free, see
    :attr:`ParsedXml.namespaced`) lets libxml2 write the whole parent at once
    in its own canonical form (C14N 1.0, which for a namespace-free tree without
    comments is byte for byte C14N 2.0: same escaping, same attribute order,
    explicit end tags) and cuts the children out of it: in canonical text a
    ``<`` only ever begins a tag, and a child of *n* elements ends with the
    *n*-th end tag after its start. This is the parser's hot path; a test
    checks it against the standard library. ``children`` saves listing them
    again when the caller already has.
    """
    if children is None:
        children = list(parent)
    if not plain or not children or not isinstance(parent, etree._Element):
        return [canonical_element(child, plain=plain or None) for child in children]
    text: str = etree.tostring(parent, method="c14n", with_comments=False).decode()
    if not any(map(len, children)):  # all leaves, as in most events: one regular expression
        leaves: list[str] = _CANONICAL_LEAF.findall(text)
        if len(leaves) == len(children):
            return leaves
    find = text.find
    out: list[str] = []
    position = 1  # past the parent's own "<"
    for child in children:
        start = find("<", position)
        close = find("</", start)
        if len(child):
            for _ in range(sum(1 for _ in child.iter()) - 1):
                close = find("</", close + 2)
        position = find(">", close) + 1
        out.append(text[start:position])
    return out


def _fragment_limits(limits: XmlLimits, above: int) -> XmlLimits:
    return XmlLimits(
        max_depth=limits.max_depth - above,
        max_elements=limits.max_elements,
        max_attributes=limits.max_attributes,
    )


def _parse_text(xml: str, limits: XmlLimits, what: str) -> ParsedXml:
    try:
        data = xml.encode("utf-8")
    except UnicodeEncodeError:
        raise CotError("bad_detail", f"{what} contains lone surrogates") from None
    try:
        return parse_document(data, limits, inspect_quotes=False)
    except CotError as exc:
        raise CotError("bad_detail", f"{what} is not safe, well-formed XML: {exc}") from None


def canonical_fragment(xml: str, limits: XmlLimits = DEFAULT_LIMITS) -> tuple[str, XmlElement]:
    """Safely parse one XML element given as text; return its canonical form and its tree.

    The fragment must fit inside an event's ``<detail>`` under ``limits``. An XML
    declaration or surrounding whitespace is allowed; anything else around the
    element is not.
    """
    parsed = _parse_text(xml, _fragment_limits(limits, _DETAIL_DEPTH), "detail XML")
    root = parsed.root
    return canonical_element(root, plain=None if parsed.namespaced else True), root


def canonical_children(
    children: tuple[str, ...], limits: XmlLimits = DEFAULT_LIMITS
) -> list[XmlElement]:
    """Check that each string is one canonical element; return their trees.

    All children are parsed as one ``<detail>`` document (one parser instead of
    one per child, which is what makes building an event cheap), then each
    parsed child must write back to exactly its string. That also rules out a
    string holding two elements, or text that would close ``<detail>`` early.
    """
    joined = "<detail>" + "".join(children) + "</detail>"
    parsed = _parse_text(joined, _fragment_limits(limits, _DETAIL_DEPTH - 1), "detail")
    detail = parsed.root
    plain = None if parsed.namespaced else True
    elements = list(detail)
    if len(elements) != len(children) or not _is_blank(detail.text):
        raise CotError("bad_detail", "each detail string must be exactly one XML element")
    for index, (element, text) in enumerate(zip(elements, children, strict=True)):
        if not _is_blank(element.tail) or canonical_element(element, plain=plain) != text:
            raise CotError(
                "bad_detail",
                f"detail[{index}] is not one element in canonical form; "
                "pass it through canonical_detail() first",
            )
    return elements


def _is_blank(text: str | None) -> bool:
    return not text
