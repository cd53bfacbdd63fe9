"""How detail XML is made canonical, and how canonical detail strings are checked.

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

Everything parsed here from text (a detail fragment, or the joined detail strings of an event
being built) goes through :func:`~liaison.cot.xmlsafe.parse_document`, with its limits; the
standard library only re-reads text it has just written from such a tree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Final

from lxml import etree

from liaison.cot.errors import CotError
from liaison.cot.xmlsafe import DEFAULT_LIMITS, ParsedXml, XmlElement, XmlLimits, parse_document

__all__ = [
    "canonical_children",
    "canonical_children_of",
    "canonical_element",
    "canonical_fragment",
]

#: Depth taken by ``<event><detail>`` above a detail child, so that a fragment
#: accepted on its own still fits inside an event.
_DETAIL_DEPTH: Final = 2

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
    with a name the standard library cannot read (see :mod:`liaison.cot.xmlsafe`) is
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
