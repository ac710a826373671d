"""The demo coalition in examples/coalition/ is the one DESIGN.md describes, and it loads."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from tests.conftest import REPO_ROOT
from tests.unit.domain.routing_samples import DAY, NIGHT, alert

from tanbih.coalition import load_coalition
from tanbih.coalition.tokens import hash_token
from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelKind, Coalition, DutyRole, Role, StepTarget
from tanbih.domain.roster import on_duty
from tanbih.domain.routing import route

DEMO = REPO_ROOT / "examples" / "coalition"
ARAB_PARTNERS = ("sa", "qa", "eg", "ae", "bh", "jo")
HFC_SHELTER_TIMES = {0, 15, 30, 45, 60, 90}
# Phone ranges reserved for fiction: NANP 555-0100..0199 and Ofcom's 07700 900000..900999.
FICTIONAL_PHONE = re.compile(r"\+1\d{3}55501\d{2}|\+447700900\d{3}")


@pytest.fixture(scope="module")
def demo() -> Coalition:
    """The demo coalition, loaded once for this module."""
    return load_coalition(DEMO / "coalition.yaml")


def demo_tokens() -> dict[str, str]:
    """The demo tokens file, as partner id -> token."""
    tokens = {}
    for line in (DEMO / "demo-tokens.env").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, token = line.split("=", 1)
            tokens[name.removeprefix("TANBIH_DEMO_TOKEN_").lower()] = token
    return tokens


def test_the_demo_has_a_us_led_coordinator_and_seven_partners(demo: Coalition) -> None:
    """Eight members: the English-speaking coordinator running this node, then the seven states."""
    assert [p.id for p in demo.partners] == ["coord", "il", "sa", "qa", "eg", "ae", "bh", "jo"]
    assert [p.id for p in demo.partners if p.role is Role.COORDINATOR] == ["coord"]
    coordinator = demo.partner("coord")
    assert coordinator is not None
    assert coordinator.languages == ("en",)
    assert demo.node.partner_id == "coord"


def test_partners_work_in_the_languages_design_names(demo: Coalition) -> None:
    """Israel works in Hebrew, Arabic and English; the Arab partners in Arabic and English."""
    languages = {p.id: p.languages for p in demo.partners}
    assert languages["il"] == ("he", "ar", "en")
    assert all(languages[p] == ("ar", "en") for p in ARAB_PARTNERS)


def test_israel_has_the_1449_home_front_command_areas(demo: Coalition) -> None:
    """Each HFC area is an Israeli zone with an HFC shelter time and names in he, ar and en."""
    israeli = [zone for zone in demo.zones if zone.partner_id == "il"]
    assert len(israeli) == 1449
    assert {zone.shelter_seconds for zone in israeli} == HFC_SHELTER_TIMES
    assert all(zone.names.get("he") for zone in israeli)
    names = Counter(language for zone in israeli for language in zone.names)
    assert names["en"] >= 1429
    assert names["ar"] >= 1429
    abu_gosh = next(zone for zone in israeli if zone.names.get("en") == "Abu Gosh")
    assert (abu_gosh.names["he"], abu_gosh.names["ar"]) == ("אבו גוש", "آبو غوش")


def test_every_other_state_has_its_territory_as_zones(demo: Coalition) -> None:
    """Each Arab partner owns zones (its territory, 90 s to shelter); the coordinator owns none."""
    owners = Counter(zone.partner_id for zone in demo.zones)
    assert all(owners[partner] >= 1 for partner in ARAB_PARTNERS)
    assert owners["coord"] == 0
    territories = [zone for zone in demo.zones if zone.partner_id in ARAB_PARTNERS]
    assert {zone.shelter_seconds for zone in territories} == {90}
    assert all({"ar", "en"} <= set(zone.names) for zone in territories)


def test_each_partner_has_a_duty_officer_and_a_deputy_on_every_channel(demo: Coalition) -> None:
    """Duty officer and deputy on console, e-mail, SMS and voice; one webhook per partner."""
    for partner in demo.partners:
        duties = {contact.duty for contact in partner.contacts}
        assert {DutyRole.DUTY_OFFICER, DutyRole.DEPUTY} <= duties, partner.id
        for contact in partner.contacts:
            if contact.duty is not DutyRole.LIAISON:
                kinds = {channel.kind for channel in contact.channels}
                assert {ChannelKind.CONSOLE, ChannelKind.EMAIL, ChannelKind.SMS} <= kinds
                assert ChannelKind.VOICE in kinds
        webhooks = [
            channel.address
            for contact in partner.contacts
            for channel in contact.channels
            if channel.kind is ChannelKind.WEBHOOK
        ]
        assert len(webhooks) == 1
        assert webhooks[0].startswith("http://127.0.0.1:")


def test_every_address_is_fictional(demo: Coalition) -> None:
    """E-mail on RFC 2606 example.org domains, phones in ranges reserved for fiction."""
    for partner in demo.partners:
        assert all(sender.endswith(".example.org") for sender in partner.senders)
        for contact in partner.contacts:
            for channel in contact.channels:
                if channel.kind is ChannelKind.EMAIL:
                    assert channel.address.endswith(".example.org"), channel
                if channel.kind in {ChannelKind.SMS, ChannelKind.VOICE}:
                    assert FICTIONAL_PHONE.fullmatch(channel.address), channel


def test_each_demo_token_authenticates_exactly_its_partner(demo: Coalition) -> None:
    """The demo token of each partner hashes to a hash that partner, and only it, declares."""
    tokens = demo_tokens()
    assert sorted(tokens) == sorted(p.id for p in demo.partners)
    for partner_id, token in tokens.items():
        partner = demo.partner_by_token_hash(hash_token(token))
        assert partner is not None
        assert partner.id == partner_id


def test_the_agreement_sections_are_kept_as_written(demo: Coalition) -> None:
    """The sharing, response and agreement sections reach Coalition.policies as written."""
    assert set(demo.policies) == {"sharing", "response", "agreement"}
    response = demo.policies["response"]
    assert isinstance(response, dict)
    assert response["non_responders"] == ["ae"]


TIME_ZONES = {
    "coord": "Asia/Qatar",
    "il": "Asia/Jerusalem",
    "sa": "Asia/Riyadh",
    "qa": "Asia/Qatar",
    "eg": "Africa/Cairo",
    "ae": "Asia/Dubai",
    "bh": "Asia/Bahrain",
    "jo": "Asia/Amman",
}


def test_every_member_keeps_a_roster_around_the_clock_in_its_own_time_zone(
    demo: Coalition,
) -> None:
    """Every hour of the week each member has a duty officer and a deputy by its roster."""
    week = [DAY + timedelta(hours=h, minutes=30) for h in range(7 * 24)]
    for partner in demo.partners:
        assert partner.roster is not None, partner.id
        assert partner.roster.time_zone == TIME_ZONES[partner.id]
        for now in week:
            assert len(on_duty(partner.roster, DutyRole.DUTY_OFFICER, now)) == 1, (partner.id, now)
            assert len(on_duty(partner.roster, DutyRole.DEPUTY, now)) == 1, (partner.id, now)


@pytest.mark.parametrize("now", [DAY, NIGHT], ids=["day", "night"])
def test_an_air_warning_reaches_the_threatened_the_hub_and_jordan(
    demo: Coalition, now: datetime
) -> None:
    """Egypt warns Saudi Arabia: Saudi console and webhook, the hub, Jordan's console, not Egypt."""
    result = route(demo, alert(), "eg", frozenset({"sa"}), now)
    assert {p.partner_id: p.routes for p in result.partners} == {
        "coord": ("hub",),
        "sa": ("threatened",),
        "jo": ("overflown",),
    }
    kinds = {p.partner_id: {r.channel.kind for r in p.recipients} for p in result.partners}
    assert kinds["sa"] == {ChannelKind.CONSOLE, ChannelKind.WEBHOOK}
    assert kinds["jo"] == {ChannelKind.CONSOLE}
    assert result.escalated == ("coord", "sa")


