"""A minimal coalition in a temporary directory, CAP alerts for it, and ``tanbih serve`` on it.

The coalition: a coordinator (the node's own partner, told nothing), a ``poster`` that posts
alerts, and a ``target`` owning one zone whose duty officer is reached on the channels the
benchmark asks for. Every alert names that zone, so ``target`` is the affected partner and the
one recipient; the coordinator's relation routes nowhere.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _loopback import VENV_BIN, free_port
from _processes import Listening, running
from tanbih import cap
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

ZONE_ID = "bench-zone"
POSTER_SENDER = "sensor@poster.bench.example.org"
# A 0.1° square near Amman: any place works, one is needed.
_RING = ((31.90, 35.90), (31.90, 36.00), (32.00, 36.00), (32.00, 35.90), (31.90, 35.90))
_PLACEHOLDER = "BENCH-IDENTIFIER"


class BenchCoalition:
    """The files of the benchmark's coalition, and the tokens matching its hashes."""

    def __init__(
        self,
        directory: Path,
        *,
        webhook_url: str | None = None,
        console: bool = False,
        escalate_after: Sequence[int] = (),
    ) -> None:
        self.directory = directory
        self.poster_token = new_token()
        self.target_token = new_token()
        channels = ["console"] if console else []
        if webhook_url is not None:
            channels.append("webhook")
        addresses = []
        if console:
            addresses.append("{kind: console, address: target-duty}")
        if webhook_url is not None:
            addresses.append(f'{{kind: webhook, address: "{webhook_url}"}}')
        addresses.append('{kind: sms, address: "+447700900999"}')
        self.file = directory / "coalition.yaml"
        (directory / "zones.geojson").write_text(json.dumps(_zone_file()))
        steps = "\n".join(
            f"      - {{after: {s}, duty: [duty_officer], channels: [sms]}}" for s in escalate_after
        )
        escalation = f"escalation:\n  default:\n    steps:\n{steps}\n" if escalate_after else ""
        self.file.write_text(
            _COALITION.format(
                poster_hash=hash_token(self.poster_token),
                target_hash=hash_token(self.target_token),
                addresses=", ".join(addresses),
                channels=", ".join(channels),
                escalate="true" if escalate_after else "false",
                escalation=escalation,
            )
        )


_COALITION = """\
format: tanbih-coalition/1
coalition: {{name: bench, version: "1"}}
node: {{partner: hub, sender: hub@bench.example.org}}
partners:
  - {{id: hub, name: Hub, role: coordinator, languages: [en], senders: [hub@bench.example.org]}}
  - id: poster
    name: Poster
    role: partner
    languages: [en]
    senders: [sensor@poster.bench.example.org]
    tokens: [{poster_hash}]
  - id: target
    name: Target
    role: partner
    languages: [en]
    tokens: [{target_hash}]
    contacts:
      - id: target-duty
        name: Duty officer
        duty: duty_officer
        languages: [en]
        channels: [{addresses}]
zones:
  - {{partner: target, file: zones.geojson, id_property: id, shelter_seconds: 90,
     names: {{en: name}}}}
routing:
  route:
    name: root
    receivers: []
    routes:
      - name: affected
        match: {{relation: [affected]}}
        receivers: [{{duty: [duty_officer], channels: [{channels}]}}]
        escalate: {escalate}
{escalation}"""


def _zone_file() -> dict[str, object]:
    ring = [[lon, lat] for lat, lon in _RING]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": ZONE_ID, "name": "Bench zone"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }


class AlertBodies:
    """CAP XML alerts from ``poster`` on the zone, differing only in their identifier."""

    def __init__(self, sent: datetime | None = None) -> None:
        sent = (sent or datetime.now(UTC)).replace(microsecond=0)
        alert = Alert(
            identifier=_PLACEHOLDER,
            sender=POSTER_SENDER,
            sent=sent,
            status=Status.EXERCISE,
            msg_type=MsgType.ALERT,
            scope=Scope.RESTRICTED,
            restriction="coalition members only",
            infos=(
                Info(
                    categories=(Category.SECURITY,),
                    event="Hostile UAV",
                    urgency=Urgency.IMMEDIATE,
                    severity=Severity.SEVERE,
                    certainty=Certainty.OBSERVED,
                    language="en",
                    response_types=(ResponseType.SHELTER,),
                    expires=sent + timedelta(hours=2),
                    headline="EXERCISE: benchmark alert, take shelter",
                    areas=(
                        Area(
                            area_desc="Bench zone",
                            polygons=(Polygon(tuple(Point(lat, lon) for lat, lon in _RING)),),
                            geocodes=(NamedValue("tanbih:zone", ZONE_ID),),
                        ),
                    ),
                ),
            ),
        )
        head, _, tail = cap.emit_xml(alert).partition(_PLACEHOLDER.encode())
        self._head, self._tail = head, tail

    def body(self, identifier: str) -> bytes:
        """The alert with ``identifier``."""
        return self._head + identifier.encode() + self._tail


@asynccontextmanager
async def tanbih_node(
    coalition: BenchCoalition, database_url: str = "", port: int | None = None
) -> AsyncIterator[Listening]:
    """``tanbih serve`` on the coalition for the block, once ``/healthz`` answers.

    Without ``database_url`` the store is a SQLite file in the coalition's directory.
    """
    port = port or free_port()
    env = {
        "TANBIH_COALITION": str(coalition.file),
        "TANBIH_DATA_DIR": str(coalition.directory / "data"),
        "TANBIH_DATABASE_URL": database_url,
        "TANBIH_NODE_SECRET": "bench-node-secret-" + "x" * 32,
        "TANBIH_PORT": str(port),
        "TANBIH_HOST": "127.0.0.1",
    }
    log = coalition.directory / "tanbih.log"
    async with running(
        [str(VENV_BIN / "tanbih"), "serve"], log, env=env, ready=(port, "/healthz"), within=90
    ) as process:
        yield Listening(port, process.pid)


def poster_headers(coalition: BenchCoalition) -> dict[str, str]:
    """Headers for posting CAP XML as ``poster``."""
    return {
        "Content-Type": "application/cap+xml",
        "Authorization": f"Bearer {coalition.poster_token}",
    }
