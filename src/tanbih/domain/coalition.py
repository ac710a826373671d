"""The coalition: partners, their roles, contacts and duty rosters, the zones they own, the keys
they sign CAP messages with, and how they are told: the routing tree and the escalation policies.

These are the values the coalition file declares; the decisions that read them live beside
them (:mod:`~tanbih.domain.roster`, :mod:`~tanbih.domain.routing`,
:mod:`~tanbih.domain.escalation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from tanbih.domain.agreement import Agreement
from tanbih.domain.cap import Category


class Role(StrEnum):
    """A partner's role in the coalition."""

    COORDINATOR = "coordinator"
    PARTNER = "partner"
    OBSERVER = "observer"


class ChannelKind(StrEnum):
    """A way a contact can be reached."""

    CONSOLE = "console"
    WEBHOOK = "webhook"
    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    APPRISE = "apprise"


class DutyRole(StrEnum):
    """Where a contact stands in a partner's duty roster."""

    DUTY_OFFICER = "duty_officer"
    DEPUTY = "deputy"
    LIAISON = "liaison"


@dataclass(frozen=True, slots=True)
class ChannelAddress:
    """One address on one channel (an e-mail address, a phone number, a webhook URL...)."""

    kind: ChannelKind
    address: str


@dataclass(frozen=True, slots=True)
class Contact:
    """A person or desk at a partner, reachable on channels, reading some languages."""

    id: str
    name: str
    duty: DutyRole
    languages: tuple[str, ...]
    channels: tuple[ChannelAddress, ...] = ()


