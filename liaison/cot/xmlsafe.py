"""The one place where CoT bytes meet an XML parser, and how detail XML is made canonical.

CoT comes off the network from anyone who can open a socket, so the parser is
set up to refuse everything that turns a few bytes into a lot of work or a
network or file access:

* **No DTDs at all** (defusedxml with ``forbid_dtd=True``): a ``<!DOCTYPE>`` is
  refused at the moment expat reports it, before any internal subset is read.
  That refuses billion-laughs and quadratic-blowup entity bombs and external
  entities/DTDs together; CoT never uses a DTD. ``forbid_entities`` and
  ``forbid_external`` stay on as a second line.
* **Undefined entities** (``&foo;``) are a well-formedness error, as without a DTD
  only the five predefined ones exist.
* **Limits on shape**: depth, element count and attributes per element are
  counted while parsing, so a deeply nested or very wide document is stopped at
  the limit rather than built and then rejected. The byte size is limited by the
  caller before parsing. Depth matters twice: Python's ElementTree serialiser is
  recursive, and canonicalising a detail child must never hit the recursion limit.
* **Text is always read as UTF-8**, whatever the XML declaration says, because
  CoT streams are 8-bit and real clients mislabel them (the declared encoding is
  reported so the caller can record the mislabelling).

This is expat (through defusedxml), not a hand-written parser; the only lexical
look at raw bytes is :func:`_first_quote_is_single`, which inspects start tags
that expat has already accepted, to record the single-quote wart.

Detail children are stored as **canonical XML** (W3C C14N 2.0, as implemented by
:func:`xml.etree.ElementTree.canonicalize`): sorted attributes, fixed escaping,
explicit end tags, namespace declarations on the element that needs them (with
ElementTree's ``ns0``-style prefixes, since ElementTree does not keep the
original prefix). Equal content then gives equal strings, which is what the
record's hashing and the round-trip tests need.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Final

from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from liaison.cot.errors import CotError, CotErrorCode

__all__ = [
    "DEFAULT_LIMITS",
    "ParsedXml",
    "XmlLimits",
    "canonical_children",
    "canonical_element",
    "canonical_fragment",
    "parse_document",
]


@dataclass(frozen=True)
class XmlLimits:
    """How big a document's tree may be; counted during the parse, not after."""

    max_depth: int = 32
    max_elements: int = 10_000
    max_attributes: int = 256


#: Limits for a whole ``<event>``. ATAK's deepest real detail (a KML style inside
#: a ``<shape><link>``) is 7 levels below ``<event>``; 32 leaves room for plug-ins.
DEFAULT_LIMITS: Final = XmlLimits()

#: Depth taken by ``<event><detail>`` above a detail child, so that a fragment
#: accepted on its own still fits inside an event.
_DETAIL_DEPTH: Final = 2


@dataclass(frozen=True)
class ParsedXml:
    """A parsed document and what its raw text said that the tree does not show."""

    root: ET.Element
    declared_encoding: str | None
    single_quoted: bool


