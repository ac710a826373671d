"""``/metrics`` after real deliveries: notifications by channel and outcome, latency histograms,
messages posted, and the outbox's depth."""

from __future__ import annotations

import asyncio

from prometheus_client.parser import text_string_to_metric_families
from tests.fakes.receiver import Reply
from tests.integration.notify.conftest import (
    Network,
)
from tests.integration.notify.network_setup import (
    WAIT,
)

from tanbih.adapters.metrics import NodeMetrics
from tanbih.domain.notification import Attempt, Notification

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
CHANNELS = ("console", "email", "webhook", "sms", "voice")


class Settlements:
    """Counts the dispatcher's settlements as the node's metrics see them."""

    def __init__(self, metrics: NodeMetrics) -> None:
        self.count = 0
        self._changed = asyncio.Event()
        count_in_metrics = metrics.settled

        def settled(notification: Notification, attempt: Attempt) -> None:
            count_in_metrics(notification, attempt)
            self.count += 1
            self._changed.set()

        metrics.settled = settled  # type: ignore[method-assign]

    async def wait_for(self, count: int) -> None:
        """Return once ``count`` attempts have been settled and counted."""
        async with asyncio.timeout(WAIT):
            while self.count < count:
                self._changed.clear()
                await self._changed.wait()


async def scrape(network: Network) -> Samples:
    """The node's metrics, by sample name and labels."""
    response = await network.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the series does not exist yet."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_notifications_by_channel_and_outcome_and_time_them(
    network: Network,
) -> None:
    """Each channel's delivery is counted and timed, the post counted, the ack timed at 20 s."""
    settlements = Settlements(network.node.metrics)
    start = network.clock.now()
    alert_id = await network.post(network.alert())
    await settlements.wait_for(3)
    await network.advance_to(start, 20)
    await settlements.wait_for(5)
    acked = await network.client.post(f"/api/v1/alerts/{alert_id}/ack", headers=network.auth("aa"))
    assert acked.status_code == 200

    samples = await scrape(network)

    for channel in CHANNELS:
        delivered = value(
            samples, "tanbih_notifications_total", channel=channel, outcome="delivered"
        )
        timed = value(samples, "tanbih_delivery_latency_seconds_count", channel=channel)
        assert (channel, delivered, timed) == (channel, 1.0, 1.0)
    assert value(samples, "tanbih_messages_total", outcome="accepted") == 1.0
    ack = "tanbih_acknowledgement_latency_seconds_bucket"
    assert value(samples, ack, via="console", le="15.0") == 0.0
    assert value(samples, ack, via="console", le="20.0") == 1.0
    assert value(samples, "tanbih_outbox_queue_depth") == 0.0


async def test_the_queue_depth_counts_notifications_still_waiting(network: Network) -> None:
    """While a webhook receiver holds its answer, its notification is in the outbox's depth."""
    answer = asyncio.Event()
    network.webhooks.reply_next(Reply(hold=answer))
    settlements = Settlements(network.node.metrics)
    await network.post(network.alert())
    await network.webhooks_to("/aa", 1)
    await settlements.wait_for(2)

    waiting = await scrape(network)
    answer.set()
    await settlements.wait_for(3)
    drained = await scrape(network)

    assert value(waiting, "tanbih_outbox_queue_depth") == 1.0
    assert value(drained, "tanbih_outbox_queue_depth") == 0.0
