"""The coalition: partners, their roles and contacts, and the zones they own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


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
class Partner:
    """A member of the coalition: a state or the coordinator running the hub."""

    id: str
    name: str
    role: Role
    languages: tuple[str, ...]
    senders: tuple[str, ...]
    token_hashes: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()

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
class Coalition:
    """Everything a node knows about its coalition, as loaded from the coalition file.

    ``policies`` holds the sections later stages interpret (routing, escalation, sharing,
    response); the loader keeps them verbatim so the file stays the one source of truth.
    """

    name: str
    version: str
    node: NodeIdentity
    partners: tuple[Partner, ...]
    zones: tuple[Zone, ...] = ()
    policies: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def partner(self, partner_id: str) -> Partner | None:
        """The partner with this id, if any."""
        return next((p for p in self.partners if p.id == partner_id), None)

    def partner_by_token_hash(self, token_hash: str) -> Partner | None:
        """The partner one of whose API tokens hashes to ``token_hash``."""
        return next((p for p in self.partners if token_hash in p.token_hashes), None)
