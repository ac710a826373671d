"""Provenance: whose reports a message rests on, which releasability decides by."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.unit.domain.redaction_samples import leaky_alert, party

from tanbih.domain.cap import Alert, NamedValue
from tanbih.domain.provenance import SOURCE_PARAMETER, message_sources, named_sources

PARTNERS = frozenset({"hub", "il", "jo", "sa"})


def naming(*sources: str) -> Alert:
    """A warning whose first info names ``sources`` in ``tanbih:source`` parameters."""
    alert = leaky_alert(party("QZHUB"), [party("QZIL")], ["zone-a"]).alert
    info = alert.infos[0]
    named = tuple(NamedValue(SOURCE_PARAMETER, s) for s in sources)
    return replace(alert, infos=(replace(info, parameters=(*info.parameters, *named)),))


@pytest.mark.parametrize(
    ("named", "poster", "expected"),
    [
        ((), "il", {"il"}),  # a partner's own warning rests on its reports
        (("il", "jo"), "hub", {"il", "jo"}),  # the node's warning from il's and jo's tracks
        ((), "hub", {"hub"}),  # the node's own manual warning
        (("jo",), "il", {"il", "jo"}),  # a partner relaying jo's report: both count
        (("nobody", "jo"), "hub", {"jo"}),  # names of no partner are ignored
        (("nobody",), "hub", {"hub"}),
    ],
)
def test_message_sources(named: tuple[str, ...], poster: str, expected: set[str]) -> None:
    """The poster counts unless it is this node naming its sources; unknown names do not."""
    assert message_sources(naming(*named), poster, "hub", PARTNERS) == expected


def test_named_sources_reads_every_info() -> None:
    """Every info's ``tanbih:source`` parameters are read."""
    assert named_sources(naming("il", "sa")) == {"il", "sa"}
