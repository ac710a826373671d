"""The HTTPS fallback: a link that posts CAP to a peer's ``/api/v1/alerts``.

For two partners whose networks do not allow NATS between them. The peer's node authenticates
this node with the token it issued it (``tanbih coalition token``) and verifies the signature
as for any posted message. A refusal (4xx) is logged and not retried; an unreachable peer or a
5xx raises ``BusError`` so the outbound link tries again, holding its place in the log.
"""

from __future__ import annotations

import logging

import httpx

from tanbih.errors import BusError

log = logging.getLogger(__name__)

CAP_XML = "application/cap+xml"


class HttpsPeer:
    """One peer node reached over HTTPS."""

    def __init__(self, partner_id: str, base_url: str, token: str, client: httpx.AsyncClient):
        self.partner_id = partner_id
        self._url = base_url.rstrip("/") + "/api/v1/alerts"
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": CAP_XML}
        self._client = client

    async def send(self, xml: bytes) -> None:
        """Post one signed CAP message; see the module docstring for what a failure does."""
        try:
            response = await self._client.post(self._url, content=xml, headers=self._headers)
        except httpx.HTTPError as exc:
            raise BusError(f"posting to {self.partner_id} at {self._url}: {exc}") from exc
        if response.status_code >= 500:
            raise BusError(f"{self.partner_id} answered {response.status_code}")
        if response.status_code >= 400:
            log.error(
                "%s refused a message (%d): %s",
                self.partner_id,
                response.status_code,
                response.text[:500],
            )
