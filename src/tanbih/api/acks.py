"""Acknowledging: from the console (a partner's token) and from an e-mail's one-time link."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from tanbih.api.auth import CurrentNode, CurrentPartner
from tanbih.api.problems import PROBLEM_RESPONSES, ApiProblem
from tanbih.api.released import released_record
from tanbih.domain.ack_token import AckClaim, TokenRefusal, token_digest, verify
from tanbih.domain.notification import Acknowledgement, AckRoute
from tanbih.node import Node

router = APIRouter(tags=["acknowledgement"])


class AckView(BaseModel):
    """A partner's first acknowledgement of an event."""

    partner: str
    via: str
    at: str
    contact: str | None
    first: bool = Field(description="whether this request made it (false: an earlier one did)")

    @classmethod
    def of(cls, ack: Acknowledgement, first: bool) -> AckView:
        """The view of a stored acknowledgement."""
        return cls(
            partner=ack.partner_id,
            via=ack.via.value,
            at=ack.at.isoformat(),
            contact=ack.contact_id,
            first=first,
        )


class ConsoleAck(BaseModel):
    """Who at the partner acknowledges, if the console knows."""

    contact: str | None = None


@router.post(
    "/api/v1/alerts/{alert_id}/ack",
    response_model=AckView,
    responses={404: {"description": "No such message."}, **PROBLEM_RESPONSES},
    summary="Acknowledge a message's event for the calling partner (console)",
)
async def acknowledge_from_console(
    alert_id: str,
    node: CurrentNode,
    partner: CurrentPartner,
    body: Annotated[ConsoleAck | None, Body()] = None,
) -> AckView:
    """The partner's first acknowledgement of the event; escalation to it stops."""
    record = await released_record(node, alert_id, partner)
    contact = body.contact if body else None
    if contact is not None and contact not in {c.id for c in partner.contacts}:
        raise ApiProblem(
            422,
            "invalid-request",
            "Invalid request",
            f"{contact!r} is not a contact of partner {partner.id!r}",
        )
    ack, first = await node.acknowledge(
        record.thread_id, partner.id, AckRoute.CONSOLE, contact_id=contact
    )
    return AckView.of(ack, first=first)


@router.get(
    "/api/v1/alerts/{alert_id}/acks",
    response_model=list[AckView],
    responses=PROBLEM_RESPONSES,
    summary="Who acknowledged a message's event, when and how",
)
async def list_acknowledgements(
    alert_id: str, node: CurrentNode, partner: CurrentPartner
) -> list[AckView]:
    """Every partner's first acknowledgement of the event, earliest first."""
    record = await released_record(node, alert_id, partner)
    return [AckView.of(a, first=True) for a in await node.store.acknowledgements(record.thread_id)]


@router.get("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
async def confirm_page(token: str, node: CurrentNode) -> HTMLResponse:
    """A page with one button: links are opened by mail scanners, so only a POST acknowledges."""
    claim = _claim(token, node)
    action = html.escape(f"/ack/{token}")
    return _page(
        "Acknowledge this warning",
        f"<p>Partner {html.escape(claim.partner_id)}, contact {html.escape(claim.contact_id)}.</p>"
        f'<form method="post" action="{action}"><button type="submit">Acknowledge</button></form>',
    )


@router.post("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
async def acknowledge_by_link(token: str, node: CurrentNode) -> HTMLResponse:
    """Spend the one-time token and acknowledge; a reused or forged token is refused."""
    claim = _claim(token, node)
    now = node.clock.now()
    if not await node.store.use_token(token_digest(token), now):
        raise ApiProblem(
            409, "token-used", "Link already used", "this acknowledgement link was used before"
        )
    thread_id = await _thread_of(node, claim)
    await node.acknowledge(
        thread_id,
        claim.partner_id,
        AckRoute.EMAIL_LINK,
        contact_id=claim.contact_id,
        notification_key=claim.notification_key,
    )
    return _page("Acknowledged", "<p>Thank you: the warning is acknowledged.</p>")


def _claim(token: str, node: Node) -> AckClaim:
    result = verify(token, node.secret, node.clock.now())
    if isinstance(result, TokenRefusal):
        raise ApiProblem(
            403,
            f"token-{result.reason.value}",
            "Link refused",
            f"this acknowledgement link is {result.reason.value}",
        )
    return result


async def _thread_of(node: Node, claim: AckClaim) -> str:
    notification = await node.store.notification(claim.notification_key)
    if notification is not None and notification.recipient.partner_id == claim.partner_id:
        record = await node.store.get(notification.alert_id)
        if record is not None:
            return record.thread_id
    raise ApiProblem(404, "not-found", "Not found", "the link's notification is not known here")


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
