"""Observations between nodes carry a detached signature by the reporting partner's key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tanbih.cap.signature import signing_identity
from tanbih.coalition import load_coalition
from tanbih.domain.observation import Observation
from tanbih.federation import observation_wire
from tanbih.federation.seal import SIGNATURE, seal, unsealed

from .coalition import write_coalition
from .in_process import uav_towards_bb

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def report() -> Observation:
    return uav_towards_bb(1, at=NOW)


def test_a_sealed_observation_is_verified_and_any_change_is_caught(tmp_path: Path) -> None:
    """aa's seal checks out as aa's; the same bytes claimed for bb, or altered, do not."""
    layout = write_coalition(tmp_path, "http://127.0.0.1:9")
    coalition = load_coalition(layout.coalition("coord"))
    identity = signing_identity(
        load_coalition(layout.coalition("aa")), layout.key("aa").read_bytes()
    )
    data = observation_wire.encode(report())
    headers = seal(data, identity)
    now = datetime.now(UTC)
    assert unsealed(data, headers, "aa", coalition, now) is None
    assert observation_wire.decode(data) == report()
    altered = data.replace(b'"lat":30.9', b'"lat":31.9')
    assert "altered in transit" in str(unsealed(altered, headers, "aa", coalition, now))
    assert "not registered" in str(unsealed(data, headers, "bb", coalition, now))
    assert unsealed(data, {}, "aa", coalition, now) == "unsigned"
    assert "base64" in str(unsealed(data, {**headers, SIGNATURE: "%%%"}, "aa", coalition, now))


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b"[]", "not a JSON object"), (b"{}", "id: missing"), (b"{", "not JSON")],
)
def test_a_body_that_is_not_an_observation_names_what_is_wrong(body: bytes, expected: str) -> None:
    """The wire decoder refuses with the field at fault."""
    with pytest.raises(observation_wire.WireError, match=expected):
        observation_wire.decode(body)
