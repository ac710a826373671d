"""Where a problem is: one element path, written for the XML or for the JSON mirror.

The rules and the text-syntax readers report a :data:`Finding` — a path of CAP element names
with the index of each repeated one, and a message. The XML reader renders the path as
``alert/info[1]/area[2]/polygon[1]`` (XPath style, 1-based, repeated elements only) and adds
the line; the JSON mirror renders it as ``info[0].area[1].polygon[0]`` (0-based). One path,
two spellings, so a rule is written once and names the element in the caller's own terms.
"""

from __future__ import annotations

from typing import TypeAlias, cast

from lxml import etree

from tanbih.domain.cap import CAP_NAMESPACE
from tanbih.errors import Problem

Step: TypeAlias = tuple[str, int | None]
Path: TypeAlias = tuple[Step, ...]
Finding: TypeAlias = tuple[Path, str]

# Every element name CAP 1.2 defines.
CAP_ELEMENTS = (
    "identifier", "sender", "sent", "status", "msgType", "source", "scope", "restriction",
    "addresses", "code", "note", "references", "incidents", "info", "language", "category",
    "event", "responseType", "urgency", "severity", "certainty", "audience", "eventCode",
    "effective", "onset", "expires", "senderName", "headline", "description", "instruction",
    "web", "contact", "parameter", "resource", "area", "valueName", "value", "resourceDesc",
    "mimeType", "size", "uri", "derefUri", "digest", "areaDesc", "polygon", "circle",
    "geocode", "altitude", "ceiling",
)  # fmt: skip
# Elements that may repeat in CAP 1.2 XML; only these carry an index in an XML path.
XML_REPEATED = frozenset(
    {
        "code",
        "info",
        "category",
        "responseType",
        "eventCode",
        "parameter",
        "resource",
        "area",
        "polygon",
        "circle",
        "geocode",
    }
)

_NS = f"{{{CAP_NAMESPACE}}}"


def xml_where(path: Path) -> str:
    """``alert/info[1]/urgency``: the path as an XML reader would point at the element."""
    parts = ["alert"]
    for name, index in path:
        parts.append(f"{name}[{index + 1}]" if index is not None and name in XML_REPEATED else name)
    return "/".join(parts)


def json_where(path: Path) -> str:
    """``info[0].urgency``: the path into the JSON mirror; ``$`` for the document itself."""
    if not path:
        return "$"
    return ".".join(name if index is None else f"{name}[{index}]" for name, index in path)


def json_problems(findings: list[Finding]) -> list[Problem]:
    """Findings as problems naming JSON paths."""
    return [Problem(json_where(path), message) for path, message in findings]


def xml_problems(findings: list[Finding], root: etree._Element | None = None) -> list[Problem]:
    """Findings as problems naming XML element paths, with the line when ``root`` has it."""
    return [
        Problem(xml_where(path), message, None if root is None else line_of(root, path))
        for path, message in findings
    ]


def line_of(root: etree._Element, path: Path) -> int | None:
    """The source line of the element ``path`` names below ``root``; the nearest found parent."""
    element = root
    for name, index in path:
        position = (index or 0) if name in XML_REPEATED else 0
        matches = element.findall(_NS + name)
        if position >= len(matches):
            break
        element = matches[position]
    return source_line(element)


def source_line(element: etree._Element) -> int | None:
    """The line an element starts on, if the parser recorded it."""
    return cast("int | None", element.sourceline)  # lxml-stubs leave it untyped


def element_where(element: etree._Element) -> str:
    """The XML path of a parsed element, e.g. ``alert/info[2]/area[1]/polygon[1]``."""
    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None and name in XML_REPEATED:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            name = f"{name}[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/".join(reversed(parts))
