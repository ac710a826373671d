"""Redaction per level: what a recipient's copy keeps, what it loses, and that it is valid CAP."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.unit.domain.redaction_samples import (
    RELAY,
    SENT,
    everything_received,
    forbidden_strings,
    leaky_alert,
    party,
)

from tanbih.cap import emit_xml, parse_xml, validate
from tanbih.domain.cap import MsgType, NamedValue, ResponseType, Scope, Status
from tanbih.domain.redaction import EXERCISE_NOTE, RELAYED_PREFIX, Relay, redact, relayed_identifier
from tanbih.domain.releasability import Level

IL, JO = party("QZJLNPRT"), party("QZKMGHUV")
LEAKY = leaky_alert(IL, [IL, JO], ["zone-a", "zone-b"])
REDACTED = (Level.ZONES_ONLY, Level.VIA_COORDINATOR)


def test_full_passes_the_message_unchanged() -> None:
    """A recipient at full gets the very message issued."""
    assert redact(LEAKY.alert, Level.FULL, RELAY) is LEAKY.alert


def test_none_gives_no_message() -> None:
    """A recipient at none gets nothing at all."""
    assert redact(LEAKY.alert, Level.NONE, RELAY) is None


@pytest.mark.parametrize("level", REDACTED)
def test_redacted_copies_keep_zones_stage_and_timing(level: Level) -> None:
    """Areas, responseType, urgency, onset and expiry, and per-zone ETAs survive redaction."""
    copy = redact(LEAKY.alert, level, RELAY)
    assert copy is not None
    for before, after in zip(LEAKY.alert.infos, copy.infos, strict=True):
        assert after.areas == before.areas
        assert after.response_types == (ResponseType.SHELTER,)
        assert (after.urgency, after.severity, after.certainty) == (
            before.urgency,
            before.severity,
            before.certainty,
        )
        assert (after.onset, after.expires, after.language) == (
            before.onset,
            before.expires,
            before.language,
        )
        assert [p.value_name for p in after.parameters] == [
            "tanbih:eta:zone-a",
            "tanbih:shelter_seconds:zone-a",
            "tanbih:eta:zone-b",
            "tanbih:shelter_seconds:zone-b",
        ]
        assert after.event_codes == (NamedValue("tanbih:threat_class", "uav"),)
    assert (copy.sent, copy.status, copy.msg_type) == (SENT, Status.ACTUAL, MsgType.UPDATE)


@pytest.mark.parametrize("level", REDACTED)
def test_redacted_copies_lose_every_detail_field(level: Level) -> None:
    """source, note, addresses, codes, incidents, audience, web, contact, resources all go."""
    copy = redact(LEAKY.alert, level, RELAY)
    assert copy is not None
    assert (copy.source, copy.note, copy.addresses, copy.incidents) == (None, None, None, None)
    assert copy.codes == ()
    assert copy.scope is Scope.RESTRICTED
    for info in copy.infos:
        assert (info.audience, info.web, info.contact) == (None, None, None)
        assert info.resources == ()


@pytest.mark.parametrize("level", REDACTED)
def test_free_text_is_rewritten_from_class_and_stage(level: Level) -> None:
    """Event, headline, description and instruction come from the warning texts, not the issuer."""
    copy = redact(LEAKY.alert, level, RELAY)
    assert copy is not None
    english = copy.infos[0]
    assert english.event == "Hostile UAV"
    assert english.headline == "Hostile UAV: take shelter now"
    assert english.description == "Zones threatened: 2. Earliest predicted arrival: 10:01:30 UTC."
    assert copy.infos[1].event == "طائرة مسيّرة معادية"


def test_zones_only_keeps_the_sender_and_via_coordinator_issues_as_the_hub() -> None:
    """zones_only keeps sender and senderName; via_coordinator puts the coordinator's in."""
    zones = redact(LEAKY.alert, Level.ZONES_ONLY, RELAY)
    via = redact(LEAKY.alert, Level.VIA_COORDINATOR, RELAY)
    assert zones is not None
    assert via is not None
    assert zones.sender == IL.sender
    assert zones.infos[0].sender_name == IL.name
    assert zones.restriction == RELAY.restriction
    assert via.sender == RELAY.sender
    assert via.infos[0].sender_name == RELAY.name
    assert {ref.sender for ref in via.references} == {RELAY.sender}
    assert {ref.sender for ref in zones.references} == {IL.sender, JO.sender}


