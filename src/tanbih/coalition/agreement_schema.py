"""The shape of the agreement's sections of the coalition file: ``agreement``, ``sharing`` and
``response``, as strict pydantic models.

Each section is optional; a file without them gets an agreement that restricts no sharing and
names no responders. Rules between entries (known partners, unique names, the coordinator never
named in a ``via_coordinator`` rule...) live in :mod:`tanbih.coalition.agreement_checks`.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from tanbih.coalition.schema import CapStatus, Id, Text

PUBLIC_KEY_PREFIX = "ed25519:"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
# No response request waits longer than an hour: by then the threat has landed or gone.
MAX_REQUEST_TIMEOUT_SECONDS = 3600
# Half the Earth's circumference: a range beyond it is a typo.
MAX_RANGE_KM = 20_000.0

LevelName = Literal["full", "zones_only", "via_coordinator", "none"]
ThreatClassName = Literal[
    "unknown", "aircraft", "uav", "rocket", "cruise_missile", "ballistic_missile"
]


def decode_base64(text: str, size: int) -> bytes:
    """``text`` as standard base64 of exactly ``size`` bytes; ``ValueError`` otherwise."""
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError("not valid base64") from None
    if len(raw) != size:
        raise ValueError(f"decodes to {len(raw)} bytes, not {size}")
    return raw


_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(
            "a name is 1-32 lowercase letters, digits, '_' or '-', starting with a letter"
        )
    return value


def _public_key(value: str) -> str:
    if not value.startswith(PUBLIC_KEY_PREFIX):
        raise ValueError(f"an agreement key is '{PUBLIC_KEY_PREFIX}' and base64 of 32 bytes")
    try:
        decode_base64(value.removeprefix(PUBLIC_KEY_PREFIX), PUBLIC_KEY_BYTES)
    except ValueError as exc:
        raise ValueError(f"an Ed25519 public key {exc}") from None
    return value


def _signature(value: str) -> str:
    try:
        decode_base64(value, SIGNATURE_BYTES)
    except ValueError as exc:
        raise ValueError(f"an Ed25519 signature (base64 of 64 bytes) {exc}") from None
    return value


Name = Annotated[str, AfterValidator(_name)]
PublicKey = Annotated[str, AfterValidator(_public_key)]
Signature = Annotated[str, AfterValidator(_signature)]
ThreatClasses = Annotated[list[ThreatClassName], Field(min_length=1)]


class _Section(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class AgreementEntry(_Section):
    """``agreement:``: the understanding's title, version, parties, keys and signatures.

    ``version`` defaults to ``coalition.version`` (and must equal it when given); ``parties``
    to every partner; ``title`` to the coalition's name.
    """

    title: Text | None = None
    binding: bool = False
    version: Text | None = None
    parties: Annotated[list[Id], Field(min_length=1)] | None = None
    keys: dict[Id, PublicKey] = {}
    signatures: dict[Id, Signature] = {}


class PairEntry(_Section):
    """A sharing rule: ``between`` two partners both ways, or ``from`` one ``to`` others."""

    between: Annotated[list[Id], Field(min_length=2, max_length=2)] | None = None
    from_: Id | None = Field(default=None, alias="from")
    to: Annotated[list[Id], Field(min_length=1)] | None = None
    rule: LevelName

    @model_validator(mode="after")
    def _one_form(self) -> PairEntry:
        directed = self.from_ is not None or self.to is not None
        if (self.between is None) == (not directed) or (
            directed and (self.from_ is None or self.to is None)
        ):
            raise ValueError("a rule gives either 'between: [a, b]' or both 'from' and 'to'")
        return self


class SheetEntry(_Section):
    """An override of the sharing rules for one CAP status: its own rules and default."""

    default: LevelName | None = None
    pairs: list[PairEntry] = []


class SharingEntry(_Section):
    """``sharing:``: the default level, rules for pairs, and overrides per CAP status."""

    default: LevelName = "full"
    pairs: list[PairEntry] = []
    overrides: dict[CapStatus, SheetEntry] = {}


class AreaEntry(_Section):
    """An area of responsibility: a GeoJSON ``file`` of polygons, or one inline ``polygon``.

    ``polygon`` is a closed GeoJSON ring, ``[lon, lat]`` positions.
    """

    partner: Id
    name: Text | None = None
    file: Text | None = None
    polygon: list[list[float]] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> AreaEntry:
        if (self.file is None) == (self.polygon is None):
            raise ValueError("an area gives either 'file' or 'polygon'")
        return self


class CapabilityEntry(_Section):
    """A named class of a partner's means, the threat classes it meets and its range."""

    name: Name
    threats: ThreatClasses
    range_km: Annotated[float, Field(gt=0, le=MAX_RANGE_KM)]
    available: bool = True


class RuleEntry(_Section):
    """A response rule: the threats and statuses it governs (all if absent) and its terms."""

    name: Name
    threats: ThreatClasses | None = None
    status: Annotated[list[CapStatus], Field(min_length=1)] | None = None
    request_timeout: Annotated[int, Field(ge=1, le=MAX_REQUEST_TIMEOUT_SECONDS)] = 60
    require_capability: bool = True
    require_area: bool = False


class ResponseEntry(_Section):
    """``response:``: who never responds, areas of responsibility, capabilities, rules."""

    non_responders: list[Id] = []
    areas_of_responsibility: list[AreaEntry] = []
    capabilities: dict[Id, Annotated[list[CapabilityEntry], Field(min_length=1)]] = {}
    rules: list[RuleEntry] = []


class AgreementSections(_Section):
    """The three sections together, as they sit at the top of the coalition file."""

    agreement: AgreementEntry = AgreementEntry()
    sharing: SharingEntry = SharingEntry()
    response: ResponseEntry = ResponseEntry()
