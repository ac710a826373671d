"""The NATS JetStream bus (nats-py): durable streams, pull consumers, explicit acks.

- **Streams** are created at connect when missing (file storage, limits retention, the
  ``duplicate_window`` for ``Nats-Msg-Id`` dedup, ``max_age``); where the operator created
  them and the node's credentials may not, the node uses them as they are.
- **Consumers** are durable pull consumers with explicit acks: a message not acknowledged
  within ``ack_wait`` (its worker died) is delivered again, to whichever process of the node
  pulls next. Every process of a node consumes under the same durable name, so they share the
  work (JetStream's pull consumers are its queue groups). Where the operator created the
  consumer (per-partner permissions, docs/operations.md), the node binds to it.
- **Verdicts** map to ``ack`` (done), ``nak`` with a delay (retry) and ``term`` (reject).

Errors from nats-py become ``BusError`` (``BusPermissionError`` for a permissions violation).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

from tanbih.adapters.bus.subjects import covers
from tanbih.errors import BusError, BusPermissionError
from tanbih.ports import BusHandler, BusMessage, Verdict

log = logging.getLogger(__name__)

MSG_ID = "Nats-Msg-Id"
_FETCH_BATCH = 64
_FETCH_WAIT_S = 1.0
# A batch is handed over when full or when this runs out: short, so a batch is never held back
# waiting for company (latency) while its ack wait runs.
_DRAIN_WAIT_S = 0.02


@dataclass(frozen=True, slots=True)
class JetStreamOptions:
    """How the node uses JetStream; the defaults suit a coalition's links.

    ``inbox_prefix`` must be the one the node's NATS user may subscribe to when accounts and
    permissions isolate partners (``_INBOX_<partner>``; docs/operations.md).
    """

    ack_wait: float = 30.0
    redeliver_delay: float = 1.0
    dedup_window: float = 120.0
    max_age: float = 7 * 24 * 3600.0
    connect_timeout: float = 5.0
    request_timeout: float = 5.0
    inbox_prefix: str = "_INBOX"
    name: str = "tanbih"


class JetStreamBus:
    """A node's connection to NATS JetStream (see the module docstring)."""

    def __init__(
        self,
        client: Client,
        streams: Mapping[str, Sequence[str]],
        options: JetStreamOptions,
    ) -> None:
        self._client = client
        self._js: JetStreamContext = client.jetstream(timeout=options.request_timeout)
        self._streams = {name: tuple(subjects) for name, subjects in streams.items()}
        self._options = options
        self._denied: list[str] = []

    @classmethod
    async def connect(
        cls, url: str, streams: Mapping[str, Sequence[str]], options: JetStreamOptions
    ) -> JetStreamBus:
        """Connect to ``url`` (user and password may be in it) and make sure of the streams."""
        bus: JetStreamBus | None = None

        async def on_error(exc: Exception) -> None:
            # Permission violations arrive asynchronously; the waiting call sees a timeout.
            if bus is not None and "permissions violation" in str(exc).lower():
                bus._denied.append(str(exc))
            log.warning("nats: %s", exc)

        try:
            client = await nats.connect(
                url,
                name=options.name,
                connect_timeout=options.connect_timeout,
                max_reconnect_attempts=-1,
                inbox_prefix=options.inbox_prefix,
                error_cb=on_error,
            )
        except (OSError, nats.errors.Error) as exc:
            raise BusError(f"cannot reach NATS at {_redacted(url)}: {exc}") from exc
        bus = cls(client, streams, options)
        await bus._ensure_streams()
        return bus

    async def publish(
        self, subject: str, data: bytes, *, msg_id: str, headers: Mapping[str, str] | None = None
    ) -> bool:
        """Publish and wait for JetStream's ack; ``False`` for a duplicate ``msg_id``."""
        sent = {**(headers or {}), MSG_ID: msg_id}
        try:
            ack = await self._js.publish(subject, data, headers=sent)
        except nats.js.errors.NoStreamResponseError as exc:
            raise BusError(f"no stream stores {subject!r}") from exc
        except (nats.errors.Error, OSError) as exc:
            raise self._error(f"publishing to {subject!r}", exc) from exc
        return not ack.duplicate

    async def consume(
        self, subject_filter: str, durable: str, handler: BusHandler, stop: asyncio.Event
    ) -> None:
        """Pull ``subject_filter`` under ``durable`` and settle each message by its verdict."""
        stream = self._stream_of(subject_filter)
        config = self._consumer_config(subject_filter, durable)
        try:
            subscription = await self._js.pull_subscribe(
                subject_filter, durable=durable, stream=stream, config=config
            )
        except (nats.errors.Error, OSError) as exc:
            raise self._error(f"reading {subject_filter!r} as {durable!r}", exc) from exc
        # Idle, wait for one message; after one, drain whatever else is there in batches.
        size = 1
        try:
            while not stop.is_set():
                wait = _FETCH_WAIT_S if size == 1 else _DRAIN_WAIT_S
                try:
                    batch = await subscription.fetch(size, timeout=wait)
                except TimeoutError:  # nats-py's own subclasses it; an empty poll raises either
                    size = 1
                    continue
                except (nats.errors.Error, OSError) as exc:
                    log.warning("fetching %s failed: %r; trying again", subject_filter, exc)
                    await asyncio.sleep(_FETCH_WAIT_S)
                    continue
                # In order, one at a time: a batch is the stream's order for this consumer.
                for msg in batch:
                    await self._settle(msg, await self._handle(msg, handler))
                size = _FETCH_BATCH
        finally:
            await subscription.unsubscribe()

    async def provision(self, subject_filter: str, durable: str) -> None:
        """Create the durable consumer a node will read ``subject_filter`` under, as the node
        would, so that a node whose credentials may not create consumers can bind to it."""
        config = self._consumer_config(subject_filter, durable)
        try:
            await self._js.add_consumer(self._stream_of(subject_filter), config)
        except (nats.errors.Error, OSError) as exc:
            raise self._error(f"creating consumer {durable!r}", exc) from exc

    async def close(self) -> None:
        """Flush and close the connection."""
        if not self._client.is_closed:
            await self._client.drain()

    async def delete_streams(self) -> None:
        """Delete this bus's streams (tests and benchmarks clean up after themselves)."""
        for name in self._streams:
            try:
                await self._js.delete_stream(name)
            except nats.js.errors.NotFoundError:
                continue

    async def _handle(self, msg: Msg, handler: BusHandler) -> Verdict:
        headers = dict(msg.headers or {})
        metadata = msg.metadata
        message = BusMessage(
            subject=msg.subject,
            data=msg.data,
            msg_id=headers.get(MSG_ID, ""),
            headers=headers,
            delivery=metadata.num_delivered or 1,
            sequence=metadata.sequence.stream if metadata.sequence else 0,
        )
        try:
            return await handler(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("handling %s failed; delivering it again", message.msg_id)
            return Verdict.RETRY

    async def _settle(self, msg: Msg, verdict: Verdict) -> None:
        try:
            if verdict is Verdict.DONE:
                await msg.ack()
            elif verdict is Verdict.RETRY:
                await msg.nak(delay=self._options.redeliver_delay)
            else:
                await msg.term()
        except (nats.errors.Error, OSError) as exc:
            # Unsettled, it comes back after ack_wait: at least once, never lost.
            log.warning("settling a message failed (%s): it will be delivered again", exc)

    async def _ensure_streams(self) -> None:
        for name, subjects in self._streams.items():
            try:
                await self._js.stream_info(name)
                continue
            except nats.js.errors.NotFoundError:
                pass
            except (nats.errors.Error, OSError) as exc:
                log.warning("stream %s not checked (%s): using it as provisioned", name, exc)
                continue
            config = api.StreamConfig(
                name=name,
                subjects=list(subjects),
                retention=api.RetentionPolicy.LIMITS,
                storage=api.StorageType.FILE,
                duplicate_window=self._options.dedup_window,
                max_age=self._options.max_age,
            )
            try:
                await self._js.add_stream(config)
            except nats.js.errors.BadRequestError:
                # Another process created it between our look and our add.
                await self._js.stream_info(name)
            except (nats.errors.Error, OSError) as exc:
                raise self._error(f"creating stream {name}", exc) from exc

    def _consumer_config(self, subject_filter: str, durable: str) -> api.ConsumerConfig:
        return api.ConsumerConfig(
            durable_name=durable,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_wait=self._options.ack_wait,
            filter_subject=subject_filter,
        )

    def _stream_of(self, subject_filter: str) -> str:
        for name, subjects in self._streams.items():
            if any(covers(pattern, subject_filter) for pattern in subjects):
                return name
        raise BusError(f"no stream of this node keeps {subject_filter!r}")

    def _error(self, what: str, exc: BaseException) -> BusError:
        if self._denied or "permission" in str(exc).lower():
            reason = self._denied[-1] if self._denied else str(exc)
            return BusPermissionError(f"{what}: refused by NATS: {reason}")
        return BusError(f"{what}: {type(exc).__name__}: {exc}")


def _redacted(url: str) -> str:
    """``url`` without a password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    return f"{scheme}{sep}***@{rest.split('@', 1)[1]}"
