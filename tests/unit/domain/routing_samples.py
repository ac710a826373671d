"""A small coalition and alerts to route: a hub, two threatened partners and a subscriber."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import MappingProxyType

from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.coalition import (
    ChannelAddress,
    ChannelKind,
    Coalition,
    Contact,
    DutyRole,
    EscalationPolicies,
    EscalationPolicy,
    EscalationStep,
    Matcher,
    NodeIdentity,
    Partner,
    Receiver,
    Repeat,
    Role,
    Roster,
    Route,
    RouteLabel,
    RoutingPolicy,
    Shift,
    StepTarget,
    Zone,
)

# A Monday: 10:00 UTC is 12:00 in Jerusalem (winter) and 13:00 in Riyadh, day watch everywhere.
DAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)

EVERY_DAY = frozenset(range(7))
CONSOLE = ChannelKind.CONSOLE
WEBHOOK = ChannelKind.WEBHOOK
SMS = ChannelKind.SMS
VOICE = ChannelKind.VOICE


def contact(contact_id: str, duty: DutyRole, languages: tuple[str, ...]) -> Contact:
    """A contact with a console, a webhook, an SMS number and a voice number."""
    number = f"+44770090{sum(map(ord, contact_id)) % 10000:04d}"
    return Contact(
        id=contact_id,
        name=contact_id,
        duty=duty,
        languages=languages,
        channels=(
            ChannelAddress(CONSOLE, contact_id),
            ChannelAddress(WEBHOOK, f"http://127.0.0.1:18000/{contact_id}"),
            ChannelAddress(SMS, number),
            ChannelAddress(VOICE, number),
        ),
    )


def day_and_night(partner_id: str, time_zone: str) -> Roster:
    """Duty officer 07:00-19:00, deputy as duty officer 19:00-07:00, the other as deputy."""
    duty, deputy = f"{partner_id}-duty", f"{partner_id}-deputy"
    return Roster(
        time_zone,
        (
            Shift(
                EVERY_DAY,
                time(7),
                time(19),
                MappingProxyType({DutyRole.DUTY_OFFICER: (duty,), DutyRole.DEPUTY: (deputy,)}),
            ),
            Shift(
                EVERY_DAY,
                time(19),
                time(7),
                MappingProxyType({DutyRole.DUTY_OFFICER: (deputy,), DutyRole.DEPUTY: (duty,)}),
            ),
        ),
    )


def partner(
    partner_id: str, role: Role, languages: tuple[str, ...], roster: Roster | None = None
) -> Partner:
    """A partner with a duty officer and a deputy reading ``languages``."""
    return Partner(
        id=partner_id,
        name=partner_id.upper(),
        role=role,
        languages=languages,
        senders=(f"cap@{partner_id}.example.org",),
        contacts=(
            contact(f"{partner_id}-duty", DutyRole.DUTY_OFFICER, languages),
            contact(f"{partner_id}-deputy", DutyRole.DEPUTY, languages),
        ),
        roster=roster,
    )


def receiver(*channels: ChannelKind, duties: tuple[DutyRole, ...] = ()) -> Receiver:
    """The duty officer (or ``duties``) on ``channels``."""
    return Receiver(duties or (DutyRole.DUTY_OFFICER,), channels)


def match(label: RouteLabel, *values: str, negated: bool = False) -> Matcher:
    """A matcher of ``label`` on ``values``."""
    return Matcher(label, frozenset(values), negated)


ROUTES = Route(
    name="root",
    receivers=(),
    routes=(
        Route("own", (match(RouteLabel.RELATION, "source"),)),
        Route(
            "tests",
            (match(RouteLabel.STATUS, "Test"),),
            receivers=(receiver(CONSOLE),),
            escalate=False,
        ),
        Route(
            "air",
            (match(RouteLabel.CATEGORY, "Security"),),
            routes=(
                Route(
                    "threatened",
                    (match(RouteLabel.RELATION, "affected"),),
                    receivers=(receiver(CONSOLE, WEBHOOK),),
                ),
                Route(
                    "hub",
                    (match(RouteLabel.RELATION, "coordinator"),),
                    receivers=(receiver(CONSOLE), receiver(CONSOLE, SMS)),
                ),
                Route(
                    "overflown",
                    (match(RouteLabel.RELATION, "subscriber"),),
                    receivers=(receiver(CONSOLE),),
                    escalate=False,
                ),
            ),
        ),
    ),
)

STANDARD = EscalationPolicy(
    steps=(
        EscalationStep(timedelta(seconds=20), receiver(SMS, VOICE)),
        EscalationStep(timedelta(seconds=45), receiver(CONSOLE, SMS, duties=(DutyRole.DEPUTY,))),
        EscalationStep(timedelta(seconds=60), receiver(SMS), StepTarget.COORDINATOR),
    ),
    repeat=Repeat(2, timedelta(seconds=120)),
)


def coalition(routes: Route = ROUTES) -> Coalition:
    """Hub ``hub`` (en), partners ``aa`` (ar, en; owns zone aa-1), ``bb`` (he, en; rostered in
    Jerusalem), ``cc`` (ar; subscribed to Security) and observer ``dd`` (en)."""
    return Coalition(
        name="Test",
        version="1",
        node=NodeIdentity("hub", "cap@hub.example.org"),
        partners=(
            partner("hub", Role.COORDINATOR, ("en",)),
            partner("aa", Role.PARTNER, ("ar", "en"), day_and_night("aa", "Asia/Riyadh")),
            partner("bb", Role.PARTNER, ("he", "en"), day_and_night("bb", "Asia/Jerusalem")),
            partner("cc", Role.PARTNER, ("ar",)),
            partner("dd", Role.OBSERVER, ("en",)),
        ),
        zones=(Zone("aa-1", "aa", MappingProxyType({"en": "One"}), 30, ()),),
        routing=RoutingPolicy(routes, MappingProxyType({"cc": frozenset({Category.SECURITY})})),
        escalation=EscalationPolicies(STANDARD, MappingProxyType({"hub": EscalationPolicy()})),
    )


def alert(
    *,
    status: Status = Status.ACTUAL,
    msg_type: MsgType = MsgType.ALERT,
    category: Category = Category.SECURITY,
    languages: tuple[str, ...] = ("en-US",),
    zones: tuple[str, ...] = (),
    severity: Severity = Severity.SEVERE,
) -> Alert:
    """An alert with one info per language, its areas naming ``zones`` by geocode."""
    areas = tuple(Area(z, geocodes=(NamedValue("tanbih:zone", z),)) for z in zones)
    infos = tuple(
        Info(
            categories=(category,),
            event="Hostile UAV",
            urgency=Urgency.IMMEDIATE,
            severity=severity,
            certainty=Certainty.OBSERVED,
            language=language,
            headline="Hostile UAV approaching",
            areas=areas,
        )
        for language in languages
    )
    return Alert(
        identifier="a-1",
        sender="cap@hub.example.org",
        sent=DAY,
        status=status,
        msg_type=msg_type,
        scope=Scope.RESTRICTED,
        infos=infos,
    )
