"""From the coalition file's ``agreement``, ``sharing`` and ``response`` sections to an
:class:`~tanbih.domain.agreement.Agreement`, or every problem with them.

Called by :func:`tanbih.coalition.parse.parse_coalition` on the document's plain data once the
rest of the file is well shaped. No I/O: an area of responsibility's GeoJSON file is read
through the same callable as zone files. Problems name the path inside the coalition file (or
the GeoJSON file and the JSON path inside it), as the rest of the loader does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from types import MappingProxyType

from pydantic import ValidationError

from tanbih.coalition.agreement_checks import agreement_findings
from tanbih.coalition.agreement_schema import AgreementSections, AreaEntry, PairEntry, SheetEntry
from tanbih.coalition.agreement_signing import public_key_bytes, signature_bytes
from tanbih.coalition.schema import CoalitionFile
from tanbih.coalition.source import SourceMap, format_path
from tanbih.coalition.zones import geometry_polygons, polygon_rings
from tanbih.domain.agreement import (
    Agreement,
    AreaOfResponsibility,
    Capability,
    PartySignature,
    ResponseRule,
    Ring,
)
from tanbih.domain.cap import Status
from tanbih.domain.releasability import Level, Pair, SharingMatrix, SharingSheet
from tanbih.domain.threat import ThreatClass
from tanbih.errors import Problem

SECTIONS = ("agreement", "sharing", "response")
ReadFile = Callable[[str], bytes]
Polygons = tuple[tuple[Ring, ...], ...]


def parse_agreement(
    data: object,
    file: CoalitionFile,
    read_file: ReadFile,
    source_map: SourceMap,
    messages: Mapping[str, str],
) -> tuple[Agreement | None, list[Problem]]:
    """The agreement the document ``data`` (its plain YAML data) declares, and every problem.

    ``messages`` says pydantic's commonest errors in the file's terms (the loader's wording).
    """
    given = {k: data[k] for k in SECTIONS if k in data} if isinstance(data, dict) else {}
    try:
        sections = AgreementSections.model_validate(given)
    except ValidationError as exc:
        return None, [
            source_map.problem(
                tuple(part for part in error["loc"] if part != "[key]"),
                messages.get(error["type"], error["msg"].removeprefix("Value error, ")),
            )
            for error in exc.errors(include_url=False)
        ]
    problems = [source_map.problem(path, msg) for path, msg in agreement_findings(sections, file)]
    areas: list[AreaOfResponsibility] = []
    for index, entry in enumerate(sections.response.areas_of_responsibility):
        polygons = _area_polygons(entry, index, read_file, source_map, problems)
        name = entry.name or entry.file or f"{entry.partner} area {index + 1}"
        areas.append(AreaOfResponsibility(entry.partner, name, polygons))
    if problems:
        return None, problems
    return _agreement(sections, file, tuple(areas)), []


def _agreement(
    sections: AgreementSections, file: CoalitionFile, areas: tuple[AreaOfResponsibility, ...]
) -> Agreement:
    entry, response = sections.agreement, sections.response
    return Agreement(
        version=entry.version or file.coalition.version,
        title=entry.title or file.coalition.name,
        parties=tuple(entry.parties or (p.id for p in file.partners)),
        binding=entry.binding,
        keys=MappingProxyType({p: public_key_bytes(k) for p, k in entry.keys.items()}),
        areas=areas,
        capabilities=tuple(
            Capability(
                partner_id,
                c.name,
                frozenset(ThreatClass(t) for t in c.threats),
                c.range_km,
                c.available,
            )
            for partner_id, capabilities in response.capabilities.items()
            for c in capabilities
        ),
        non_responders=frozenset(response.non_responders),
        rules=tuple(
            ResponseRule(
                name=r.name,
                request_timeout=timedelta(seconds=r.request_timeout),
                threat_classes=frozenset(ThreatClass(t) for t in r.threats or ()),
                statuses=frozenset(Status(s) for s in r.status or ()),
                require_capability=r.require_capability,
                require_area=r.require_area,
            )
            for r in response.rules
        ),
        sharing=SharingMatrix(
            SharingSheet.of(Level(sections.sharing.default), _cells(sections.sharing.pairs)),
            MappingProxyType(
                {Status(s): _sheet(sheet) for s, sheet in sections.sharing.overrides.items()}
            ),
        ),
        signatures=tuple(
            PartySignature(p, signature_bytes(s)) for p, s in entry.signatures.items()
        ),
    )


def _sheet(entry: SheetEntry) -> SharingSheet:
    default = None if entry.default is None else Level(entry.default)
    return SharingSheet.of(default, _cells(entry.pairs))


def _cells(pairs: list[PairEntry]) -> list[tuple[Pair, Level]]:
    """Each rule as the ordered pairs it sets: both ways for ``between``."""
    cells: list[tuple[Pair, Level]] = []
    for pair in pairs:
        level = Level(pair.rule)
        if pair.between is not None:
            a, b = pair.between
            cells += [((a, b), level), ((b, a), level)]
        else:
            cells += [((pair.from_ or "", to), level) for to in pair.to or ()]
    return cells


def _area_polygons(
    entry: AreaEntry,
    index: int,
    read_file: ReadFile,
    source_map: SourceMap,
    problems: list[Problem],
) -> Polygons:
    """The polygons of one area of responsibility, from its file or its inline ring."""
    path = ("response", "areas_of_responsibility", index)
    if entry.polygon is not None:
        found: list[Problem] = []
        rings = polygon_rings([entry.polygon], format_path((*path, "polygon")), found)
        # One ring: its problems are the polygon's, at the polygon's line.
        problems += [source_map.problem((*path, "polygon"), p.message) for p in found]
        return () if rings is None else (rings,)
    name = entry.file or ""
    try:
        raw = read_file(name)
    except OSError as exc:
        reason = "not found" if isinstance(exc, FileNotFoundError) else exc.strerror or exc
        problems.append(source_map.problem((*path, "file"), f"area file {name!r}: {reason}"))
        return ()
    return _file_polygons(raw, name, problems)


def _file_polygons(raw: bytes, name: str, problems: list[Problem]) -> Polygons:
    """Every polygon of every feature of a GeoJSON FeatureCollection."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(name, f"not valid JSON: {exc}"))
        return ()
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or not features:
        problems.append(Problem(name, "not a GeoJSON FeatureCollection with features"))
        return ()
    polygons: list[tuple[Ring, ...]] = []
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        polygons += geometry_polygons(geometry, f"{name}:features[{i}].geometry", problems)
    return tuple(polygons)
