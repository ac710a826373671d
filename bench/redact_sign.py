"""Releasability's cost per recipient message: redaction, signing, verification, and routing with
releasability for the demo coalition's eight partners, on one core.

Run: ``.venv/bin/python bench/redact_sign.py [--seconds S]`` (about 15 s at the default).
Each row times one call per sample: wall-clock p50 and p99 in µs, the p50 of the thread's CPU
time (what the call costs when other processes share the cores), and calls/s at the wall p50.

The message is what the hub issues for a drone fused from Israel's and Jordan's reports: Arabic,
Hebrew and English infos over four of Israel's real zones, ETA and shelter parameters per zone,
the threat id and its two ``tanbih:source`` parameters.

- "redact" is :func:`tanbih.domain.redaction.redact` at a level; "emit" writes the copy's XML;
  "sign" and "verify" are :mod:`tanbih.cap.signature` on the copy (ECDSA P-256).
- "copy_for, first" is what the first recipient at a level costs (sources, level, redact, emit,
  sign); "copy_for, cached" what every further recipient at that level costs (fan-out).
- "route + releasability" is the node's route stage (:class:`PlanNotifications`) for the
  message: the zones' owners from geometry, the routing tree for every partner, each partner's
  level from the matrix, the notifications and the audit entries of redacted and withheld
  partners; "route" alone is :func:`tanbih.domain.routing.route`, for the difference.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives.serialization import Encoding

from _timing import Timings, sample
from tanbih.adapters.memory_store import MemoryStore
from tanbih.cap import emit_xml, parse_document
from tanbih.cap.signature import sign, verify, verify_document
from tanbih.cli.keys import new_key_pair
from tanbih.coalition import load_coalition
from tanbih.coalition.keys import signing_key
from tanbih.domain.cap import Alert, Status
from tanbih.domain.coalition import Coalition, SigningKey
from tanbih.domain.fusion import Threat
from tanbih.domain.issuance import IssuancePolicy, WarningThread, issue_warning
from tanbih.domain.lifecycle import Rule, Stage, thread_id_of
from tanbih.domain.provenance import SOURCE_PARAMETER as SOURCE
from tanbih.domain.records import AlertRecord
from tanbih.domain.redaction import Relay, redact
from tanbih.domain.releasability import Level
from tanbih.domain.routing import route
from tanbih.domain.threat import Kinematics, ThreatClass, ZoneExposure
from tanbih.domain.warning import StageChange, WarningRule
from tanbih.geo.area_owners import AreaOwners
from tanbih.pipeline.notify_plan import PlanNotifications
from tanbih.pipeline.release import Releasability, relay_for

DEMO = Path(__file__).resolve().parents[1] / "examples" / "coalition" / "coalition.yaml"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
SECRET = b"benchmark-node-secret-of-32-bytes-or-more"
T = TypeVar("T")


def row(name: str, timings: Timings) -> str:
    """One table row: wall µs at p50 and p99, CPU µs at p50, calls per second at the p50."""
    wall, cpu = (sorted(times) for times in timings)
    p50, p99 = wall[len(wall) // 2] / 1000, wall[min(len(wall) - 1, int(len(wall) * 0.99))] / 1000
    cpu50 = cpu[len(cpu) // 2] / 1000
    return f"{name:<46} {p50:>9.1f} {p99:>9.1f} {cpu50:>9.1f} {1e6 / p50:>10,.0f}"


def completed(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends (the route stage of a new event)."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        result: T = stop.value
        return result
    coroutine.close()
    raise RuntimeError("the coroutine suspended")


def fused_warning(coalition: Coalition) -> Alert:
    """The hub's take-shelter warning for a drone Israel and Jordan reported, over four zones."""
    zones = {zone.id: zone for zone in coalition.zones if zone.partner_id == "il"}
    chosen = sorted(zones)[:4]
    threat = Threat(
        id="t0123456789abcdef",
        threat_class=ThreatClass.UAV,
        status=Status.ACTUAL,
        state=Kinematics(NOW, 31.9, 35.2, 300.0, 50.0, 270.0),
        first_seen=NOW,
        last_seen=NOW,
        sources=("il", "jo"),
        tracks=(),
        confidence=0.9,
    )
    exposures = [
        ZoneExposure(zone_id, "il", NOW + timedelta(seconds=60 + n), zones[zone_id].shelter_seconds)
        for n, zone_id in enumerate(chosen)
    ]
    changes = [
        StageChange(e.zone_id, Stage.NONE, Stage.TAKE_SHELTER, WarningRule.SHELTER_DUE, e)
        for e in exposures
    ]
    issued = issue_warning(
        threat,
        changes,
        dict.fromkeys(chosen, Stage.TAKE_SHELTER),
        exposures,
        zones,
        WarningThread(threat.id),
        NOW,
        IssuancePolicy(sender=coalition.node.sender, sender_name="Coordination Hub"),
    )
    assert issued is not None
    return issued.alert


@dataclass(frozen=True)
class Setup:
    """The demo coalition, the node's signing key, the fused warning as stored."""

    coalition: Coalition
    signer: Callable[[bytes], bytes]
    trusted: dict[str, tuple[SigningKey, ...]]
    relay: Relay
    alert: Alert
    record: AlertRecord


