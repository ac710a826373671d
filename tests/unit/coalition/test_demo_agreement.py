"""The demo agreement: signed by all eight parties, shaped as DESIGN.md says, and played out on
a drone over Jordan that Israel reports (the issue's scenario, in the domain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.conftest import REPO_ROOT
from tests.unit.domain.assessment_samples import GEODESY, report

from tanbih.cap import emit_xml
from tanbih.coalition import load_coalition
from tanbih.coalition.agreement_signing import verify_ed25519
from tanbih.domain.agreement import Agreement
from tanbih.domain.agreement_versions import select_agreement
from tanbih.domain.cap import Alert, ResponseType, Status
from tanbih.domain.coalition import Coalition
from tanbih.domain.fusion import fuse
from tanbih.domain.issuance import IssuancePolicy, WarningThread, issue_warning
from tanbih.domain.redaction import Relay, redact
from tanbih.domain.releasability import Level, release
from tanbih.domain.response import Availability, ThreatToMeet, rank_responders
from tanbih.domain.response_assignment import (
    AssignmentState,
    DeclineReason,
    Step,
    accept,
    decline,
    open_assignment,
)
from tanbih.domain.threat import ThreatClass, ZoneExposure
from tanbih.domain.warning import decide_warnings, stages_after
from tanbih.geo.responsibility import ResponsibilityMap

DEMO = REPO_ROOT / "examples" / "coalition" / "coalition.yaml"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
# A drone flying east over Jordan, south of Amman.
PATH = [(31.95, 36.3), (31.95, 36.6), (31.95, 36.9)]


@pytest.fixture(scope="module")
def demo() -> Coalition:
    """The demo coalition, loaded once for this module."""
    return load_coalition(DEMO)


@pytest.fixture(scope="module")
def agreement(demo: Coalition) -> Agreement:
    """The demo's agreement."""
    assert demo.agreement is not None
    return demo.agreement


def test_every_party_signed_the_demo_version(agreement: Agreement) -> None:
    """Version 2026.1 is in force: all eight parties' Ed25519 signatures verify."""
    selection = select_agreement([agreement], verify_ed25519)
    assert selection.in_force == agreement
    assert selection.describe() == [
        "version 2026.1: in force, signed by all parties (coord, il, sa, qa, eg, ae, bh, jo)"
    ]


def test_the_uae_declares_means_but_is_never_a_responder(agreement: Agreement) -> None:
    """The UAE is a party with a declared capability, and a declared non-responder."""
    assert agreement.capabilities_of("ae")
    assert agreement.non_responders == {"ae"}
    assert not agreement.is_responder("ae")
    assert agreement.binding is False


@pytest.mark.parametrize(
    ("source", "recipient", "status", "level"),
    [
        ("il", "sa", Status.ACTUAL, Level.VIA_COORDINATOR),
        ("qa", "il", Status.ACTUAL, Level.VIA_COORDINATOR),
        ("il", "qa", Status.EXERCISE, Level.VIA_COORDINATOR),
        ("il", "eg", Status.ACTUAL, Level.ZONES_ONLY),
        ("il", "eg", Status.EXERCISE, Level.FULL),
        ("il", "coord", Status.ACTUAL, Level.FULL),
        ("sa", "qa", Status.ACTUAL, Level.FULL),
        ("jo", "il", Status.ACTUAL, Level.FULL),
    ],
)
def test_the_demo_matrix_follows_the_partners_relations(
    agreement: Agreement, source: str, recipient: str, status: Status, level: Level
) -> None:
    """Israel reaches Saudi Arabia and Qatar only via the hub; exercises share more widely."""
    assert agreement.sharing.cell(source, recipient, status) is level


def test_every_state_has_an_area_and_israel_s_overlaps_jordan_s(agreement: Agreement) -> None:
    """Seven areas, one per state; a point just east of the Jordan is in both il's and jo's."""
    assert sorted(a.partner_id for a in agreement.areas) == sorted(
        ["il", "sa", "qa", "eg", "ae", "bh", "jo"]
    )
    reach = ResponsibilityMap(agreement.areas).reach_of_path([(31.9, 35.65)])
    assert reach["il"].on_path
    assert reach["jo"].on_path


def test_a_drone_over_jordan_reported_by_israel(demo: Coalition, agreement: Agreement) -> None:
    """Jordan is asked first and declines, Israel accepts; the UAE is never asked; Saudi Arabia
    learns of the warning only from the hub, with zones and stage and nothing of the source."""
    reach = ResponsibilityMap(agreement.areas).reach_of_path(PATH)
    threat_facts = ThreatToMeet(ThreatClass.UAV, Status.ACTUAL, frozenset({"il"}))
    ranking = rank_responders(agreement, threat_facts, reach, Availability())
    assert ranking.order == ("jo", "il", "sa", "eg")
    assert "ae" not in ranking.order
    first = open_assignment("t1", ranking, NOW)
    assert isinstance(first, Step)
    assert first.ask is not None
    assert (first.ask.partner_id, first.ask.due_at) == ("jo", NOW + timedelta(seconds=60))
    declined = decline(first.assignment, "jo", DeclineReason.NO_MEANS_AVAILABLE, NOW)
    assert isinstance(declined, Step)
    assert declined.ask is not None
    assert declined.ask.partner_id == "il"
    accepted = accept(declined.assignment, "il", NOW + timedelta(seconds=20))
    assert isinstance(accepted, Step)
    assert (accepted.assignment.state, accepted.assignment.responder) == (
        AssignmentState.ACCEPTED,
        "il",
    )

    warning = _shelter_warning(demo)
    relay = Relay(demo.node.sender, b"demo relay key", "Coordination Hub")
    level = release(agreement.sharing, {"il"}, "sa", warning.status)
    assert level is Level.VIA_COORDINATOR
    copy = redact(warning, level, relay)
    assert copy is not None
    assert copy.sender == demo.node.sender
    assert (copy.incidents, copy.note) == (None, None)
    info = next(info for info in copy.infos if info.language == "en")
    assert info.response_types == (ResponseType.SHELTER,)
    assert [a.area_desc for a in info.areas] == ["Jordan"]
    assert {p.value_name for p in info.parameters} == {
        "tanbih:eta:jo-territory",
        "tanbih:shelter_seconds:jo-territory",
    }
    xml = emit_xml(copy)
    for secret in (b"hfc@il.example.org", b"airwatch@il.example.org", b"t1", b"radar-1"):
        assert secret not in xml


def _shelter_warning(demo: Coalition) -> Alert:
    """The hub's take-shelter warning for Jordan's territory, of a drone Israel reported."""
    threat = fuse({}, report(time=NOW, lat=31.95, lon=36.3, heading_deg=90.0), NOW, GEODESY, "t1")
    exposures = [ZoneExposure("jo-territory", "jo", NOW + timedelta(seconds=30), 90)]
    decision = decide_warnings(exposures, {}, NOW, threat_ended=False)
    zones = {zone.id: zone for zone in demo.zones if zone.partner_id == "jo"}
    issued = issue_warning(
        threat.threat,
        decision.changes,
        stages_after({}, decision),
        exposures,
        zones,
        WarningThread("t1"),
        NOW,
        IssuancePolicy(sender=demo.node.sender),
    )
    assert issued is not None
    assert any(p.value_name == "tanbih:threat" for p in issued.alert.infos[0].parameters)
    return issued.alert
