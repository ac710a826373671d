"""The durable store: SQLite (embedded default) or PostgreSQL (scale-out), chosen by URL.

``open_store(url)`` migrates the database and returns a ``SqlStore``; ``upgrade(url)`` and
``current_revision(url)`` run and inspect the packaged Alembic migrations.
"""

from tanbih.adapters.store.migrate import current_revision, head_revision, upgrade
from tanbih.adapters.store.sql_store import SqlStore, open_store

__all__ = ["SqlStore", "current_revision", "head_revision", "open_store", "upgrade"]
