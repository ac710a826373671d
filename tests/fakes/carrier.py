"""A fake SMS and voice carrier speaking the Twilio REST API shape, as a real HTTP server.

It accepts ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` and ``.../Calls.json``
(form-encoded, HTTP basic auth ``AccountSid:AuthToken``), records what it accepted and answers
with Twilio's JSON, errors included (``{"code", "message", "more_info", "status"}``). A test
can make the next request fail (any status and Twilio error code) or hang until released.

Like Twilio, it calls back, signing every callback with ``X-Twilio-Signature`` under its auth
token: SMS delivery receipts, inbound SMS replies, call status events, and the digits a
callee pressed, posted to the ``<Gather>`` action of the call's TwiML.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree as ET

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.fakes.receiver import WAIT_SECONDS

from tanbih.adapters.channels.twilio_callbacks import SIGNATURE_HEADER, twilio_signature

API = "2010-04-01"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_BODY = 1600
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def segments(body: str) -> int:
    """How many SMS segments ``body`` takes: GSM-7 160/153, else UCS-2 70/67 per segment."""
    single, multi = (160, 153) if set(body) <= GSM7 else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // multi)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """An SMS the carrier accepted."""

    sid: str
    to: str
    sender: str
    body: str
    status_callback: str | None
    num_segments: int


@dataclass(frozen=True, slots=True)
class PlacedCall:
    """A call the carrier accepted, with its TwiML and where to report on it."""

    sid: str
    to: str
    sender: str
    twiml: str
    status_callback: str | None
    status_events: tuple[str, ...]
    timeout: str | None

    @property
    def gather_action(self) -> str:
        """The ``<Gather action>`` URL of the call's TwiML."""
        gather = ET.fromstring(self.twiml).find("Gather")  # noqa: S314 -- our own TwiML
        assert gather is not None, "the call's TwiML has no <Gather>"
        return gather.attrib["action"]


