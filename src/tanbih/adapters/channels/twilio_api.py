"""One carrier account speaking the Twilio REST API shape: create a Message or a Call.

``POST {base}/2010-04-01/Accounts/{AccountSid}/{Messages|Calls}.json``, form-encoded, HTTP
basic auth ``AccountSid:AuthToken``. Success is ``201`` with a JSON resource whose ``sid`` is
kept as the provider id; failure is JSON ``{"code", "message", "more_info", "status"}``,
whose code and message become the result's error. Statuses are classified by http_outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

import httpx

from tanbih.adapters.channels.http_outcome import post
from tanbih.adapters.channels.settings import CarrierSettings
from tanbih.domain.notification import DeliveryResult

API_VERSION = "2010-04-01"

Form = Mapping[str, str | Sequence[str]]
"""Form fields; a sequence value repeats the field (``StatusCallbackEvent``)."""


class TwilioAccount:
    """Creates resources in one carrier account, over one shared HTTP client."""

    def __init__(
        self, client: httpx.AsyncClient, carrier: CarrierSettings, *, deadline: float
    ) -> None:
        self.carrier = carrier
        self._client = client
        self._deadline = deadline
        sid = quote(carrier.account_sid, safe="")
        self._root = f"{carrier.base_url.rstrip('/')}/{API_VERSION}/Accounts/{sid}"

    async def create(self, resource: str, form: Form) -> DeliveryResult:
        """POST a new ``resource`` (``Messages``, ``Calls``) once; the sid is the provider id."""
        fields = {
            name: value if isinstance(value, str) else list(value) for name, value in form.items()
        }
        return await post(
            self._client,
            f"{self._root}/{resource}.json",
            deadline=self._deadline,
            read=read_twilio_response,
            data=fields,
            auth=(self.carrier.account_sid, self.carrier.auth_token),
        )


def read_twilio_response(response: httpx.Response) -> tuple[str | None, str | None]:
    """The resource ``sid``, and the carrier's ``code: message`` when it refused."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200] or None
    if not isinstance(body, dict):
        return None, None
    sid = body.get("sid")
    detail = None
    if "code" in body or "message" in body:
        detail = f"{body.get('code')}: {body.get('message')}"
    return (sid if isinstance(sid, str) else None), detail
