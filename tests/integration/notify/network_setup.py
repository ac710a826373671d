"""The notification tests' coalition, zone and channel files, and the numbers they share.

See ``conftest`` for the network they describe.
"""

from __future__ import annotations

import json

from tests.fakes.carrier import FakeCarrier

from tanbih.coalition.tokens import hash_token

WAIT = 10.0  # seconds any wait here may take before it counts as a failure
CAP_XML = {"Content-Type": "application/cap+xml"}
WEBHOOK_SECRET = "notify-test-webhook-secret"
NODE_SECRET = "notify-test-node-secret-of-at-least-32-bytes"
CARRIER_NUMBER = "+15005550006"
AA_DUTY_PHONE = "+447700900201"
AA_DEPUTY_PHONE = "+447700900202"
HUB_DUTY_PHONE = "+12025550101"
AA_DUTY_EMAIL = "duty@aa.example.org"
SENDERS = {"hub": "hub@hub.example.org", "aa": "ops@aa.example.org", "bb": "ops@bb.example.org"}
# aa-north, as (lat, lon): a square of about 20 km.
AA_NORTH = ((32.0, 35.0), (32.0, 35.2), (32.2, 35.2), (32.2, 35.0), (32.0, 35.0))


def coalition_yaml(tokens: dict[str, str], webhook_url: str, extra: str = "") -> str:
    """The test coalition, its tokens given as their hashes, with ``extra`` sections."""
    return (
        extra
        + f"""
format: tanbih-coalition/1
coalition: {{name: tanbih notification test, version: "1"}}
node: {{partner: hub, sender: {SENDERS["hub"]}}}
partners:
  - id: hub
    name: Test hub
    role: coordinator
    languages: [en]
    senders: [{SENDERS["hub"]}]
    tokens: [{hash_token(tokens["hub"])}]
    contacts:
      - id: hub-duty
        name: Hub duty officer
        duty: duty_officer
        languages: [en]
        channels:
          - {{kind: console, address: hub-duty}}
          - {{kind: sms, address: "{HUB_DUTY_PHONE}"}}
  - id: aa
    name: Partner A
    role: partner
    languages: [en]
    senders: [{SENDERS["aa"]}]
    tokens: [{hash_token(tokens["aa"])}]
    contacts:
      - id: aa-duty
        name: A duty officer
        duty: duty_officer
        languages: [en]
        channels:
          - {{kind: console, address: aa-duty}}
          - {{kind: email, address: {AA_DUTY_EMAIL}}}
          - {{kind: sms, address: "{AA_DUTY_PHONE}"}}
          - {{kind: voice, address: "{AA_DUTY_PHONE}"}}
          - {{kind: webhook, address: "{webhook_url}/aa"}}
      - id: aa-deputy
        name: A deputy
        duty: deputy
        languages: [en]
        channels:
          - {{kind: console, address: aa-deputy}}
          - {{kind: sms, address: "{AA_DEPUTY_PHONE}"}}
  - id: bb
    name: Partner B
    role: partner
    languages: [en]
    senders: [{SENDERS["bb"]}]
    tokens: [{hash_token(tokens["bb"])}]
    contacts:
      - id: bb-duty
        name: B duty officer
        duty: duty_officer
        languages: [en]
        channels:
          - {{kind: console, address: bb-duty}}
          - {{kind: webhook, address: "{webhook_url}/bb"}}
zones:
  - {{partner: aa, file: aa.geojson, id_property: id, shelter_seconds: 60,
     names: {{en: name_en}}}}
routing:
  route:
    name: nobody-by-default
    receivers: []
    routes:
      - name: threatened
        match: {{relation: [affected]}}
        receivers:
          - {{duty: [duty_officer], channels: [console, webhook, email]}}
        escalate: true
escalation:
  default:
    steps:
      - {{after: 20, duty: [duty_officer], channels: [sms, voice]}}
      - {{after: 45, duty: [deputy], channels: [sms]}}
      - {{after: 60, of: coordinator, duty: [duty_officer], channels: [sms]}}
"""
    )


def zones_geojson() -> str:
    """aa's one zone, ``aa-north``, as GeoJSON (positions are [lon, lat])."""
    ring = [[lon, lat] for lat, lon in AA_NORTH]
    feature = {
        "type": "Feature",
        "properties": {"id": "aa-north", "name_en": "North district"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]})


def channels_yaml(smtp_port: int, carrier_url: str, carrier: FakeCarrier) -> str:
    """The node's channel file: the aiosmtpd relay, the fake carrier, the webhook secret."""
    return f"""
smtp: {{host: 127.0.0.1, port: {smtp_port}, sender: "tanbih <alerts@hub.example.org>",
        security: none}}
carriers:
  - {{name: fake, base_url: "{carrier_url}", account_sid: {carrier.account_sid},
     auth_token: {carrier.auth_token}, sms_from: "{CARRIER_NUMBER}"}}
webhook: {{secret: {WEBHOOK_SECRET}}}
"""
