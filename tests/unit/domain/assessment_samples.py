"""Shared builders for the assessment tests: a pyproj geodesy, reports, zones and exposures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pyproj import Geod

from tanbih.domain.cap import Status
from tanbih.domain.coalition import Zone
from tanbih.domain.observation import Observation
from tanbih.domain.threat import ThreatClass, ZoneExposure

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
# Somewhere over the Negev, heading north toward the coast.
LAT0, LON0 = 31.0, 34.8


class PyprojGeodesy:
    """The ``Geodesy`` protocol on pyproj's WGS 84 geodesics."""

    def __init__(self) -> None:
        self._geod = Geod(ellps="WGS84")

    def inverse(self, lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float]:
        """Forward azimuth (-180..180, as pyproj gives it) and distance from point 1 to point 2."""
        azimuth, _, distance = self._geod.inv(lon1, lat1, lon2, lat2)
        return float(azimuth), float(distance)

    def forward(
        self, lat: float, lon: float, azimuth_deg: float, distance_m: float
    ) -> tuple[float, float]:
        """The point ``distance_m`` along ``azimuth_deg`` from (lat, lon)."""
        lon2, lat2, _ = self._geod.fwd(lon, lat, azimuth_deg, distance_m)
        return float(lat2), float(lon2)


GEODESY = PyprojGeodesy()


def report(**changes: Any) -> Observation:
    """A plausible report of a UAV by partner ``il`` at T0, with ``changes`` applied."""
    base = Observation(
        id="obs-1",
        partner_id="il",
        sensor_id="radar-1",
        time=T0,
        lat=LAT0,
        lon=LON0,
        alt_m=1_000.0,
        speed_mps=50.0,
        heading_deg=0.0,
        threat_class=ThreatClass.UAV,
        confidence=0.9,
        status=Status.ACTUAL,
        track_id="t-1",
    )
    return replace(base, **changes)


def moved(obs: Observation, seconds: float, **changes: Any) -> Observation:
    """``obs`` flown on at its own velocity for ``seconds``, reported then, with ``changes``."""
    lat, lon = GEODESY.forward(obs.lat, obs.lon, obs.heading_deg, obs.speed_mps * seconds)
    later = obs.time + timedelta(seconds=seconds)
    return replace(obs, time=later, lat=lat, lon=lon, **changes)


def square_zone(zone_id: str, lat: float, lon: float, shelter_seconds: int = 30) -> Zone:
    """A small square zone of partner ``il`` centred on (lat, lon), named in he/ar/en."""
    d = 0.01
    ring = (
        (lat - d, lon - d),
        (lat - d, lon + d),
        (lat + d, lon + d),
        (lat + d, lon - d),
        (lat - d, lon - d),
    )
    names = {"he": f"אזור {zone_id}", "ar": f"منطقة {zone_id}", "en": f"Zone {zone_id}"}
    return Zone(zone_id, "il", names, shelter_seconds, (ring,))


def exposure(zone_id: str, eta_s: float, shelter_seconds: int = 30) -> ZoneExposure:
    """Zone ``zone_id`` reached ``eta_s`` seconds after T0."""
    return ZoneExposure(zone_id, "il", T0 + timedelta(seconds=eta_s), shelter_seconds)