def setup() -> Setup:
    """Load the demo coalition, make the hub's key, issue and store the warning."""
    coalition = load_coalition(DEMO)
    key, certificate = new_key_pair("coord", "coord-1", now=NOW - timedelta(days=1), days=365)
    registered = signing_key("coord-1", "ecdsa-sha256", certificate.public_bytes(Encoding.PEM))
    assert isinstance(registered, SigningKey)

    def signer(xml: bytes) -> bytes:
        return sign(xml, key, certificate)

    alert = fused_warning(coalition)
    named = {p.value for i in alert.infos for p in i.parameters if p.value_name == SOURCE}
    assert named == {"il", "jo"}
    record = AlertRecord(
        key=alert.key,
        status=alert.status,
        msg_type=alert.msg_type,
        thread_id=thread_id_of(alert.key),
        stage=Stage.TAKE_SHELTER,
        expires=alert.expires,
        received_at=NOW,
        partner_id="coord",
        xml=signer(emit_xml(alert)),
    )
    trusted = {coalition.node.sender: (registered,)}
    return Setup(coalition, signer, trusted, relay_for(coalition, SECRET), alert, record)


def copy_rows(s: Setup, releasability: Releasability, seconds: float) -> None:
    """Per level: redact, emit, sign, verify the copy; copy_for first and cached."""
    levels = {p.id: releasability.level_of(s.record, p.id, s.alert) for p in s.coalition.partners}
    for level in (Level.ZONES_ONLY, Level.VIA_COORDINATOR):
        copy = redact(s.alert, level, s.relay)
        assert copy is not None
        xml = emit_xml(copy)
        signed = s.signer(xml)
        document = parse_document(signed)
        assert verify(signed, s.trusted, required=True, now=NOW).key_id == "coord-1"
        recipient = next(p for p, lv in levels.items() if lv is level)
        rows = {
            f"{level}: redact": lambda lv=level: redact(s.alert, lv, s.relay),
            f"{level}: emit": lambda c=copy: emit_xml(c),
            f"{level}: sign": lambda x=xml: s.signer(x),
            f"{level}: verify (parse + signature)": lambda b=signed: verify(
                b, s.trusted, required=True, now=NOW
            ),
            f"{level}: verify, parsed": lambda d=document: verify_document(
                d, s.trusted, required=True, now=NOW
            ),
            f"{level}: copy_for, first at the level": lambda r=recipient: Releasability(
                s.coalition, s.relay, s.signer
            ).copy_for(s.record, s.alert, r),
            f"{level}: copy_for, cached (fan-out)": lambda r=recipient: releasability.copy_for(
                s.record, s.alert, r
            ),
        }
        for name, call in rows.items():
            print(row(name, sample(call, seconds)))


def routing_rows(s: Setup, releasability: Releasability, seconds: float) -> None:
    """The route stage with and without a restricting matrix, and its parts."""
    owners = AreaOwners(s.coalition.zones)
    plan = PlanNotifications(s.coalition, owners, MemoryStore(), releasability)
    shared = replace(s.coalition, agreement=None)
    everything = Releasability(shared, s.relay, s.signer)
    plan_shared = PlanNotifications(shared, owners, MemoryStore(), everything)
    coord = s.coalition.partner("coord")
    assert coord is not None
    affected = owners.partners(s.alert)
    partners = [p.id for p in s.coalition.partners]
    rows: dict[str, Callable[[], object]] = {
        "zones' owners from geometry (AreaOwners)": lambda: owners.partners(s.alert),
        "route (8 partners, no releasability)": lambda: route(
            s.coalition, s.alert, "coord", affected, NOW
        ),
        "levels of 8 partners (sources read)": lambda: [
            releasability.level_of(s.record, p, s.alert) for p in partners
        ],
        "route stage, nothing restricted (8 partners)": lambda: completed(
            plan_shared(s.alert, s.record, Rule.ISSUE, coord, NOW)
        ),
        "route stage with releasability (8 partners)": lambda: completed(
            plan(s.alert, s.record, Rule.ISSUE, coord, NOW)
        ),
    }
    planned = completed(plan(s.alert, s.record, Rule.ISSUE, coord, NOW))
    told = len({n.recipient.partner_id for n in planned.notifications})
    audit = ", ".join(e.kind for e in planned.audit)
    print(f"route stage: {len(planned.notifications)} notifications to {told} partners; {audit}")
    for name, call in rows.items():
        print(row(name, sample(call, seconds)))


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per row (default 1)")
    seconds = parser.parse_args().seconds
    s = setup()
    releasability = Releasability(s.coalition, s.relay, s.signer)
    levels = [
        f"{p.id} {releasability.level_of(s.record, p.id, s.alert)}" for p in s.coalition.partners
    ]
    print("levels:", ", ".join(levels))
    sizes = {"issued": len(emit_xml(s.alert))}
    for level in (Level.ZONES_ONLY, Level.VIA_COORDINATOR):
        copy = redact(s.alert, level, s.relay)
        assert copy is not None
        sizes[str(level)] = len(emit_xml(copy))
    print("bytes:", ", ".join(f"{name} {size:,}" for name, size in sizes.items()))
    header = ("operation (the fused warning above)", "p50 µs", "p99 µs", "CPU p50", "calls/s")
    print("{:<46} {:>9} {:>9} {:>9} {:>10}".format(*header))
    copy_rows(s, releasability, seconds)
    routing_rows(s, releasability, seconds)


if __name__ == "__main__":
    main()