def test_exercises_route_like_real_warnings_and_tests_stay_on_the_console(
    demo: Coalition,
) -> None:
    """Exercise traffic takes the real path; Test traffic reaches consoles and never escalates."""
    real = route(demo, alert(), "eg", frozenset({"sa"}), DAY)
    exercise = route(demo, alert(status=Status.EXERCISE), "eg", frozenset({"sa"}), DAY)
    test = route(demo, alert(status=Status.TEST), "eg", frozenset({"sa"}), DAY)
    assert exercise.recipients == real.recipients
    assert {r.channel.kind for r in test.recipients} == {ChannelKind.CONSOLE}
    assert test.escalated == ()


def test_the_demo_escalates_as_issue_3_describes(demo: Coalition) -> None:
    """20 s SMS and call to the duty officer, 45 s the deputy, 60 s the hub, twice repeated."""
    policy = demo.escalation.for_partner("sa")
    steps = [
        (s.after.seconds, s.of, s.receiver.duties, set(s.receiver.channels)) for s in policy.steps
    ]
    sms_voice = {ChannelKind.SMS, ChannelKind.VOICE}
    assert steps == [
        (20, StepTarget.PARTNER, (DutyRole.DUTY_OFFICER,), sms_voice),
        (45, StepTarget.PARTNER, (DutyRole.DEPUTY,), {ChannelKind.CONSOLE, *sms_voice}),
        (60, StepTarget.COORDINATOR, (DutyRole.DUTY_OFFICER,), sms_voice),
    ]
    assert policy.repeat is not None
    assert (policy.repeat.times, policy.repeat.every.seconds) == (2, 120)
    hub = demo.escalation.for_partner("coord")
    assert all(step.of is StepTarget.PARTNER for step in hub.steps)


def test_the_demo_needs_nothing_outside_its_folder() -> None:
    """Every zone file the demo names is committed under examples/coalition (no ../shared)."""
    document = yaml.safe_load((DEMO / "coalition.yaml").read_text(encoding="utf-8"))
    files = [source["file"] for source in document["zones"]]
    assert len(files) == 7
    for name in files:
        path = (DEMO / name).resolve()
        assert path.is_file()
        assert path.is_relative_to(DEMO)
    assert (DEMO / "zones" / "ATTRIBUTION.md").is_file()


def build_zones_module() -> ModuleType:
    """The zone build script, imported from its file (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_zones", DEMO / "build_zones.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_zone_files_are_what_the_build_script_makes(
    shared_data: Path, tmp_path: Path
) -> None:
    """Rebuilding from ../shared/data reproduces the committed zone files byte for byte."""
    written = build_zones_module().build(shared_data, tmp_path)
    committed = {path.name for path in (DEMO / "zones").glob("*.geojson")}
    assert {path.name for path in written} == committed
    for path in written:
        assert path.read_bytes() == (DEMO / "zones" / path.name).read_bytes(), path.name