@dataclass(slots=True)
class Failure:
    """How to refuse (or delay) the next API request."""

    status: int = 503
    code: int = 20503
    message: str = "Service Unavailable"
    hold: asyncio.Event | None = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeCarrier:
    """One carrier account; ``app`` is the Starlette app to serve."""

    def __init__(self, *, inbound_sms_url: str | None = None) -> None:
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.inbound_sms_url = inbound_sms_url
        self.messages: list[SentMessage] = []
        self.calls: list[PlacedCall] = []
        self._failures: deque[Failure] = deque()
        self._changed = asyncio.Condition()
        root = f"/{API}/Accounts/{{sid}}"
        self.app = Starlette(
            routes=[
                Route(f"{root}/Messages.json", self._create_message, methods=["POST"]),
                Route(f"{root}/Calls.json", self._create_call, methods=["POST"]),
            ]
        )

    def fail_next(self, failure: Failure) -> None:
        """Refuse the next API request as ``failure`` says (after its ``hold``, if any)."""
        self._failures.append(failure)

    async def wait_for_messages(
        self, count: int = 1, within: float = WAIT_SECONDS
    ) -> list[SentMessage]:
        """The accepted SMS, once there are ``count``; fails after ``within`` seconds."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.messages) >= count)
        return list(self.messages)

    async def wait_for_calls(
        self, count: int = 1, within: float = WAIT_SECONDS
    ) -> list[PlacedCall]:
        """The accepted calls, once there are ``count``; fails after ``within`` seconds."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.calls) >= count)
        return list(self.calls)

    # Callbacks, as Twilio makes them.

    async def send_receipt(
        self, message: SentMessage, status: str = "delivered", error_code: str | None = None
    ) -> httpx.Response:
        """POST a delivery receipt for ``message`` to its ``StatusCallback``."""
        assert message.status_callback, "the message asked for no status callback"
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": API,
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "From": message.sender,
            "To": message.to,
        }
        if error_code is not None:
            form["ErrorCode"] = error_code
        return await self._call_back(message.status_callback, list(form.items()))

    async def send_reply(self, sender: str, body: str, to: str) -> httpx.Response:
        """POST an inbound SMS from ``sender`` to the number's messaging webhook."""
        assert self.inbound_sms_url, "no inbound SMS URL is configured"
        sid = "SM" + secrets.token_hex(16)
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": API,
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "From": sender,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": str(segments(body)),
        }
        return await self._call_back(self.inbound_sms_url, list(form.items()))

    async def send_call_status(
        self, call: PlacedCall, status: str, duration: int | None = None
    ) -> httpx.Response:
        """POST a call progress event (``ringing``, ``busy``, ``no-answer``...) for ``call``."""
        assert call.status_callback, "the call asked for no status callback"
        form = [
            *self._call_form(call),
            ("CallStatus", status),
            ("CallbackSource", "call-progress-events"),
        ]
        if duration is not None:
            form.append(("CallDuration", str(duration)))
        return await self._call_back(call.status_callback, form)

    async def press(self, call: PlacedCall, digits: str) -> httpx.Response:
        """POST the callee's key presses to the call's ``<Gather>`` action."""
        form = [
            *self._call_form(call),
            ("CallStatus", "in-progress"),
            ("Digits", digits),
            ("FinishedOnKey", ""),
        ]
        return await self._call_back(call.gather_action, form)

    def _call_form(self, call: PlacedCall) -> list[tuple[str, str]]:
        return [
            ("AccountSid", self.account_sid),
            ("ApiVersion", API),
            ("CallSid", call.sid),
            ("Direction", "outbound-api"),
            ("From", call.sender),
            ("To", call.to),
            ("Called", call.to),
            ("Caller", call.sender),
        ]

    async def _call_back(self, url: str, form: list[tuple[str, str]]) -> httpx.Response:
        headers = {SIGNATURE_HEADER: twilio_signature(self.auth_token, url, form)}
        async with httpx.AsyncClient(timeout=WAIT_SECONDS) as client:
            return await client.post(url, data=dict(form), headers=headers)

    # The REST API.

    async def _create_message(self, request: Request) -> JSONResponse:
        form, refusal = await self._admit(request)
        if refusal is not None:
            return refusal
        body = form.get("Body", "")
        if not body:
            return _error(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            return _error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        message = SentMessage(
            sid="SM" + secrets.token_hex(16),
            to=form["To"],
            sender=form["From"],
            body=body,
            status_callback=form.get("StatusCallback"),
            num_segments=segments(body),
        )
        await self._record(self.messages, message)
        return JSONResponse(
            self._resource(
                message.sid, form, "Messages", body=body, num_segments=str(message.num_segments)
            ),
            status_code=201,
        )

    async def _create_call(self, request: Request) -> JSONResponse:
        form, refusal = await self._admit(request)
        if refusal is not None:
            return refusal
        pairs = _pairs(await request.body())
        twiml = form.get("Twiml")
        if not twiml and not form.get("Url"):
            return _error(400, 21205, "Url parameter is required.")
        call = PlacedCall(
            sid="CA" + secrets.token_hex(16),
            to=form["To"],
            sender=form["From"],
            twiml=twiml or "",
            status_callback=form.get("StatusCallback"),
            status_events=tuple(value for name, value in pairs if name == "StatusCallbackEvent"),
            timeout=form.get("Timeout"),
        )
        await self._record(self.calls, call)
        return JSONResponse(
            self._resource(call.sid, form, "Calls", direction="outbound-api"), status_code=201
        )

    async def _admit(self, request: Request) -> tuple[dict[str, str], JSONResponse | None]:
        """The form, or the refusal the request gets: told to fail, unauthenticated, invalid."""
        raw = await request.body()
        form = dict(_pairs(raw))
        if self._failures:
            failure = self._failures.popleft()
            if failure.hold is not None:
                await failure.hold.wait()
            return form, _error(failure.status, failure.code, failure.message, failure.headers)
        if request.path_params["sid"] != self.account_sid or not self._authorized(request):
            return form, _error(401, 20003, "Authenticate")
        for name in ("To", "From"):
            if not form.get(name):
                return form, _error(
                    400, 21604 if name == "To" else 21603, f"A '{name}' phone number is required."
                )
        if not E164.match(form["To"]):
            return form, _error(
                400, 21211, f"The 'To' number {form['To']} is not a valid phone number."
            )
        return form, None

    def _authorized(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(f"{user}:{password}", f"{self.account_sid}:{self.auth_token}")

    async def _record(self, into: list[Any], item: Any) -> None:
        async with self._changed:
            into.append(item)
            self._changed.notify_all()

    def _resource(self, sid: str, form: dict[str, str], kind: str, **extra: str) -> dict[str, Any]:
        return {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": form["From"],
            "status": "queued",
            "api_version": API,
            "error_code": None,
            "error_message": None,
            "uri": f"/{API}/Accounts/{self.account_sid}/{kind}/{sid}.json",
            **extra,
        }


def _pairs(raw: bytes) -> list[tuple[str, str]]:
    return parse_qsl(raw.decode("utf-8"), keep_blank_values=True)


def _error(
    status: int, code: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status, headers=headers)
