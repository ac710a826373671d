"""The node's Prometheus metrics count attempts and time deliveries from acceptance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tanbih.adapters.metrics import NodeMetrics
from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelAddress, ChannelKind
from tanbih.domain.notification import (
    Attempt,
    DeliveryOutcome,
    Notification,
    Recipient,
    notification_key,
)

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def webhook_notification() -> Notification:
    channel = ChannelAddress(ChannelKind.WEBHOOK, "http://127.0.0.1:9/hook")
    return Notification(
        key=notification_key("a1", "c1", channel),
        alert_id="a1",
        status=Status.EXERCISE,
        recipient=Recipient("il", "c1", channel, "he"),
        escalation_step=0,
        created_at=T0,
        deadline=T0 + timedelta(minutes=5),
    )


def test_attempts_are_counted_by_channel_and_outcome_and_deliveries_timed() -> None:
    """A retry and a delivery count separately; only the delivery is timed, from acceptance."""
    metrics = NodeMetrics()
    notification = webhook_notification()
    metrics.settled(notification, Attempt(notification.key, T0, DeliveryOutcome.RETRY))
    at = T0 + timedelta(milliseconds=4)
    metrics.settled(notification, Attempt(notification.key, at, DeliveryOutcome.DELIVERED))
    text = metrics.exposition().decode()
    assert 'tanbih_notifications_total{channel="webhook",outcome="retry"} 1.0' in text
    assert 'tanbih_notifications_total{channel="webhook",outcome="delivered"} 1.0' in text
    assert 'tanbih_delivery_latency_seconds_bucket{channel="webhook",le="0.0025"} 0.0' in text
    assert 'tanbih_delivery_latency_seconds_bucket{channel="webhook",le="0.005"} 1.0' in text


def test_delivery_latency_runs_to_the_end_of_the_attempt() -> None:
    """An attempt begun 4 ms after acceptance that took 30 ms is timed at 34 ms."""
    metrics = NodeMetrics()
    notification = webhook_notification()
    at = T0 + timedelta(milliseconds=4)
    attempt = Attempt(notification.key, at, DeliveryOutcome.DELIVERED, duration_ms=30.0)
    metrics.settled(notification, attempt)
    text = metrics.exposition().decode()
    assert 'tanbih_delivery_latency_seconds_bucket{channel="webhook",le="0.025"} 0.0' in text
    assert 'tanbih_delivery_latency_seconds_bucket{channel="webhook",le="0.05"} 1.0' in text


def test_each_node_has_its_own_registry() -> None:
    """Two nodes in one process keep separate counts."""
    first, second = NodeMetrics(), NodeMetrics()
    first.messages.labels("accepted").inc()
    assert 'tanbih_messages_total{outcome="accepted"} 1.0' in first.exposition().decode()
    assert "tanbih_messages_total{" not in second.exposition().decode()
