"""The HTTPS fallback: a link that posts CAP to a peer's ``/api/v1/alerts``, and its partner's
sensor reports to the peer's ``/api/v1/observations``.

For two partners whose networks do not allow NATS between them. The peer's node authenticates
this node with the token it issued it (``tanbih coalition token``) and verifies the signature
as for any posted message; a report is the token's partner's, as if that partner posted it. A
refusal (4xx) is logged and not retried; an unreachable peer or a 5xx raises ``BusError`` so
the outbound link tries again, holding its place in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from tanbih.errors import BusError

log = logging.getLogger(__name__)

CAP_XML = "application/cap+xml"


class HttpsPeer:
    """One peer node reached over HTTPS."""

    def __init__(self, partner_id: str, base_url: str, token: str, client: httpx.AsyncClient):
        self.partner_id = partner_id
        base = base_url.rstrip("/")
        self._alerts = base + "/api/v1/alerts"
        self._observations = base + "/api/v1/observations"
        self._auth = {"Authorization": f"Bearer {token}"}
        self._client = client

    async def send(self, xml: bytes) -> None:
        """Post one signed CAP message; see the module docstring for what a failure does."""
        await self._post(self._alerts, content=xml, headers={**self._auth, "Content-Type": CAP_XML})

    async def send_observation(self, body: Mapping[str, Any]) -> None:
        """Post one of this node's partner's reports, as the API takes it; the peer's token
        names the reporting partner (a node sends no other partner's reports)."""
        await self._post(self._observations, json=body, headers=self._auth)

    async def _post(self, url: str, **request: Any) -> None:
        try:
            response = await self._client.post(url, **request)
        except httpx.HTTPError as exc:
            raise BusError(f"posting to {self.partner_id} at {url}: {exc}") from exc
        if response.status_code >= 500:
            raise BusError(f"{self.partner_id} answered {response.status_code}")
        if response.status_code >= 400:
            log.error(
                "%s refused what was posted to %s (%d): %s",
                self.partner_id,
                url,
                response.status_code,
                response.text[:500],
            )
