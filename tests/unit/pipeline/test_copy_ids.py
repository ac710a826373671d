"""Copy ids: what a partner below ``full`` knows a message by, and what only the node reads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tanbih.domain.records import alert_id
from tanbih.domain.releasability import Level
from tanbih.pipeline.copy_ids import CopyIds

IDS = CopyIds(b"n" * 32)
MESSAGE = alert_id("ops@aa.example.org", "aa-2026-0001")
BELOW_FULL = (Level.ZONES_ONLY, Level.VIA_COORDINATOR)


@given(st.binary(min_size=12, max_size=12), st.sampled_from(BELOW_FULL))
def test_a_copy_id_reads_back_to_its_message_and_level(raw: bytes, level: Level) -> None:
    assert IDS.read(IDS.copy_id(raw.hex(), level)) == (raw.hex(), level)


def test_the_same_message_and_level_always_have_the_same_copy_id() -> None:
    """Resends, retries and reconnects agree on the id; each level has its own."""
    zones_only = IDS.copy_id(MESSAGE, Level.ZONES_ONLY)
    assert IDS.copy_id(MESSAGE, Level.ZONES_ONLY) == zones_only
    assert IDS.copy_id(MESSAGE, Level.VIA_COORDINATOR) != zones_only
    assert MESSAGE not in zones_only


def test_another_nodes_key_reads_nothing() -> None:
    """Without the node's key a copy id cannot be tested against a guessed message."""
    copy_id = IDS.copy_id(MESSAGE, Level.VIA_COORDINATOR)
    assert CopyIds(b"m" * 32).read(copy_id) is None
    assert CopyIds(b"m" * 32).copy_id(MESSAGE, Level.VIA_COORDINATOR) != copy_id


@pytest.mark.parametrize(
    "text",
    [MESSAGE, "", "x" * 39, "not base64 at all, but 39 chars long!!!"],
    ids=["a message id", "empty", "39 letters", "not base64"],
)
def test_what_is_not_a_copy_id_reads_as_none(text: str) -> None:
    assert IDS.read(text) is None


def test_an_altered_copy_id_names_nothing() -> None:
    copy_id = IDS.copy_id(MESSAGE, Level.ZONES_ONLY)
    altered = copy_id[:10] + ("A" if copy_id[10] != "A" else "B") + copy_id[11:]
    assert IDS.read(altered) is None


@pytest.mark.parametrize("level", [Level.FULL, Level.NONE])
def test_full_and_none_have_no_copy_id(level: Level) -> None:
    with pytest.raises(ValueError, match="no copy id"):
        IDS.copy_id(MESSAGE, level)
