"""A whole node served over real HTTP, wired to real receivers, on an injected clock.

The coalition (written to ``tmp_path`` for each test): the coordinator ``hub`` runs the node;
partner ``bb`` posts warnings of partner ``aa``'s zone ``aa-north``. Routing tells ``aa``'s
duty officer at once on console, webhook and e-mail; while nobody of ``aa`` acknowledges,
escalation tells its duty officer by SMS and call at 20 s, its deputy by SMS at 45 s and the
hub's duty officer by SMS at 60 s.

The node runs under uvicorn with its lifespan, on a loopback socket bound first so that its
public URL (where the fake carrier calls back) is in its settings before it starts. E-mail goes
to aiosmtpd, SMS and calls to the Twilio-shaped fake carrier, webhooks to a recording receiver.
Time is a :class:`StepClock`: escalation falls due when a test moves the clock and wakes the
escalator, never by waiting real seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from tests.fakes.carrier import FakeCarrier, PlacedCall, SentMessage
from tests.fakes.http_server import loopback_listener, serve, url_of
from tests.fakes.receiver import Received, Receiver
from tests.fakes.smtp import Mail, SmtpRecorder, smtp_server
from tests.integration.notify.console_stream import ConsoleStream
from tests.integration.notify.network_setup import (
    AA_DEPUTY_PHONE,
    AA_DUTY_PHONE,
    AA_NORTH,
    CAP_XML,
    HUB_DUTY_PHONE,
    NODE_SECRET,
    SENDERS,
    WAIT,
    channels_yaml,
    coalition_yaml,
    zones_geojson,
)

from tanbih import cap
from tanbih.api.app import create_app
from tanbih.coalition.tokens import new_token
from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    Point,
    Polygon,
    Reference,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.notification import EscalationTimer, Notification
from tanbih.node import Node
from tanbih.settings import Settings


class StepClock:
    """A clock that stands still until the test moves it (microseconds kept, as in life)."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        """The clock's time."""
        return self.at

    def advance(self, seconds: float) -> datetime:
        """Move the clock on by ``seconds``; returns the new time."""
        self.at += timedelta(seconds=seconds)
        return self.at