@dataclass(frozen=True, slots=True)
class Shift:
    """A recurring watch: from ``start`` to ``end`` local time, who holds which duty.

    ``days`` are the weekdays the shift starts on (0 is Monday). An ``end`` at or before
    ``start`` runs past midnight into the next day; ``end == start`` is a 24-hour watch.
    """

    days: frozenset[int]
    start: time
    end: time
    on_duty: Mapping[DutyRole, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Roster:
    """A partner's duty roster: its shifts, read in its own IANA time zone."""

    time_zone: str
    shifts: tuple[Shift, ...]


class SignatureAlgorithm(StrEnum):
    """How a registered key signs CAP messages: the XML-DSig ``SignatureMethod`` it must use."""

    ECDSA_SHA256 = "ecdsa-sha256"
    RSA_SHA256 = "rsa-sha256"


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A key a partner signs CAP messages with, registered by its X.509 certificate (PEM).

    ``fingerprint``: SHA-256 of the certificate's DER bytes, hex; validity dates in UTC.
    """

    id: str
    algorithm: SignatureAlgorithm
    certificate_pem: str
    fingerprint: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True, slots=True)
class Partner:
    """A member of the coalition: a state or the coordinator running the hub.

    Without a ``roster``, each contact's standing ``duty`` says who is on duty. ``keys`` are the
    keys its CAP messages may be signed with (several while one replaces another).
    """

    id: str
    name: str
    role: Role
    languages: tuple[str, ...]
    senders: tuple[str, ...]
    token_hashes: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()
    roster: Roster | None = None
    keys: tuple[SigningKey, ...] = ()

    def may_send_as(self, sender: str) -> bool:
        """Whether CAP messages with this ``sender`` may come from this partner."""
        return sender in self.senders


@dataclass(frozen=True, slots=True)
class Zone:
    """An alert zone owned by a partner; people in it need ``shelter_seconds`` to take shelter.

    ``rings`` are closed ``(lat, lon)`` rings: the outer ring first, holes after it.
    """

    id: str
    partner_id: str
    names: Mapping[str, str]
    shelter_seconds: int
    rings: tuple[tuple[tuple[float, float], ...], ...]

    def name(self, language: str) -> str:
        """The zone's name in ``language`` (primary subtag match), else English, else its id."""
        primary = language.split("-", maxsplit=1)[0]
        return self.names.get(primary) or self.names.get("en") or self.id


@dataclass(frozen=True, slots=True)
class NodeIdentity:
    """Who this node is: the partner running it and the CAP ``sender`` it signs messages as."""

    partner_id: str
    sender: str


@dataclass(frozen=True, slots=True)
class Receiver:
    """Whom of a partner to tell, and how: the contacts holding ``duties``, on ``channels``."""

    duties: tuple[DutyRole, ...]
    channels: tuple[ChannelKind, ...]


class RouteLabel(StrEnum):
    """What a route matcher looks at: a property of the alert or of the partner routed."""

    STATUS = "status"
    MSG_TYPE = "msg_type"
    CATEGORY = "category"
    SEVERITY = "severity"
    URGENCY = "urgency"
    ZONE = "zone"
    SOURCE = "source"
    PARTNER = "partner"
    RELATION = "relation"


@dataclass(frozen=True, slots=True)
class Matcher:
    """One condition of a route: ``label`` has one of ``values`` (negated: none of them)."""

    label: RouteLabel
    values: frozenset[str]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Route:
    """A node of the routing tree, shaped like an Alertmanager route.

    ``receivers`` and ``escalate`` left ``None`` are inherited from the parent route;
    ``receivers=()`` tells nobody. ``continue_matching`` lets later siblings match too.
    """

    name: str
    matchers: tuple[Matcher, ...] = ()
    receivers: tuple[Receiver, ...] | None = None
    escalate: bool | None = None
    continue_matching: bool = False
    routes: tuple[Route, ...] = ()


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """The routing tree, and the categories each partner wants wherever an alert is."""

    route: Route
    subscriptions: Mapping[str, frozenset[Category]] = field(
        default_factory=lambda: MappingProxyType({})
    )


class StepTarget(StrEnum):
    """Whose contacts an escalation step reaches."""

    PARTNER = "partner"
    COORDINATOR = "coordinator"


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """``after`` the first notification, if still unacknowledged, tell ``receiver`` of ``of``."""

    after: timedelta
    receiver: Receiver
    of: StepTarget = StepTarget.PARTNER


@dataclass(frozen=True, slots=True)
class Repeat:
    """Run the steps again ``times`` more times, each round starting ``every`` after the last."""

    times: int
    every: timedelta


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """What happens while nobody of a partner acknowledges: steps by delay, maybe repeated."""

    steps: tuple[EscalationStep, ...] = ()
    repeat: Repeat | None = None


@dataclass(frozen=True, slots=True)
class EscalationPolicies:
    """The default escalation policy and the partners that have their own."""

    default: EscalationPolicy = EscalationPolicy()
    partners: Mapping[str, EscalationPolicy] = field(default_factory=lambda: MappingProxyType({}))

    def for_partner(self, partner_id: str) -> EscalationPolicy:
        """The policy that applies to ``partner_id``."""
        return self.partners.get(partner_id, self.default)


# Without a routing section every partner concerned hears at once on console and webhook, and
# escalation runs: a file that forgets routing must not silence warnings.
DEFAULT_ROUTING = RoutingPolicy(
    Route(
        name="default",
        receivers=(Receiver((DutyRole.DUTY_OFFICER,), (ChannelKind.CONSOLE, ChannelKind.WEBHOOK)),),
        escalate=True,
    )
)


@dataclass(frozen=True, slots=True)
class Coalition:
    """Everything a node knows about its coalition, as loaded from the coalition file.

    ``policies`` holds the agreement's sections (sharing, response, agreement) verbatim, as
    written; ``agreement`` is what they declare, typed (the loader always sets it).
    ``routing`` and ``escalation`` are typed; without them in the file,
    :data:`DEFAULT_ROUTING` applies and nothing escalates. ``signatures_required``: the
    partners agreed to refuse unsigned messages.
    """

    name: str
    version: str
    node: NodeIdentity
    partners: tuple[Partner, ...]
    zones: tuple[Zone, ...] = ()
    policies: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    routing: RoutingPolicy = DEFAULT_ROUTING
    escalation: EscalationPolicies = EscalationPolicies()
    signatures_required: bool = False
    agreement: Agreement | None = None
    # Zone id -> owner, built once: routing looks owners up for every alert.
    _zone_owners: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        owners = MappingProxyType({zone.id: zone.partner_id for zone in self.zones})
        object.__setattr__(self, "_zone_owners", owners)

    def partner(self, partner_id: str) -> Partner | None:
        """The partner with this id, if any."""
        return next((p for p in self.partners if p.id == partner_id), None)

    def partner_by_token_hash(self, token_hash: str) -> Partner | None:
        """The partner one of whose API tokens hashes to ``token_hash``."""
        return next((p for p in self.partners if token_hash in p.token_hashes), None)

    def zone_owner(self, zone_id: str) -> str | None:
        """The id of the partner owning the zone ``zone_id``, if the coalition has that zone."""
        return self._zone_owners.get(zone_id)

    @property
    def coordinator(self) -> Partner | None:
        """The partner with the coordinator role (a valid coalition file has exactly one)."""
        return next((p for p in self.partners if p.role is Role.COORDINATOR), None)
