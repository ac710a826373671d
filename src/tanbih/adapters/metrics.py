"""Prometheus metrics of one node, in a registry of its own (so tests can build many nodes)."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from tanbih.domain.notification import Attempt, DeliveryOutcome, Notification

# From a millisecond (the budget's scale) to a minute (a slow SMS carrier).
LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)
ACK_BUCKETS = (1.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 300.0, 600.0)


class NodeMetrics:
    """The counters, histograms and gauges a node exposes at ``/metrics``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "tanbih_messages_total",
            "CAP messages posted to the node, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.notifications = Counter(
            "tanbih_notifications_total",
            "Notification attempts, by channel and outcome.",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.delivery_latency = Histogram(
            "tanbih_delivery_latency_seconds",
            "From the message accepted to the notification delivered, by channel.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.acknowledgement_latency = Histogram(
            "tanbih_acknowledgement_latency_seconds",
            "From the message accepted to a partner's first acknowledgement, by route.",
            ["via"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "tanbih_outbox_queue_depth",
            "Notifications waiting in the outbox.",
            registry=self.registry,
        )

    def settled(self, notification: Notification, attempt: Attempt) -> None:
        """Count one attempt; when it delivered, time it from acceptance to its end."""
        channel = notification.recipient.channel.kind.value
        self.notifications.labels(channel, attempt.outcome.value).inc()
        if attempt.outcome is DeliveryOutcome.DELIVERED:
            # ``at`` is when the attempt began; the channel's answer came ``duration_ms`` later.
            waited = (attempt.at - notification.created_at).total_seconds()
            seconds = waited + attempt.duration_ms / 1000
            self.delivery_latency.labels(channel).observe(max(seconds, 0.0))

    def acknowledged(self, via: str, accepted_at: datetime, at: datetime) -> None:
        """Time a partner's first acknowledgement from the message's acceptance."""
        seconds = (at - accepted_at).total_seconds()
        self.acknowledgement_latency.labels(via).observe(max(seconds, 0.0))

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)