@dataclass
class Network:
    """A running node and everything it reaches, with the test's clock and partner tokens."""

    node: Node
    client: httpx.AsyncClient
    url: str
    clock: StepClock
    tokens: dict[str, str]
    webhooks: Receiver
    mailbox: SmtpRecorder
    carrier: FakeCarrier
    _serial: int = field(default=0)

    # Messages.

    def alert(
        self,
        headline: str = "EXERCISE: hostile UAV approaching aa-north",
        *,
        sender: str = "bb",
        status: Status = Status.EXERCISE,
    ) -> Alert:
        """A new warning of aa-north, sent now."""
        return self._message(sender, MsgType.ALERT, (), status, headline)

    def update(self, of: Alert, headline: str = "EXERCISE: take shelter now") -> Alert:
        """An Update of ``of``: the threat now calls for shelter."""
        return self._message("bb", MsgType.UPDATE, (of.key,), of.status, headline)

    def cancel(self, of: Alert) -> Alert:
        """A Cancel of ``of``, without ``<info>``."""
        return self._message("bb", MsgType.CANCEL, (of.key,), of.status, None)

    def ack(self, of: Alert, by: str = "aa") -> Alert:
        """A partner system's CAP Ack of ``of``."""
        return self._message(by, MsgType.ACK, (of.key,), of.status, None)

    def _message(
        self,
        sender: str,
        msg_type: MsgType,
        references: tuple[Reference, ...],
        status: Status,
        headline: str | None,
    ) -> Alert:
        self._serial += 1
        sent = self.clock.now().replace(microsecond=0)
        infos = ()
        if headline is not None:
            shelter = msg_type is MsgType.UPDATE
            infos = (
                Info(
                    categories=(Category.SECURITY,),
                    event="Hostile UAV",
                    urgency=Urgency.IMMEDIATE if shelter else Urgency.EXPECTED,
                    severity=Severity.SEVERE,
                    certainty=Certainty.OBSERVED,
                    language="en",
                    response_types=(ResponseType.SHELTER if shelter else ResponseType.PREPARE,),
                    expires=sent + timedelta(minutes=30),
                    headline=headline,
                    areas=(
                        Area(
                            area_desc="North district",
                            polygons=(Polygon(tuple(Point(*p) for p in AA_NORTH)),),
                            geocodes=(NamedValue("tanbih:zone", "aa-north"),),
                        ),
                    ),
                ),
            )
        return Alert(
            identifier=f"notify-{sent:%Y%m%dT%H%M%S}-{self._serial}",
            sender=SENDERS[sender],
            sent=sent,
            status=status,
            msg_type=msg_type,
            scope=Scope.RESTRICTED,
            restriction="coalition members only",
            references=references,
            infos=infos,
        )

    def auth(self, partner_id: str) -> dict[str, str]:
        """The partner's bearer token header."""
        return {"Authorization": f"Bearer {self.tokens[partner_id]}"}

    async def post(self, alert: Alert, by: str = "bb") -> str:
        """Post ``alert`` as CAP XML as partner ``by``; its id, once the node accepted it."""
        response = await self.client.post(
            "/api/v1/alerts", content=cap.emit_xml(alert), headers={**self.auth(by), **CAP_XML}
        )
        assert response.status_code == 201, response.text
        alert_id: str = response.json()["alert"]["id"]
        return alert_id

    async def thread_of(self, alert_id: str) -> str:
        """The event (thread) a stored message belongs to."""
        record = await self.node.store.get(alert_id)
        assert record is not None
        return record.thread_id

    # Time.

    async def advance_to(self, start: datetime, seconds: float) -> None:
        """Set the clock ``seconds`` after ``start`` and wake the escalator, once the node has
        settled every send in flight.

        A receiver has a message before the node hears back from it; moving the clock past
        the send's lease meanwhile would let the dispatcher claim it again, which real time
        cannot do (a lease outlasts a send's timeout).
        """
        async with asyncio.timeout(WAIT):
            await self.node.dispatcher.drained()
        self.clock.at = start + timedelta(seconds=seconds)
        self.node.wakers.escalate.set()

    # What the node stored.

    async def notifications(self, alert_id: str) -> list[Notification]:
        """Every notification of one event, found by one of its messages."""
        return await self.node.store.notifications(thread_id=await self.thread_of(alert_id))

    async def steps_queued(self, alert_id: str) -> set[int]:
        """The escalation steps queued for an event (0 is routing's first notification)."""
        return {n.escalation_step for n in await self.notifications(alert_id)}

    async def timer(self, alert_id: str, partner_id: str = "aa") -> EscalationTimer:
        """A partner's escalation timer of the event."""
        timers = await self.node.store.timers(await self.thread_of(alert_id))
        [timer] = [t for t in timers if t.partner_id == partner_id]
        return timer

    # What the receivers got.

    async def webhooks_to(self, path: str, count: int) -> list[Received]:
        """The first ``count`` webhook requests to ``path``, once they have arrived."""
        async with asyncio.timeout(WAIT):
            while True:
                wanted = [r for r in self.webhooks.requests if r.path == path]
                if len(wanted) >= count:
                    return wanted[:count]
                await self.webhooks.wait_for(len(self.webhooks.requests) + 1, within=WAIT)

    async def mails(self, count: int) -> list[EmailMessage]:
        """The first ``count`` e-mails the relay accepted."""
        mails: list[Mail] = await self.mailbox.wait_for(count, within=WAIT)
        return [m.message for m in mails[:count]]

    async def sms(self, count: int) -> list[SentMessage]:
        """The first ``count`` SMS the carrier accepted."""
        return (await self.carrier.wait_for_messages(count, within=WAIT))[:count]

    async def sms_about(self, words: str, count: int = 1) -> list[SentMessage]:
        """The first ``count`` SMS whose text has ``words``, once they have arrived."""
        async with asyncio.timeout(WAIT):
            while True:
                found = [m for m in self.carrier.messages if words in m.body]
                if len(found) >= count:
                    return found[:count]
                await self.carrier.wait_for_messages(len(self.carrier.messages) + 1, WAIT)

    async def call_about(self, words: str) -> PlacedCall:
        """The first call whose spoken text has ``words``, once it was placed."""
        async with asyncio.timeout(WAIT):
            while True:
                found = [c for c in self.carrier.calls if words in c.twiml]
                if found:
                    return found[0]
                await self.carrier.wait_for_calls(len(self.carrier.calls) + 1, WAIT)

    async def calls(self, count: int) -> list[PlacedCall]:
        """The first ``count`` calls the carrier accepted."""
        return (await self.carrier.wait_for_calls(count, within=WAIT))[:count]

    @asynccontextmanager
    async def console(
        self, partner_id: str = "aa", last_event_id: int | None = None
    ) -> AsyncIterator[ConsoleStream]:
        """The partner's console stream, open until the block ends."""
        headers = self.auth(partner_id)
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        async with self.client.stream("GET", "/api/v1/stream", headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            stream = ConsoleStream(response)
            # The comment line is sent once the stream is subscribed: nothing published
            # after it can be missed.
            async with asyncio.timeout(WAIT):
                first = await anext(stream._lines)
            assert first.startswith(":")
            yield stream


UNDER_TEST = "drone under test"
CONTROL = "control drone"


@dataclass(frozen=True, slots=True)
class Posted:
    """An alert under test and a control alert, posted at ``start``."""

    alert: Alert
    alert_id: str
    control_id: str
    start: datetime


async def post_both(network: Network) -> Posted:
    """Post the alert under test, then the control, at the same instant.

    Posted first, the alert under test has the lower event id, so when both fall due at the
    same time the escalator takes its timer first, before the control's.
    """
    start = network.clock.now()
    alert = network.alert(f"EXERCISE: {UNDER_TEST}")
    alert_id = await network.post(alert)
    control_id = await network.post(network.alert(f"EXERCISE: {CONTROL}"))
    return Posted(alert, alert_id, control_id, start)


async def escalate_to_phones(network: Network, posted: Posted) -> None:
    """Let both alerts reach the 20 s step: their SMS and calls to the duty officer go out."""
    await network.advance_to(posted.start, 20)
    await network.sms_about(UNDER_TEST)
    await network.sms_about(CONTROL)
    await network.call_about(UNDER_TEST)
    await network.call_about(CONTROL)


async def assert_escalation_stopped(network: Network, posted: Posted) -> EscalationTimer:
    """Past 60 s the control reaches the deputy and the hub and the alert under test queues
    nothing more; returns the alert under test's escalation timer."""
    queued = await network.steps_queued(posted.alert_id)
    await network.advance_to(posted.start, 61)

    control = await network.sms_about(CONTROL, 3)

    assert sorted(m.to for m in control) == sorted([AA_DUTY_PHONE, AA_DEPUTY_PHONE, HUB_DUTY_PHONE])
    assert await network.steps_queued(posted.alert_id) == queued
    assert {m.to for m in network.carrier.messages if UNDER_TEST in m.body} <= {AA_DUTY_PHONE}
    timer = await network.timer(posted.alert_id)
    assert timer.steps_done == len(queued) - 1
    return timer


@pytest.fixture
def coalition_extra() -> str:
    """Sections added to the test coalition (a test module overrides it: a sharing matrix)."""
    return ""


@pytest.fixture
async def network(store_url: str, tmp_path: Path, coalition_extra: str) -> AsyncIterator[Network]:
    """The node on ``store_url``, served over HTTP, its receivers and clock."""
    tokens = {partner: new_token() for partner in SENDERS}
    clock = StepClock(datetime.now(UTC))
    webhooks, mailbox, carrier = Receiver(), SmtpRecorder(), FakeCarrier()
    async with AsyncExitStack() as stack:
        webhook_url = await stack.enter_async_context(serve(webhooks.app))
        carrier_url = await stack.enter_async_context(serve(carrier.app))
        smtp_port = await stack.enter_async_context(smtp_server(mailbox))
        listener = loopback_listener()
        node_url = url_of(listener)
        carrier.inbound_sms_url = f"{node_url}/callbacks/twilio/messages/inbound"
        coalition = coalition_yaml(tokens, webhook_url, coalition_extra)
        (tmp_path / "coalition.yaml").write_text(coalition)
        (tmp_path / "aa.geojson").write_text(zones_geojson())
        (tmp_path / "channels.yaml").write_text(channels_yaml(smtp_port, carrier_url, carrier))
        settings = Settings(
            coalition_file=tmp_path / "coalition.yaml",
            data_dir=tmp_path / "data",
            database_url=store_url,
            public_url=node_url,
            channels_file=tmp_path / "channels.yaml",
            node_secret=NODE_SECRET,
        )
        app = create_app(settings, clock)
        await stack.enter_async_context(serve(app, listener=listener, lifespan=True))
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=node_url, timeout=WAIT))
        yield Network(
            node=app.state.node,
            client=client,
            url=node_url,
            clock=clock,
            tokens=tokens,
            webhooks=webhooks,
            mailbox=mailbox,
            carrier=carrier,
        )
