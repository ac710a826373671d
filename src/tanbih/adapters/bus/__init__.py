"""The message bus: in-process (the embedded default) or NATS JetStream, chosen by URL.

Both implement :class:`tanbih.ports.Bus`; :func:`open_bus` picks one from the node's settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tanbih.adapters.bus.jetstream import JetStreamBus, JetStreamOptions
from tanbih.adapters.bus.memory import MemoryBus
from tanbih.ports import Bus

MEMORY_URL = "memory://"


async def open_bus(
    url: str, streams: Mapping[str, Sequence[str]], options: JetStreamOptions | None = None
) -> Bus:
    """The in-process bus for an empty URL or ``memory://``, NATS JetStream for ``nats://``.

    ``streams`` names each stream and the subjects it keeps (JetStream creates the missing
    ones; the in-process bus keeps every subject in one log).
    """
    if not url or url == MEMORY_URL:
        return MemoryBus()
    return await JetStreamBus.connect(url, streams, options or JetStreamOptions())


__all__ = ["MEMORY_URL", "JetStreamBus", "JetStreamOptions", "MemoryBus", "open_bus"]