class _LimitExceeded(Exception):
    """Raised from inside expat's callbacks to stop a parse at a limit."""

    def __init__(self, code: CotErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: CotErrorCode = code
        self.message = message


class _LimitedTreeBuilder:
    """An ElementTree target that counts depth, elements and attributes as they arrive."""

    def __init__(self, limits: XmlLimits) -> None:
        self._limits = limits
        self._builder = ET.TreeBuilder()
        self._depth = 0
        self._elements = 0

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        self._depth += 1
        self._elements += 1
        if self._depth > self._limits.max_depth:
            raise _LimitExceeded(
                "too_deep", f"elements are nested more than {self._limits.max_depth} deep"
            )
        if self._elements > self._limits.max_elements:
            raise _LimitExceeded(
                "too_many_elements", f"more than {self._limits.max_elements} elements"
            )
        if len(attrs) > self._limits.max_attributes:
            raise _LimitExceeded(
                "too_many_attributes",
                f"<{tag}> has {len(attrs)} attributes, more than {self._limits.max_attributes}",
            )
        return self._builder.start(tag, attrs)

    def end(self, tag: str) -> ET.Element:
        self._depth -= 1
        return self._builder.end(tag)

    def data(self, text: str) -> None:
        self._builder.data(text)

    def close(self) -> ET.Element:
        return self._builder.close()


_TAG_OPEN: Final = re.compile(rb"<[^\s/>]+")
_ATTRIBUTE: Final = re.compile(rb"\s+[^\s=/>]+\s*=\s*(\"[^\"]*\"|'[^']*')")


def _first_quote_is_single(data: bytes, start: int) -> bool:
    """Whether any attribute of the start tag at ``start`` is single-quoted.

    Only called on start tags expat has already parsed, so the tag is
    well-formed and this simple scan cannot be misled by it.
    """
    opened = _TAG_OPEN.match(data, start)
    if opened is None:
        return False
    position = opened.end()
    while (attribute := _ATTRIBUTE.match(data, position)) is not None:
        if attribute.group(1).startswith(b"'"):
            return True
        position = attribute.end()
    return False


def parse_document(
    data: bytes, limits: XmlLimits = DEFAULT_LIMITS, *, inspect_quotes: bool = True
) -> ParsedXml:
    """Parse ``data`` as one XML document, safely; every failure is a :class:`CotError`.

    The caller has already checked the size and that ``data`` is UTF-8.
    ``inspect_quotes=False`` skips the single-quote check, which only matters
    for bytes that came off the wire.
    """
    target = _LimitedTreeBuilder(limits)
    parser = DefusedXMLParser(
        target=target,
        encoding="utf-8",
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    expat = parser.parser
    declared: list[str | None] = []
    starts: list[int] = []
    element_start = expat.StartElementHandler

    def on_xml_decl(_version: str | None, encoding: str | None, _standalone: int) -> None:
        declared.append(encoding)

    def on_start(tag: str, attrs: list[str]) -> object:
        starts.append(expat.CurrentByteIndex)
        return element_start(tag, attrs)

    expat.XmlDeclHandler = on_xml_decl
    if inspect_quotes:
        expat.StartElementHandler = on_start
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
    except DTDForbidden as exc:
        raise CotError(
            "dtd_forbidden",
            f"a document type declaration (<!DOCTYPE {exc.name}>) is not allowed in CoT",
        ) from None
    except EntitiesForbidden as exc:
        raise CotError(
            "entity_forbidden", f"entity declaration {exc.name!r} is not allowed"
        ) from None
    except ExternalReferenceForbidden as exc:
        raise CotError(
            "external_reference_forbidden",
            f"external reference {exc.sysid!r} is not allowed",
        ) from None
    except _LimitExceeded as exc:
        raise CotError(exc.code, exc.message) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise CotError(
            "malformed_xml", f"not well-formed XML at line {line}, column {column}: {exc}"
        ) from None
    single = any(_first_quote_is_single(data, start) for start in starts if start >= 0)
    return ParsedXml(
        root=root, declared_encoding=declared[0] if declared else None, single_quoted=single
    )


def _escape_text(text: str) -> str:
    """Character data escaped as C14N 2.0 writes it."""
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


def _plain(element: ET.Element) -> bool:
    """Whether no element below ``element`` uses a namespace or is a comment or PI."""
    for node in element.iter():
        if not isinstance(node.tag, str) or "{" in node.tag:
            return False
        if any("{" in name for name in node.attrib):
            return False
    return True


def _canonical_plain(element: ET.Element) -> str:
    """C14N 2.0 of a namespace-free tree, without recursion (depth is not a concern here)."""
    out: list[str] = []
    stack: list[tuple[ET.Element, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            out.append(f"</{node.tag}>")
            if node is not element and node.tail:
                out.append(_escape_text(node.tail))
            continue
        out.append(f"<{node.tag}")
        for name in sorted(node.attrib):
            out.append(f' {name}="{_escape_attribute(node.attrib[name])}"')
        out.append(">")
        if node.text:
            out.append(_escape_text(node.text))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return "".join(out)


def canonical_element(element: ET.Element) -> str:
    """``element`` (without its tail) as a C14N 2.0 string.

    The element's tail is text *after* it, which belongs to its parent; it is
    left out so that a child's canonical form does not depend on the whitespace
    that followed it. Namespace-free trees (all real CoT detail) take a direct
    path that writes exactly what :func:`xml.etree.ElementTree.canonicalize`
    would (the test suite checks this); anything with namespaces, comments or
    processing instructions goes through the standard library.
    """
    if _plain(element):
        return _canonical_plain(element)
    tail = element.tail
    element.tail = None
    try:
        text = ET.tostring(element, encoding="unicode")
    finally:
        element.tail = tail
    return ET.canonicalize(xml_data=text, with_comments=False, strip_text=False)


def _fragment_limits(limits: XmlLimits, above: int) -> XmlLimits:
    return XmlLimits(
        max_depth=limits.max_depth - above,
        max_elements=limits.max_elements,
        max_attributes=limits.max_attributes,
    )


def _parse_text(xml: str, limits: XmlLimits, what: str) -> ET.Element:
    try:
        data = xml.encode("utf-8")
    except UnicodeEncodeError:
        raise CotError("bad_detail", f"{what} contains lone surrogates") from None
    try:
        return parse_document(data, limits, inspect_quotes=False).root
    except CotError as exc:
        raise CotError("bad_detail", f"{what} is not safe, well-formed XML: {exc}") from None


def canonical_fragment(xml: str, limits: XmlLimits = DEFAULT_LIMITS) -> tuple[str, ET.Element]:
    """Safely parse one XML element given as text; return its canonical form and its tree.

    The fragment must fit inside an event's ``<detail>`` under ``limits``. An XML
    declaration or surrounding whitespace is allowed; anything else around the
    element is not.
    """
    root = _parse_text(xml, _fragment_limits(limits, _DETAIL_DEPTH), "detail XML")
    return canonical_element(root), root


def canonical_children(
    children: tuple[str, ...], limits: XmlLimits = DEFAULT_LIMITS
) -> list[ET.Element]:
    """Check that each string is one canonical element; return their trees.

    All children are parsed as one ``<detail>`` document (one parser instead of
    one per child, which is what makes building an event cheap), then each
    parsed child must write back to exactly its string. That also rules out a
    string holding two elements, or text that would close ``<detail>`` early.
    """
    joined = "<detail>" + "".join(children) + "</detail>"
    detail = _parse_text(joined, _fragment_limits(limits, _DETAIL_DEPTH - 1), "detail")
    elements = list(detail)
    if len(elements) != len(children) or not _is_blank(detail.text):
        raise CotError("bad_detail", "each detail string must be exactly one XML element")
    for index, (element, text) in enumerate(zip(elements, children, strict=True)):
        if not _is_blank(element.tail) or canonical_element(element) != text:
            raise CotError(
                "bad_detail",
                f"detail[{index}] is not one element in canonical form; "
                "pass it through canonical_detail() first",
            )
    return elements


def _is_blank(text: str | None) -> bool:
    return not text
