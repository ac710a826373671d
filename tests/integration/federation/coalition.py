"""A three-node coalition for federation tests, written to a directory.

The coordinator ``coord`` runs the hub; partners ``aa`` and ``bb`` each run a node of their
own. ``aa`` and ``bb`` have no direct relations: between them warnings pass only through the
hub, without the source (``via_coordinator``). Every partner signs with its own key (made
here) and the coalition requires signatures. Each node's file declares the contacts of its
own partner only (each partner's node tells its own duty officers): the duty officer, on the
console and on a webhook at ``webhook_url/<partner>``.

Zones: ``aa-home`` near (32.5, 35.5), ``bb-home`` near (31.1, 35.1), both 60 s to shelter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from tanbih.cli.keys import new_key_pair
from tanbih.coalition.tokens import hash_token, new_token
from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    Point,
    Polygon,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)

PARTNERS = ("coord", "aa", "bb")
SENDERS = {p: f"ops@{p}.example.org" for p in PARTNERS}
ZONES = {
    "aa": ("aa-home", ((32.4, 35.4), (32.4, 35.6), (32.6, 35.6), (32.6, 35.4), (32.4, 35.4))),
    "bb": ("bb-home", ((31.0, 35.0), (31.0, 35.2), (31.2, 35.2), (31.2, 35.0), (31.0, 35.0))),
}


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each node's coalition file and signing key are, and the partners' tokens."""

    directory: Path
    tokens: dict[str, str]

    def coalition(self, partner: str) -> Path:
        """The coalition file of ``partner``'s node (the same coalition, its own ``node``)."""
        return self.directory / f"coalition-{partner}.yaml"

    def key(self, partner: str) -> Path:
        """``partner``'s private signing key."""
        return self.directory / f"{partner}.key.pem"


def write_coalition(directory: Path, webhook_url: str, *, all_contacts: bool = False) -> Layout:
    """Keys, zones and one coalition file per node in ``directory``.

    ``all_contacts``: every node's file declares every partner's duty officer (one node
    serving the whole coalition) instead of its own partner's only.
    """
    directory.mkdir(parents=True, exist_ok=True)
    tokens = {p: new_token() for p in PARTNERS}
    now = datetime.now(UTC)
    for partner in PARTNERS:
        key, certificate = new_key_pair(partner, f"{partner}-test", now=now, days=30)
        (directory / f"{partner}.cert.pem").write_bytes(certificate.public_bytes(Encoding.PEM))
        (directory / f"{partner}.key.pem").write_bytes(
            key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        )
    for partner, (zone_id, ring) in ZONES.items():
        feature = {
            "type": "Feature",
            "properties": {"id": zone_id, "name_en": zone_id},
            "geometry": {"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in ring]]},
        }
        collection = {"type": "FeatureCollection", "features": [feature]}
        (directory / f"{partner}.geojson").write_text(json.dumps(collection))
    for partner in PARTNERS:
        text = _coalition_yaml(partner, tokens, webhook_url, all_contacts)
        (directory / f"coalition-{partner}.yaml").write_text(text)
    return Layout(directory, tokens)


def _coalition_yaml(node: str, tokens: dict[str, str], webhook_url: str, everyone: bool) -> str:
    # Each node knows its own duty officers only: the others' are told by their own nodes.
    partners = "\n".join(
        _partner(p, tokens[p], webhook_url, everyone or p == node) for p in PARTNERS
    )
    return f"""
format: tanbih-coalition/1
coalition: {{name: tanbih federation test, version: "1"}}
node: {{partner: {node}, sender: {SENDERS[node]}}}
signatures: {{required: true}}
partners:
{partners}
zones:
  - {{partner: aa, file: aa.geojson, id_property: id, shelter_seconds: 60, names: {{en: name_en}}}}
  - {{partner: bb, file: bb.geojson, id_property: id, shelter_seconds: 60, names: {{en: name_en}}}}
sharing:
  default: full
  pairs:
    - {{between: [aa, bb], rule: via_coordinator}}
"""


def _partner(partner: str, token: str, webhook_url: str, own: bool) -> str:
    role = "coordinator" if partner == "coord" else "partner"
    text = f"""  - id: {partner}
    name: Partner {partner}
    role: {role}
    languages: [en]
    senders: [{SENDERS[partner]}]
    tokens: [{hash_token(token)}]
    keys:
      - {{id: {partner}-test, algorithm: ecdsa-sha256, certificate: {partner}.cert.pem}}"""
    if not own:
        return text
    return f"""{text}
    contacts:
      - id: {partner}-duty
        name: Duty officer of {partner}
        duty: duty_officer
        languages: [en]
        channels:
          - {{kind: console, address: {partner}-duty}}
          - {{kind: webhook, address: "{webhook_url}/{partner}"}}"""


def warning(sender: str, identifier: str, zone: str = "bb-home") -> Alert:
    """An exercise early warning of ``zone`` issued now by ``sender``'s partner (unsigned)."""
    owner = zone.split("-", 1)[0]
    sent = datetime.now(UTC).replace(microsecond=0)
    ring = ZONES[owner][1]
    info = Info(
        categories=(Category.SECURITY,),
        event="Hostile UAV",
        urgency=Urgency.EXPECTED,
        severity=Severity.SEVERE,
        certainty=Certainty.OBSERVED,
        language="en",
        response_types=(ResponseType.PREPARE,),
        expires=sent + timedelta(minutes=30),
        headline="EXERCISE: hostile UAV, prepare to take shelter",
        areas=(
            Area(
                area_desc=zone,
                polygons=(Polygon(tuple(Point(*p) for p in ring)),),
                geocodes=(NamedValue("tanbih:zone", zone),),
            ),
        ),
    )
    return Alert(
        identifier=identifier,
        sender=SENDERS[sender],
        sent=sent,
        status=Status.EXERCISE,
        msg_type=MsgType.ALERT,
        scope=Scope.RESTRICTED,
        restriction="coalition members only",
        infos=(info,),
    )
