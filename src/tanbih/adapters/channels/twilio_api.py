"""One carrier account speaking the Twilio REST API shape: create a Message or a Call.

``POST {base}/2010-04-01/Accounts/{AccountSid}/{Messages|Calls}.json``, form-encoded, HTTP
basic auth ``AccountSid:AuthToken``. Success is ``201`` with a JSON resource whose ``sid`` is
kept as the provider id; failure is JSON ``{"code", "message", "more_info", "status"}``,
whose code and message become the result's error. Statuses are classified by http_outcome.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from urllib.parse import quote

import aiohttp

from tanbih.adapters.channels.http_outcome import HttpAnswer, post
from tanbih.adapters.channels.settings import CarrierSettings
from tanbih.domain.notification import DeliveryResult
from tanbih.errors import ConfigurationError, Problem

API_VERSION = "2010-04-01"

Form = Mapping[str, str | Sequence[str]]
"""Form fields; a sequence value repeats the field (``StatusCallbackEvent``)."""


class TwilioAccount:
    """Creates resources in one carrier account, over one shared HTTP client."""

    def __init__(
        self, session: aiohttp.ClientSession, carrier: CarrierSettings, *, deadline: float
    ) -> None:
        self.carrier = carrier
        self._session = session
        self._deadline = deadline
        try:
            auth = aiohttp.encode_basic_auth(carrier.account_sid, carrier.auth_token)
        except ValueError as exc:  # a ':' in the account sid cannot be sent as basic auth
            where = f"carrier {carrier.name}: account_sid"
            raise ConfigurationError([Problem(where, str(exc))]) from exc
        self._headers = {"Authorization": auth}
        sid = quote(carrier.account_sid, safe="")
        self._root = f"{carrier.base_url.rstrip('/')}/{API_VERSION}/Accounts/{sid}"

    async def create(self, resource: str, form: Form) -> DeliveryResult:
        """POST a new ``resource`` (``Messages``, ``Calls``) once; the sid is the provider id."""
        fields = [
            (name, item)
            for name, value in form.items()
            for item in ((value,) if isinstance(value, str) else value)
        ]
        return await post(
            self._session,
            f"{self._root}/{resource}.json",
            deadline=self._deadline,
            read=read_twilio_response,
            data=aiohttp.FormData(fields),
            headers=self._headers,
        )


def read_twilio_response(answer: HttpAnswer) -> tuple[str | None, str | None]:
    """The resource ``sid``, and the carrier's ``code: message`` when it refused."""
    try:
        body = json.loads(answer.body)
    except ValueError:  # not JSON, or not UTF-8
        return None, answer.body.decode("utf-8", "replace")[:200] or None
    if not isinstance(body, dict):
        return None, None
    sid = body.get("sid")
    detail = None
    if "code" in body or "message" in body:
        detail = f"{body.get('code')}: {body.get('message')}"
    return (sid if isinstance(sid, str) else None), detail
