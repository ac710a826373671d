"""The changes between two agreement versions, line by line as partners would check them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.unit.domain.agreement_samples import AGREEMENT, UAV, capability

from tanbih.domain.agreement import Agreement, AreaOfResponsibility, PartySignature
from tanbih.domain.agreement_diff import Change, Kind, diff_agreements
from tanbih.domain.cap import Status
from tanbih.domain.releasability import Level, SharingMatrix, SharingSheet

SQUARE = (((32.0, 35.0), (32.0, 35.1), (32.1, 35.1), (32.0, 35.0)),)


def lines(old: Agreement, new: Agreement) -> list[str]:
    """The diff as the lines the CLI prints."""
    return [str(change) for change in diff_agreements(old, new)]


def test_identical_versions_differ_in_nothing_even_if_signed_differently() -> None:
    """Signatures are not content: adding one is no change."""
    signed = replace(AGREEMENT, signatures=(PartySignature("aa", bytes(64)),))
    assert diff_agreements(AGREEMENT, signed) == []


def test_terms_parties_keys_and_non_responders() -> None:
    """Version, title and binding changes, parties and non-responders added and removed."""
    new = replace(
        AGREEMENT,
        version="2",
        binding=True,
        parties=(*AGREEMENT.parties[:-1], "ff"),
        keys={"aa": b"k"},
        non_responders=frozenset({"ee"}),
    )
    assert lines(AGREEMENT, new) == [
        "agreement: ~ version: 1 → 2",
        "agreement: ~ binding: False → True",
        "parties: + ff",
        "parties: - ee",
        "keys: + aa: key",
        "non-responders: + ee",
        "non-responders: - dd",
    ]


def test_capabilities_by_partner_and_name() -> None:
    """A new capability, a dropped one, and a changed range and availability, each named."""
    changed = capability("aa", "interceptors", {UAV}, 300, available=False)
    added = capability("cc", "air_defence", {UAV}, 40)
    new = replace(AGREEMENT, capabilities=(changed, *AGREEMENT.capabilities[2:], added))
    assert lines(AGREEMENT, new) == [
        "capabilities: + cc/air_defence: uav; 40 km; available",
        "capabilities: - bb/fighters: aircraft, cruise_missile, uav; 400 km; available",
        "capabilities: ~ aa/interceptors: ballistic_missile, cruise_missile, rocket, uav; "
        "250 km; available → uav; 300 km; not available",
    ]


def test_areas_rules_and_their_order() -> None:
    """Areas added, a rule's terms changed, and rules reordered are all reported."""
    first, second, last = AGREEMENT.rules
    new = replace(
        AGREEMENT,
        areas=(AreaOfResponsibility("aa", "north", (SQUARE,)),),
        rules=(second, replace(first, request_timeout=timedelta(seconds=10)), last),
    )
    assert lines(AGREEMENT, new) == [
        "areas of responsibility: + aa/north: 1 polygon(s), 4 points",
        "rules: ~ ballistic: ballistic_missile, rocket in every status; 15 s to answer; "
        "capability required; area on the path required → ballistic_missile, rocket in every "
        "status; 10 s to answer; capability required; area on the path required",
        "rules: ~ order: ballistic, exercise-anyone, default → exercise-anyone, ballistic, default",
    ]


def test_sharing_rules_per_pair_default_and_status() -> None:
    """Every sharing cell and default that changes is listed, per traffic status."""
    new = replace(
        AGREEMENT,
        sharing=SharingMatrix(
            SharingSheet.of(
                Level.ZONES_ONLY,
                [(("aa", "cc"), Level.VIA_COORDINATOR), (("bb", "aa"), Level.NONE)],
            ),
            {Status.EXERCISE: SharingSheet.of(Level.FULL, [])},
        ),
    )
    assert diff_agreements(AGREEMENT, new) == [
        Change("sharing", Kind.CHANGED, "default", "full → zones_only"),
        Change("sharing", Kind.ADDED, "bb → aa", "none"),
        Change("sharing", Kind.CHANGED, "aa → cc", "none → via_coordinator"),
        Change("sharing (Exercise)", Kind.CHANGED, "default", "(none set) → full"),
    ]
