"""Subject filters read as NATS reads them, for the in-process bus and stream lookup."""

from __future__ import annotations

import pytest

from tanbih.adapters.bus.subjects import covers, matches


@pytest.mark.parametrize(
    ("subject_filter", "subject", "expected"),
    [
        ("t.cap.a.>", "t.cap.a.security", True),
        ("t.cap.a.>", "t.cap.a", False),
        ("t.cap.a.>", "t.cap.b.security", False),
        ("t.cap.*.security", "t.cap.b.security", True),
        ("t.cap.*.security", "t.cap.b.cbrne", False),
        ("t.cap.a.security", "t.cap.a.security", True),
        ("t.cap.a.security", "t.cap.a.security.x", False),
        ("t.>", "t.obs.a.uav", True),
    ],
)
def test_matches(subject_filter: str, subject: str, expected: bool) -> None:
    """``*`` stands for one token, a final ``>`` for one or more."""
    assert matches(subject_filter, subject) is expected


@pytest.mark.parametrize(
    ("pattern", "subject_filter", "expected"),
    [
        ("t.cap.>", "t.cap.a.>", True),
        ("t.cap.>", "t.cap.*.security", True),
        ("t.cap.>", "t.obs.a.>", False),
        ("t.cap.>", "t.>", False),
        ("t.cap.*", "t.cap.>", False),
        ("t.cap.*", "t.cap.*", True),
    ],
)
def test_covers(pattern: str, subject_filter: str, expected: bool) -> None:
    """A stream's pattern covers a consumer's filter only if every subject of one is in it."""
    assert covers(pattern, subject_filter) is expected
