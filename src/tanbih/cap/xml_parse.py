"""Reading CAP XML from anyone: hostile-input safe, CAP 1.2 only, every problem named.

The steps, each refusing with a :class:`~tanbih.errors.CapError` naming where and why:

1. size limit, checked on the bytes before any parsing;
2. no DOCTYPE: refused in the prolog before libxml2 sees it, and again on the parsed document
   (for an encoding the byte check cannot read, such as UTF-16). The parser resolves no
   entities and loads no DTD, has no network, and answers every external load with nothing:
   libxml2 still fetches external parameter entities named in an internal subset (``%pe;``)
   even with ``load_dtd=False``, so without that resolver an XXE payload could read files;
3. well-formed XML, in whatever encoding it declares (ISO-8859-1 included);
4. root ``{urn:oasis:names:tc:emergency:cap:1.2}alert``: CAP 1.0 and 1.1 are refused by name
   (:class:`~tanbih.errors.CapVersionError`), anything else as "not a CAP alert";
5. the official OASIS CAP 1.2 XSD (every error libxml2 reports);
6. element depth limit (libxml2 itself stops at 256 while parsing);
7. the model, then the rules beyond the XSD (every finding, with its line).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Protocol, cast

from lxml import etree

from tanbih.cap.paths import source_line, xml_problems
from tanbih.cap.rules import check_alert
from tanbih.cap.xml_map import alert_from_tree
from tanbih.cap.xsd import schema_problems
from tanbih.domain.cap import CAP_NAMESPACE, Alert
from tanbih.errors import CapError, CapVersionError, Problem

MAX_BYTES = 1_048_576
MAX_DEPTH = 32
XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
OLDER_VERSIONS = {
    "http://www.incident.com/cap/1.0": "1.0",
    "urn:oasis:names:tc:emergency:cap:1.1": "1.1",
}

_NO_DTD = (
    "DOCTYPE declarations are refused: CAP needs no DTD, and DTD entities are an attack "
    "vector (XXE); send the alert without <!DOCTYPE ...>"
)
# The prolog before the root element: optional BOM, XML declaration, PIs, comments, space.
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)
_TOO_DEEP = etree.XPath("boolean(" + "/*" * (MAX_DEPTH + 1) + ")")
_SIGNATURE = f"{{{XMLDSIG_NAMESPACE}}}Signature"
_ALERT = f"{{{CAP_NAMESPACE}}}alert"


@dataclass(frozen=True, slots=True)
class CapDocument:
    """A CAP 1.2 message read and validated: its model, and its tree exactly as received.

    ``root`` keeps whitespace and comments untouched so that the XML-DSig enveloped signature
    (``signed``: a ``ds:Signature`` is present) can be verified against it later.
    """

    alert: Alert
    root: etree._Element
    signed: bool


def parse_xml(data: bytes, *, max_bytes: int = MAX_BYTES) -> Alert:
    """The CAP 1.2 alert in ``data``; ``CapError`` listing every problem found if refused."""
    return parse_document(data, max_bytes=max_bytes).alert


def parse_stored(data: bytes) -> Alert:
    """A message this node stored, read back: every defence but the size limit.

    Its size was checked when a partner posted it, and the node's own warnings over many zones
    may pass the limit meant for what comes in: reading them back must not fail their delivery.
    """
    return parse_xml(data, max_bytes=max(len(data), MAX_BYTES))


def parse_document(data: bytes, *, max_bytes: int = MAX_BYTES) -> CapDocument:
    """Like :func:`parse_xml`, keeping the parsed tree and whether it carries a signature."""
    root = read_tree(data, max_bytes=max_bytes)
    problems = schema_problems(root)
    if problems:
        raise CapError(problems)
    # Schema-valid CAP is at most 5 deep; only the lax ds:Signature content can nest further,
    # so the depth walk (a fixed ~2 µs) runs on signed messages alone.
    signed = next(root.iterchildren(_SIGNATURE), None) is not None
    if signed and _TOO_DEEP(root):
        raise CapError([Problem("alert", f"elements are nested more than {MAX_DEPTH} deep")])
    alert, findings = alert_from_tree(root)
    if alert is not None:
        findings = check_alert(alert)
    if findings or alert is None:
        raise CapError(xml_problems(findings, root))
    return CapDocument(alert, root, signed)


def read_tree(data: bytes, *, max_bytes: int = MAX_BYTES) -> etree._Element:
    """The root of a safely parsed CAP 1.2 ``<alert>``, not yet checked against the XSD."""
    if len(data) > max_bytes:
        raise CapError([Problem("document", f"{len(data)} bytes is over the limit of {max_bytes}")])
    if b"<!DOCTYPE" in data:  # a fast scan first; the prolog match confirms where it is
        prolog = _PROLOG.match(data)
        if prolog is not None and data.startswith(b"<!DOCTYPE", prolog.end()):
            raise CapError([Problem("document", _NO_DTD)])
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CapError(
            [Problem("document", f"not well-formed XML: {exc.msg}", exc.lineno)]
        ) from None
    if cast("_DocInfo", root.getroottree().docinfo).doctype:
        raise CapError([Problem("document", _NO_DTD)])
    _check_root(root)
    return root


class _DocInfo(Protocol):  # lxml-stubs leave out DocInfo.doctype
    doctype: str


def _check_root(root: etree._Element) -> None:
    if root.tag == _ALERT:
        return
    name = etree.QName(root)
    version = OLDER_VERSIONS.get(name.namespace or "")
    if version is not None and name.localname == "alert":
        message = (
            f"CAP {version} is not accepted; tanbih speaks CAP 1.2 only — re-issue as "
            f"{CAP_NAMESPACE}"
        )
    elif name.namespace:
        message = f"not a CAP alert: root element is {root.tag}"
    else:
        message = (
            f"not a CAP alert: root element is {root.tag} in no namespace; a CAP 1.2 alert is "
            f"{_ALERT}"
        )
    raise CapVersionError([Problem(name.localname, message, source_line(root))])


class _NoExternalLoads(etree.Resolver):
    """Answers every external DTD or entity load with empty text: nothing is ever read."""

    def resolve(self, system_url: str, public_id: str, context: Any = None) -> Any:
        return self.resolve_string("", context, base_url=None)


# lxml parsers must not be shared between threads; one each, built on first use.
_local = threading.local()


def _parser() -> etree.XMLParser:
    parser = cast("etree.XMLParser | None", getattr(_local, "parser", None))
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            collect_ids=False,  # no xml:id hash table: nothing here looks elements up by id
        )
        parser.resolvers.add(_NoExternalLoads())
    return parser
