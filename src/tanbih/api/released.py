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


async def released_record(node: Node, alert_id: str, partner: Partner) -> AlertRecord:
    """The stored message ``alert_id`` if the matrix releases anything of it to ``partner``.

    Raises a 404 otherwise, the same as for a message that does not exist.
    """
    record = await node.store.get(alert_id)
    if record is None or node.releasability.level_of(record, partner.id) is Level.NONE:
        raise not_found(alert_id)
    return record


async def released_copy(
    node: Node, alert_id: str, partner: Partner
) -> tuple[AlertRecord, RecipientCopy]:
    """The stored message ``alert_id`` and the copy of it ``partner`` gets; 404 if none."""
    record = await node.store.get(alert_id)
    if record is None:
        raise not_found(alert_id)
    copy = node.releasability.copy_for(record, cap.parse_stored(record.xml), partner.id)
    if copy is None:
        raise not_found(alert_id)
    return record, copy