@pytest.mark.parametrize("level", REDACTED)
def test_identifiers_are_keyed_digests_consistent_with_references(level: Level) -> None:
    """An earlier message, redacted alike, has the identity a later copy references."""
    copy = redact(LEAKY.alert, level, RELAY)
    assert copy is not None
    assert copy.identifier.startswith(RELAYED_PREFIX)
    earlier = replace(LEAKY.alert, identifier=LEAKY.alert.references[0].identifier)
    earlier = replace(earlier, sender=LEAKY.alert.references[0].sender, references=())
    earlier = replace(earlier, sent=LEAKY.alert.references[0].sent, msg_type=MsgType.ALERT)
    earlier_copy = redact(earlier, level, RELAY)
    assert earlier_copy is not None
    assert earlier_copy.key == copy.references[0]
    assert redact(LEAKY.alert, level, RELAY) == copy


def test_identifiers_depend_on_the_secret_key_and_the_level() -> None:
    """Another key or another level derives another identifier: guessing needs the key."""
    key = LEAKY.alert.key
    first = relayed_identifier(RELAY, Level.VIA_COORDINATOR, key)
    assert relayed_identifier(RELAY, Level.ZONES_ONLY, key) != first
    other = Relay(RELAY.sender, b"another key", RELAY.name)
    assert relayed_identifier(other, Level.VIA_COORDINATOR, key) != first


@pytest.mark.parametrize("level", REDACTED)
def test_no_detail_or_source_reaches_any_channel(level: Level) -> None:
    """No forbidden string is in the XML, the JSON mirror or any channel's wording."""
    copy = redact(LEAKY.alert, level, RELAY)
    assert copy is not None
    received = everything_received(copy)
    assert [s for s in forbidden_strings(LEAKY, level) if s in received] == []


@pytest.mark.parametrize("level", REDACTED)
def test_a_redacted_copy_is_valid_cap_that_reads_back(level: Level) -> None:
    """The copy passes CAP validation and round-trips through XML unchanged."""
    copy = redact(LEAKY.alert, level, RELAY)
    assert copy is not None
    assert validate(copy) == []
    assert parse_xml(emit_xml(copy)) == copy


@pytest.mark.parametrize("level", REDACTED)
def test_exercise_copies_stay_marked_as_exercise(level: Level) -> None:
    """Exercise traffic keeps its status, an exercise note and the exercise word in its texts."""
    exercise = leaky_alert(IL, [IL], ["zone-a"], status=Status.EXERCISE).alert
    copy = redact(exercise, level, RELAY)
    assert copy is not None
    assert copy.status is Status.EXERCISE
    assert copy.note == EXERCISE_NOTE
    assert all(info.headline and info.headline.startswith("EXERCISE") for info in copy.infos[:1])


@pytest.mark.parametrize(
    ("threat_class", "event"),
    [("ballistic_missile", "Ballistic missile"), ("QZNOTACLASS", "Unidentified air threat")],
)
def test_the_event_code_is_normalised_to_a_known_class(threat_class: str, event: str) -> None:
    """A known class names the event; any other value becomes 'unknown', never passed through."""
    alert = leaky_alert(IL, [IL], ["zone-a"], threat_class=threat_class).alert
    copy = redact(alert, Level.ZONES_ONLY, RELAY)
    assert copy is not None
    assert copy.infos[0].event == event
    assert copy.infos[0].event_codes[0].value in {"ballistic_missile", "unknown"}


def test_a_response_without_a_stage_gets_no_texts() -> None:
    """An info whose response is not a warning stage keeps no free text at all."""
    alert = leaky_alert(IL, [IL], ["zone-a"], response=ResponseType.MONITOR).alert
    copy = redact(alert, Level.ZONES_ONLY, RELAY)
    assert copy is not None
    info = copy.infos[0]
    assert (info.headline, info.description, info.instruction) == (None, None, None)
