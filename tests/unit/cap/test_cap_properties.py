"""Properties over random valid alerts: XML and JSON round trips, and the ring check's agreement
with GEOS."""

from __future__ import annotations

import json

import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from tests.unit.cap.cap_strategies import alerts

from tanbih.cap import alert_from_json, alert_to_json, emit_xml, parse_xml, validate
from tanbih.cap.geometry import plain_ring_is_simple
from tanbih.cap.json_models import AlertJson
from tanbih.cap.xsd import schema_problems
from tanbih.domain.cap import Alert

# Alerts are large composite draws; the XSD is compiled on first use.
ROUND_TRIP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROUND_TRIP
@given(alerts())
def test_generated_alerts_satisfy_the_rules(alert: Alert) -> None:
    """The strategy only makes valid alerts, so the round trips below test the codec alone."""
    assert validate(alert) == []


@ROUND_TRIP
@given(alerts())
def test_xml_round_trip_keeps_the_alert(alert: Alert) -> None:
    """emit → parse gives an equal model; the XML is XSD-valid and offsets survive as written."""
    xml = emit_xml(alert)
    assert schema_problems(etree.fromstring(xml)) == []
    again = parse_xml(xml)
    assert again == alert
    assert emit_xml(again) == xml


@ROUND_TRIP
@given(alerts())
def test_json_round_trip_keeps_the_alert(alert: Alert) -> None:
    """model → JSON text → model is the identity, and the JSON fits the published schema."""
    document = json.loads(json.dumps(alert_to_json(alert)))
    AlertJson.model_validate(document)
    assert alert_from_json(document) == alert


coordinate = st.integers(0, 4).map(float)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=7))
def test_plain_ring_check_agrees_with_geos(corners: list[tuple[float, float]]) -> None:
    """On small integer grids (many touching and collinear cases) the plain check is GEOS's."""
    ring = [c for k, c in enumerate(corners) if k == 0 or c != corners[k - 1]]
    if ring[-1] == ring[0]:
        ring.pop()
    if len(set(ring)) < 3:
        return  # fewer than 3 distinct corners is refused before either check runs
    closed = [*ring, ring[0]]
    assert plain_ring_is_simple(closed) == shapely.is_simple(shapely.linearrings(closed))
