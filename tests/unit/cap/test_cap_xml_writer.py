"""Writing CAP XML: CAP's time and geometry syntax, XSD order, escaping, UTF-8."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree
from tests.unit.cap.cap_strategies import plain_alert

from tanbih.cap import emit_xml, parse_xml
from tanbih.cap.xsd import schema_problems
from tanbih.domain.cap import Area, Circle, Point, Polygon
from tanbih.errors import CapError

BASE = plain_alert()
INFO = BASE.infos[0]


def _text(xml: bytes, element: str) -> list[str]:
    root = etree.fromstring(xml)
    return [e.text or "" for e in root.iter(f"{{urn:oasis:names:tc:emergency:cap:1.2}}{element}")]


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (
            datetime(2026, 3, 1, 14, 5, tzinfo=timezone(timedelta(hours=2))),
            "2026-03-01T14:05:00+02:00",
        ),
        (datetime(2026, 3, 1, 12, 5, tzinfo=UTC), "2026-03-01T12:05:00+00:00"),
        (
            datetime(2026, 3, 1, 7, 5, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
            "2026-03-01T07:05:00-05:30",
        ),
        (datetime(2026, 3, 1, 12, 5, 9, 999_999, tzinfo=UTC), "2026-03-01T12:05:09+00:00"),
        (datetime(987, 1, 2, 3, 4, 5, tzinfo=UTC), "0987-01-02T03:04:05+00:00"),
    ],
    ids=["offset kept", "UTC as +00:00", "negative half hour", "fraction dropped", "early year"],
)
def test_times_are_written_the_cap_way(moment: datetime, written: str) -> None:
    """Times are YYYY-MM-DDThh:mm:ss±hh:mm with the model's offset: never Z, no fractions."""
    assert _text(emit_xml(replace(BASE, sent=moment)), "sent") == [written]


def test_geometry_is_written_in_cap_syntax() -> None:
    """Polygons are space-separated lat,lon pairs; circles lat,lon radius; no exponents."""
    ring = Polygon(
        (Point(1e-05, 2.5), Point(1.0, -3.0), Point(0.5, 1e16 / 1e14), Point(1e-05, 2.5))
    )
    area = Area("a", polygons=(ring,), circles=(Circle(Point(-0.0, 179.5), 2e-7),), altitude=1e20)
    xml = emit_xml(replace(BASE, infos=(replace(INFO, areas=(area,)),)))
    assert _text(xml, "polygon") == ["0.00001,2.5 1.0,-3.0 0.5,100.0 0.00001,2.5"]
    assert _text(xml, "circle") == ["-0.0,179.5 0.0000002"]
    assert _text(xml, "altitude") == ["100000000000000000000"]
    assert schema_problems(etree.fromstring(xml)) == []


def test_document_is_utf8_in_xsd_order() -> None:
    """The document declares UTF-8, validates against the XSD, and elements follow its order."""
    alert = replace(BASE, source="drill", note="n", codes=("c1", "c2"), incidents="i1 i2")
    xml = emit_xml(alert)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns=')
    root = etree.fromstring(xml)
    assert schema_problems(root) == []
    assert [etree.QName(e).localname for e in root] == [
        "identifier", "sender", "sent", "status", "msgType", "source", "scope", "code", "code",
        "note", "incidents", "info",
    ]  # fmt: skip


def test_markup_characters_and_carriage_returns_survive() -> None:
    """``& < >``, CDATA-like text and CR LF line ends read back exactly as given."""
    text = "A & B <b>bold</b> ]]> line\r\nnext\ttab 'q' \"qq\" עברית عربي"
    alert = replace(BASE, infos=(replace(INFO, description=text, headline=" ", event=""),))
    again = parse_xml(emit_xml(alert))
    assert again.infos[0].description == text
    assert again.infos[0].headline == " "
    assert again.infos[0].event == ""


def test_empty_optional_elements_are_left_out() -> None:
    """An optional text that is empty is not written (and would be read back as absent)."""
    xml = emit_xml(replace(BASE, note="", source=None))
    assert b"<note" not in xml
    assert b"<source" not in xml


def test_text_xml_cannot_carry_is_refused() -> None:
    """A control character cannot be written as XML 1.0; the writer says so instead."""
    with pytest.raises(CapError) as caught:
        emit_xml(replace(BASE, note="bell\x07"))
    assert "U+0007" in str(caught.value)
