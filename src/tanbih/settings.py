"""Node settings, read once from the environment by the composition root."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path("data")
DEFAULT_COALITION = Path("examples/coalition/coalition.yaml")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a node needs to start; defaults give the embedded single-process node."""

    coalition_file: Path = DEFAULT_COALITION
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1_048_576
    public_url: str = ""
    channels_file: Path | None = None
    node_secret: str = ""
    signing_key: Path | None = None
    bus_url: str = ""
    bus_prefix: str = "tanbih"
    bus_ack_wait: float = 30.0
    bus_inbox: str = "_INBOX"
    peers: tuple[str, ...] = ()
    https_peers: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # Processes serving the node (``serve --workers``); above 1, one of them assesses.
    workers: int = 1

    @property
    def base_url(self) -> str:
        """Where people and carriers reach this node: as configured, else its listen address."""
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def secret_file(self) -> Path:
        """Where the node keeps its generated secret when none is configured."""
        return self.data_dir / "node-secret"

    @property
    def store_url(self) -> str:
        """The database URL: as configured, else a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'tanbih.db'}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``TANBIH_*`` variables, falling back to the defaults."""
        env = os.environ if environ is None else environ
        return cls(
            coalition_file=Path(env.get("TANBIH_COALITION", str(DEFAULT_COALITION))),
            data_dir=Path(env.get("TANBIH_DATA_DIR", str(DEFAULT_DATA_DIR))),
            database_url=env.get("TANBIH_DATABASE_URL", ""),
            host=env.get("TANBIH_HOST", "127.0.0.1"),
            port=int(env.get("TANBIH_PORT", "8000")),
            max_body_bytes=int(env.get("TANBIH_MAX_BODY_BYTES", "1048576")),
            public_url=env.get("TANBIH_PUBLIC_URL", ""),
            channels_file=Path(env["TANBIH_CHANNELS"]) if env.get("TANBIH_CHANNELS") else None,
            node_secret=env.get("TANBIH_NODE_SECRET", ""),
            signing_key=Path(env["TANBIH_SIGNING_KEY"]) if env.get("TANBIH_SIGNING_KEY") else None,
            bus_url=env.get("TANBIH_BUS_URL", ""),
            bus_prefix=env.get("TANBIH_BUS_PREFIX", "tanbih"),
            bus_ack_wait=float(env.get("TANBIH_BUS_ACK_WAIT", "30")),
            bus_inbox=env.get("TANBIH_BUS_INBOX", "_INBOX"),
            peers=_names(env.get("TANBIH_PEERS", "")),
            https_peers=_https_peers(env),
            workers=int(env.get("TANBIH_WORKERS", "1")),
        )


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _https_peers(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """``TANBIH_HTTPS_PEERS=il=https://il.example.org,...``: each peer's node and the token it
    issued this node, from ``TANBIH_PEER_TOKEN_<PARTNER>`` (upper case)."""
    peers = {}
    for item in _names(env.get("TANBIH_HTTPS_PEERS", "")):
        partner, _, url = item.partition("=")
        token = env.get(f"TANBIH_PEER_TOKEN_{partner.strip().upper()}", "")
        if not url or not token:
            raise ValueError(
                f"TANBIH_HTTPS_PEERS: {item!r} needs PARTNER=URL and "
                f"TANBIH_PEER_TOKEN_{partner.strip().upper()}"
            )
        peers[partner.strip()] = (url.strip(), token)
    return peers
