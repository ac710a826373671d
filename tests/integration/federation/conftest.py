"""The fixture of the in-process federation tests: three running nodes on one bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.fakes.http_server import loopback_listener, serve
from tests.fakes.receiver import Receiver

from .in_process import Coalition, three_nodes


@pytest.fixture
async def coalition(tmp_path: Path) -> AsyncIterator[Coalition]:
    receiver = Receiver()  # every duty officer's webhook answers: no delivery left retrying
    async with serve(receiver.app, listener=loopback_listener()) as hooks:
        async for running in three_nodes(tmp_path, hooks):
            yield running
