"""The releasability property: over random matrices and threats fused from several partners,
no recipient ever receives, on any channel, a field or a string its level forbids."""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st
from tests.unit.domain.redaction_samples import (
    RELAY,
    TOKEN_LETTERS,
    Leaky,
    everything_received,
    forbidden_strings,
    leaky_alert,
    model_violations,
    party,
)

from tanbih.domain.cap import MsgType, ResponseType, Status
from tanbih.domain.redaction import redact
from tanbih.domain.releasability import Level, SharingMatrix, SharingSheet, release
from tanbih.domain.threat import ThreatClass

tokens = st.text(TOKEN_LETTERS, min_size=6, max_size=6).map(lambda t: "QZ" + t)
levels = st.sampled_from(Level)


@st.composite
def matrices(draw: st.DrawFn, partners: list[str]) -> SharingMatrix:
    """A random matrix over ``partners``: a base sheet and overrides for some statuses."""
    pairs = st.tuples(st.sampled_from(partners), st.sampled_from(partners))

    def sheet(default: st.SearchStrategy[Level | None]) -> st.SearchStrategy[SharingSheet]:
        return st.builds(SharingSheet.of, default, st.lists(st.tuples(pairs, levels)))

    overrides = st.dictionaries(st.sampled_from(Status), sheet(st.none() | levels), max_size=3)
    return SharingMatrix(draw(sheet(levels)), draw(overrides))


@st.composite
def situations(draw: st.DrawFn) -> tuple[SharingMatrix, Leaky, str]:
    """A matrix, a warning issued by one partner about a threat several reported, a recipient."""
    ids = draw(st.lists(tokens, min_size=2, max_size=6, unique=True))
    partners = [party(token) for token in ids]
    sources = draw(st.lists(st.sampled_from(partners), min_size=1, max_size=4, unique=True))
    leaky = leaky_alert(
        draw(st.sampled_from(partners)),
        sources,
        draw(st.lists(st.from_regex(r"zone-[a-z]{1,6}", fullmatch=True), min_size=1, max_size=3)),
        marker=draw(tokens),
        status=draw(st.sampled_from(Status)),
        msg_type=draw(st.sampled_from([MsgType.ALERT, MsgType.UPDATE, MsgType.CANCEL])),
        threat_class=draw(st.sampled_from([*ThreatClass, "QZJUNK"])),
        languages=draw(st.lists(st.sampled_from(["en", "ar", "he"]), min_size=1, unique=True)),
        response=draw(st.sampled_from([*ResponseType])),
    )
    return draw(matrices(ids)), leaky, draw(st.sampled_from(ids))


@settings(max_examples=600, deadline=None)
@given(situations())
def test_no_recipient_receives_what_its_level_forbids(
    situation: tuple[SharingMatrix, Leaky, str],
) -> None:
    """The released level is the strictest source's, and the recipient's copy obeys it."""
    matrix, leaky, recipient = situation
    alert = leaky.alert
    source_ids = {s.id for s in leaky.sources}
    level = release(matrix, source_ids, recipient, alert.status)
    event(f"level {level}")
    cells = {matrix.cell(s, recipient, alert.status) for s in source_ids}
    assert level in cells
    assert all(level.rank >= cell.rank for cell in cells)
    copy = redact(alert, level, RELAY)
    if level is Level.NONE:
        assert copy is None
        return
    assert copy is not None
    if level is Level.FULL:
        assert copy == alert
        return
    assert model_violations(copy, level) == []
    received = everything_received(copy)
    assert sorted(s for s in forbidden_strings(leaky, level) if s in received) == []
