"""Releasability keeps its answers per stored message, not per id: a message planned and then
found stored already (a resend, an id reused) leaves nothing under the stored one's name."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.domain.routing_samples import DAY, alert, coalition

from tanbih import cap
from tanbih.domain.cap import Alert, Scope
from tanbih.domain.lifecycle import Stage
from tanbih.domain.records import AlertRecord
from tanbih.pipeline.release import Releasability, relay_for


def record_of(message: Alert, poster: str) -> AlertRecord:
    return AlertRecord(
        key=message.key,
        status=message.status,
        msg_type=message.msg_type,
        thread_id="t-1",
        stage=Stage.EARLY_WARNING,
        expires=None,
        received_at=DAY,
        partner_id=poster,
        xml=cap.emit_xml(message),
    )


def releasability() -> Releasability:
    samples = coalition()
    return Releasability(samples, relay_for(samples, b"s" * 32), lambda xml: xml)


def test_another_posters_copy_of_the_same_id_does_not_answer_for_the_stored_one() -> None:
    """The same id posted by ``bb`` is asked about first; ``aa``'s stored message still rests
    on ``aa``."""
    message = alert()
    stored, other = record_of(message, "aa"), record_of(message, "bb")
    release = releasability()
    assert release.sources(other, message) == frozenset({"bb"})
    assert release.sources(stored, message) == frozenset({"aa"})


def test_other_content_under_the_same_id_does_not_answer_for_the_stored_one() -> None:
    """A Private message under a stored public one's id, asked about first, leaves the public
    one addressed to everybody."""
    public = alert()
    private = replace(public, scope=Scope.PRIVATE, addresses="cc")
    release = releasability()
    assert not release.addressed(record_of(private, "aa"), "bb", private)
    assert release.addressed(record_of(public, "aa"), "bb", public)
