"""CAP Acks between three nodes in one process: an Ack goes back only towards the sender of
what it acknowledges, and one of a relayed copy acknowledges the original (see in_process.py
for the nodes).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tanbih import cap
from tanbih.domain.cap import Alert, MsgType, Scope
from tanbih.domain.records import AlertRecord

from .coalition import SENDERS
from .in_process import Coalition, eventually, messages, report, uav_towards_bb


async def test_aa_s_ack_of_the_hub_s_warning_goes_back_to_the_hub_only(
    coalition: Coalition,
) -> None:
    """A CAP Ack aa posts for the hub's warning (which aa holds whole) reaches the hub's node
    over the ack stream and is accepted there as aa's acknowledgement; bb hears nothing of it."""
    nodes = coalition.nodes
    await report(nodes["aa"], uav_towards_bb(4))
    held = await eventually(lambda: messages(nodes["aa"], SENDERS["coord"]))
    warning = cap.parse_xml(held[0].xml)
    ack = Alert(
        identifier="aa-ack-1",
        sender=SENDERS["aa"],
        sent=max(datetime.now(UTC).replace(microsecond=0), warning.sent),
        status=warning.status,
        msg_type=MsgType.ACK,
        scope=Scope.RESTRICTED,
        restriction="coalition members only",
        references=(warning.key,),
    )
    aa = nodes["aa"]
    partner = aa.coalition.partner("aa")
    assert partner is not None
    await aa.accept(ack, aa.signatures.sign(cap.emit_xml(ack)), partner)

    async def acks_at_hub() -> list[AlertRecord]:
        held = await messages(nodes["coord"], SENDERS["aa"])
        return [r for r in held if r.msg_type is MsgType.ACK]

    at_hub = await eventually(acks_at_hub)
    assert [r.key.identifier for r in at_hub] == ["aa-ack-1"]
    bb_held = await messages(nodes["bb"], SENDERS["aa"])
    assert all(r.key.identifier != "aa-ack-1" for r in bb_held)


async def test_bb_s_ack_of_a_relayed_copy_acknowledges_the_original_and_reaches_aa_anonymised(
    coalition: Coalition,
) -> None:
    """bb acknowledges aa's warning by the identifier of the copy the hub relayed it: the hub
    takes it as bb's acknowledgement of aa's original (no refusal), and aa's node hears of it
    as an Ack of its own warning in the hub's name, with nothing of bb."""
    nodes = coalition.nodes
    hub, aa, bb = nodes["coord"], nodes["aa"], nodes["bb"]
    await report(aa, uav_towards_bb(5))
    own = (await eventually(lambda: messages(aa, SENDERS["aa"])))[0]

    async def copy_of_aa_s_warning_at_bb() -> AlertRecord | None:
        held = await messages(bb, SENDERS["coord"])
        originals = await hub.store.originals((r.key.sender, r.key.identifier) for r in held)
        stands_for = {key: original.id for key, original in originals.items()}
        return next((r for r in held if stands_for.get(_key(r)) == own.id), None)

    copy = cap.parse_xml((await eventually(copy_of_aa_s_warning_at_bb)).xml)
    ack = Alert(
        identifier="bb-ack-1",
        sender=SENDERS["bb"],
        sent=max(datetime.now(UTC).replace(microsecond=0), copy.sent),
        status=copy.status,
        msg_type=MsgType.ACK,
        scope=Scope.RESTRICTED,
        restriction="coalition members only",
        references=(copy.key,),
    )
    partner = bb.coalition.partner("bb")
    assert partner is not None
    await bb.accept(ack, bb.signatures.sign(cap.emit_xml(ack)), partner)

    thread_at_hub = (await hub.store.get(own.id) or own).thread_id

    async def acknowledged_by_bb_at_hub() -> list[str]:
        return [a.partner_id for a in await hub.store.acknowledgements(thread_at_hub)]

    assert "bb" in await eventually(acknowledged_by_bb_at_hub)

    async def acks_at_aa() -> list[AlertRecord]:
        held = await messages(aa, SENDERS["coord"])
        return [r for r in held if r.msg_type is MsgType.ACK]

    [passed_on] = await eventually(acks_at_aa)
    assert cap.parse_xml(passed_on.xml).references == (own.key,)
    for trace_of_bb in (SENDERS["bb"], "bb-ack-1", copy.identifier):
        assert trace_of_bb not in passed_on.xml.decode()
    assert passed_on.thread_id == own.thread_id

    async def acknowledged_at_aa() -> list[str]:
        return [a.partner_id for a in await aa.store.acknowledgements(own.thread_id)]

    # Recorded just after the Ack is stored.
    assert "coord" in await eventually(acknowledged_at_aa)
    refused = [e for e in await hub.store.events(0, 10_000) if e.kind == "alert.refused"]
    assert refused == []


def _key(record: AlertRecord) -> tuple[str, str]:
    return (record.key.sender, record.key.identifier)
