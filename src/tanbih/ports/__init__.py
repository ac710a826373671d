"""The small interfaces the pipeline needs; adapters implement them.

``store`` (messages, observations, responses, the clock), ``outbox`` (notifications and the
channels), ``bus`` (between nodes and workers); all are importable from here.
"""

from tanbih.ports.bus import Bus, BusHandler, BusMessage, Verdict
from tanbih.ports.outbox import Channel, OutboxStore
from tanbih.ports.store import (
    AlertStore,
    AssessorLease,
    Clock,
    NodeStore,
    ObservationLog,
    RespondStore,
    ResponseStore,
)

__all__ = [
    "AlertStore",
    "AssessorLease",
    "Bus",
    "BusHandler",
    "BusMessage",
    "Channel",
    "Clock",
    "NodeStore",
    "ObservationLog",
    "OutboxStore",
    "RespondStore",
    "ResponseStore",
    "Verdict",
]
