"""Who sends what to which peer, at what level, and who relays (tanbih.domain.federation)."""

from __future__ import annotations

import pytest

from tanbih.domain.cap import Status
from tanbih.domain.federation import Federation, Kind, Send, Topology, loops, token
from tanbih.domain.releasability import Level, SharingMatrix, SharingSheet

MATRIX = SharingMatrix(
    SharingSheet.of(
        Level.FULL,
        [
            (("aa", "bb"), Level.VIA_COORDINATOR),
            (("bb", "aa"), Level.VIA_COORDINATOR),
            (("aa", "cc"), Level.ZONES_ONLY),
            (("aa", "dd"), Level.NONE),
        ],
    )
)
PEERS = frozenset({"hub", "aa", "bb", "cc", "dd"})


def at(own: str) -> Federation:
    return Federation(own=own, coordinator="hub", peers=PEERS, matrix=MATRIX)


@pytest.mark.parametrize(
    ("own", "origin", "sources", "own_sender", "expected"),
    [
        # aa's own warning: whole to the hub, zones only to cc, nothing to dd, bb left to the hub.
        ("aa", "aa", ("aa",), True,
         [Send("cc", Level.ZONES_ONLY), Send("hub", Level.FULL)]),
        # The hub's warning from aa's reports: bb hears it through the hub, in the hub's name.
        ("hub", "hub", ("aa",), True,
         [Send("aa", Level.FULL), Send("bb", Level.VIA_COORDINATOR),
          Send("cc", Level.ZONES_ONLY)]),
        # The hub relays what aa sent it only to those who hear of aa through it.
        ("hub", "aa", ("aa",), False, [Send("bb", Level.VIA_COORDINATOR)]),
        # A partner's node never passes on what it received.
        ("bb", "hub", ("hub",), False, []),
        ("bb", "aa", ("aa",), False, []),
        # At the hub, a message posted by a partner without a node is originated; zones_only
        # of another's sender cannot be signed by the hub, so it goes via the coordinator.
        ("hub", "ee", ("aa",), False,
         [Send("aa", Level.FULL), Send("bb", Level.VIA_COORDINATOR),
          Send("cc", Level.VIA_COORDINATOR)]),
    ],
)  # fmt: skip
def test_sends(
    own: str, origin: str, sources: tuple[str, ...], own_sender: bool, expected: list[Send]
) -> None:
    """The send plan of one message follows the sharing matrix and the relay rules."""
    assert at(own).sends(origin, sources, Status.ACTUAL, own_sender) == expected


def test_acks_go_back_only_to_the_partners_they_answer() -> None:
    """bb's Ack of the hub's warning goes to the hub alone; a received Ack goes nowhere."""
    assert at("bb").ack_recipients("bb", {"hub"}) == ["hub"]
    assert at("bb").ack_recipients("hub", {"bb"}) == []


def test_observations_go_to_full_peers_and_to_the_hub_at_any_level() -> None:
    """aa's reports go whole to peers at full and to the hub; not to cc (zones only) nor dd."""
    assert at("aa").observation_recipients("aa", Status.ACTUAL) == ["hub"]
    assert at("hub").observation_recipients("aa", Status.ACTUAL) == []


def test_topology_names_subjects_streams_and_consumers() -> None:
    """Subjects per kind, recipient and category; one stream per kind; one consumer per node."""
    topology = Topology("tanbih")
    assert topology.subject(Kind.ALERT, "bb", "Security") == "tanbih.cap.bb.security"
    assert topology.inbox(Kind.OBSERVATION, "aa") == "tanbih.obs.aa.>"
    assert topology.durable(Kind.ACK, "aa") == "aa-ack"
    assert topology.streams() == {
        "TANBIH_OBSERVATIONS": ["tanbih.obs.>"],
        "TANBIH_ALERTS": ["tanbih.cap.>"],
        "TANBIH_ACKS": ["tanbih.ack.>"],
    }


@pytest.mark.parametrize(
    ("text", "expected"), [("il", "il"), ("a.b", "a_b"), ("*", "_"), (">", "_"), ("", "_")]
)
def test_token_keeps_a_name_to_one_subject_part(text: str, expected: str) -> None:
    """Dots and wildcards in names cannot change which subjects a name stands for."""
    assert token(text) == expected


def test_a_message_that_passed_a_node_loops_there() -> None:
    """The path a message carries names the nodes it passed."""
    assert loops(["aa", "hub"], "hub")
    assert not loops(["aa"], "hub")
