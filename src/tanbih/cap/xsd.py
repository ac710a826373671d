"""The official OASIS CAP 1.2 XSD, loaded lazily, its errors put in plain words.

libxml2 reports ``Element '{urn:oasis:...}info': This element is not expected. Expected is one
of ( {urn:...}source, {urn:...}scope ).``; a sender needs ``alert/scope: required element
<scope> is missing``. Each error becomes a :class:`~tanbih.errors.Problem` naming the element
path and line. libxml2 stops checking a parent's children at its first content-model error, so
some problems can surface only once the first are fixed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Protocol, cast

from lxml import etree

from tanbih.cap.paths import CAP_ELEMENTS, element_where
from tanbih.cap.rules import code_list_message
from tanbih.cap.syntax import TIME_FORMAT
from tanbih.errors import Problem

# Elements CAP 1.2 requires where they may appear (minOccurs 1 in the XSD).
_REQUIRED = frozenset(
    {
        "identifier", "sender", "sent", "status", "msgType", "scope", "category", "event",
        "urgency", "severity", "certainty", "resourceDesc", "mimeType", "areaDesc",
        "valueName", "value",
    }
)  # fmt: skip
_ATOMIC_TYPES = {
    "xs:dateTime": "a date and time",
    "xs:integer": "a whole number",
    "xs:decimal": "a decimal number",
    "xs:language": "an RFC 3066 language tag",
    "xs:anyURI": "a URI",
}
_ENTRY = re.compile(
    r"Element '(?P<tag>[^']+)'(?:, attribute '(?P<attr>[^']+)')?: (?P<what>.*)", re.S
)
_EXPECTED = re.compile(r"Expected is (?:one of )?\( (?P<names>.*) \)")
_LOCAL_ATOMIC = re.compile(r"'(?P<value>.*)' is not a valid value of the local atomic type", re.S)
_TIMES = frozenset({"sent", "effective", "onset", "expires"})
_VALUE = re.compile(r"The value '(?P<value>.*)' is not (?:an element|accepted)", re.S)
_ATOMIC = re.compile(
    r"'(?P<value>.*)' is not a valid value of the atomic type '(?P<type>[^']+)'", re.S
)


class _LogEntry(Protocol):
    line: int
    path: str
    message: str


@cache
def _schema_document() -> etree._Element:
    """The packaged XSD, parsed once per process on first use (never at import)."""
    data = files("tanbih.cap").joinpath("schema", "CAP-v1.2.xsd").read_bytes()
    return etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))


# A compiled XMLSchema keeps its error log on the object, so one per thread keeps
# concurrent validations from mixing their errors.
_local = threading.local()


def _schema() -> etree.XMLSchema:
    schema = cast("etree.XMLSchema | None", getattr(_local, "schema", None))
    if schema is None:
        schema = _local.schema = etree.XMLSchema(_schema_document())
    return schema


def schema_problems(root: etree._Element) -> list[Problem]:
    """What the CAP 1.2 XSD finds wrong in the tree below ``root``; empty when it is valid."""
    schema = _schema()
    if schema.validate(root):
        return []
    problems: list[Problem] = []
    for entry in cast("Iterable[_LogEntry]", schema.error_log):
        # libxml2 gives the element as an XPath such as /*/*[7]/*[3]; the tree has it.
        nodes = cast("list[etree._Element]", root.xpath(entry.path) if entry.path else [])
        problems.append(_problem(entry, nodes[0] if nodes else root))
    return problems


def _name(qualified: str) -> str:
    return qualified.rpartition("}")[2] if qualified.startswith("{") else qualified


def _expected(names: str) -> list[str]:
    return [
        "ds:Signature" if name.endswith("xmldsig#}*") else _name(name)
        for name in (part.strip() for part in names.split(","))
    ]


def _choices(names: list[str]) -> str:
    tagged = [f"<{name}>" for name in names]
    return tagged[0] if len(tagged) == 1 else ", ".join(tagged[:-1]) + " or " + tagged[-1]


def _missing(required: list[str], present: Iterable[etree._Element]) -> str | None:
    """The first required name not among the ``present`` elements.

    After one ``<category>`` libxml2 expects "category or event": only ``event`` is missing.
    """
    names = {etree.QName(e).localname for e in present if isinstance(e.tag, str)}
    return next((name for name in required if name not in names), None)


def _problem(entry: _LogEntry, element: etree._Element) -> Problem:
    where = element_where(element)
    match = _ENTRY.match(entry.message)
    if match is None:
        return Problem(where, entry.message, entry.line)
    name, what = _name(match["tag"]), match["what"].strip()
    expected = _EXPECTED.search(what)
    names = _expected(expected["names"]) if expected else []
    required = [n for n in names if n in _REQUIRED]
    if match["attr"]:
        message = f"attribute {match['attr']!r} is not allowed on <{name}>"
    elif what.startswith("This element is not expected"):
        missing = _missing(required, element.itersiblings(preceding=True))
        if missing and name in CAP_ELEMENTS:
            parent = where.rpartition("/")[0]
            return Problem(
                f"{parent}/{missing}",
                f"required element <{missing}> is missing; found <{name}> where "
                f"{_choices(names)} must come",
                entry.line,
            )
        message = f"element <{name}> is not allowed here" + (
            f"; expected {_choices(names)}" if names else ""
        )
    elif what.startswith("Missing child element"):
        missing = _missing(required, element) or (names[0] if names else "?")
        return Problem(f"{where}/{missing}", f"required element <{missing}> is missing", entry.line)
    elif "[facet 'enumeration']" in what and (value := _VALUE.search(what)):
        message = code_list_message(name, value["value"])
    elif "[facet 'pattern']" in what and (value := _VALUE.search(what)):
        message = f"{value['value']!r} is not a CAP time: {TIME_FORMAT}"
    elif local := _LOCAL_ATOMIC.search(what):
        kind = "a real date and time" if name in _TIMES else f"a valid <{name}>"
        message = f"{local['value']!r} is not {kind}"
    elif atomic := _ATOMIC.search(what):
        kind = _ATOMIC_TYPES.get(atomic["type"], atomic["type"])
        message = f"{atomic['value']!r} is not {kind}"
    elif what.startswith("Character content other than whitespace"):
        message = f"text is not allowed directly in <{name}>, only its child elements"
    elif what.startswith("Element content is not allowed"):
        message = f"<{name}> holds text only, not child elements"
    else:
        message = what
    return Problem(where, message, entry.line)
