"""What a partner's token may read of stored messages: what the sharing matrix releases to it.

API reads go through the same decision as deliveries
(:meth:`tanbih.pipeline.release.Releasability.copy_for`): a message the matrix withholds from
the calling partner does not exist for it (404, left out of lists), and one released below
``full`` reads as the partner's redacted copy. The coordinator and the node's own partner are
no exception: they read what their cells of the matrix give them.
"""

from __future__ import annotations

from tanbih import cap
from tanbih.api.problems import ApiProblem
from tanbih.domain.coalition import Partner
from tanbih.domain.records import AlertRecord
from tanbih.domain.releasability import Level
from tanbih.node import Node
from tanbih.pipeline.release import RecipientCopy


def not_found(alert_id: str) -> ApiProblem:
    """The answer for a message that is not stored, or not released to the caller."""
    return ApiProblem(404, "not-found", "Not found", f"no message with id {alert_id!r}")


async def known_record(node: Node, alert_id: str, partner: Partner) -> AlertRecord | None:
    """The stored message the id ``alert_id`` names for ``partner``, if the matrix releases
    anything of it to that partner; ``None`` otherwise.

    A partner released a message below ``full`` knows it only by its copy id
    (:meth:`~tanbih.pipeline.release.Releasability.known_id`); the message's own id names
    nothing for it, as an id that does not exist, so it cannot confirm a guessed source.
    """
    releasability = node.releasability
    record = await node.store.get(releasability.message_id_known_as(alert_id))

    if record is None:
        return None
    level = releasability.level_of(record, partner.id)

    if level is Level.NONE or releasability.known_id(record, level) != alert_id:
        return None
    return record


async def released_record(node: Node, alert_id: str, partner: Partner) -> AlertRecord:
    """:func:`known_record`, or a 404 the same as for a message that does not exist."""
    record = await known_record(node, alert_id, partner)
    if record is None:
        raise not_found(alert_id)
    return record


async def released_copy(
    node: Node, alert_id: str, partner: Partner
) -> tuple[AlertRecord, RecipientCopy]:
    """The stored message ``alert_id`` names for ``partner`` and the copy of it ``partner``
    gets; 404 if none."""
    record = await released_record(node, alert_id, partner)
    copy = node.releasability.copy_for(record, cap.parse_stored(record.xml), partner.id)
    if copy is None:
        raise not_found(alert_id)
    return record, copy
