"""The store's tables, as SQLAlchemy Core metadata shared by both backends and by Alembic.

Times are stored as UTC instants (``timestamptz`` on PostgreSQL, ISO text on SQLite). A CAP
``sent`` time also keeps its UTC offset in minutes beside it, because the offset is part of how
the message is referenced (``sender,identifier,sent``) and must come back exactly as received.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

# Deterministic constraint names, so migrations can name what they alter or drop.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware ``datetime`` stored as its UTC instant and always read back aware, in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive times (their instant is unknown); store the UTC instant."""
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """SQLite hands back naive UTC text; PostgreSQL an aware value: both become aware UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), not a BIGINT one.
EventSeq = BigInteger().with_variant(Integer(), "sqlite")

threads = Table(
    "threads",
    metadata,
    Column("id", Text, primary_key=True),
    Column("state", String(16), nullable=False),
    Column("stage", SmallInteger, nullable=False),
    Column("latest_sender", Text, nullable=False),
    Column("latest_identifier", Text, nullable=False),
    Column("latest_sent_utc", UtcDateTime, nullable=False),
    Column("latest_sent_offset_minutes", SmallInteger, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(24), primary_key=True),
    Column("sender", Text, nullable=False),
    Column("identifier", Text, nullable=False),
    Column("sent_utc", UtcDateTime, nullable=False),
    Column("sent_offset_minutes", SmallInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("msg_type", String(16), nullable=False),
    Column("thread_id", Text, ForeignKey("threads.id"), nullable=False),
    Column("stage", SmallInteger, nullable=False),
    Column("expires", UtcDateTime, nullable=True),
    Column("received_at", UtcDateTime, nullable=False),
    # No foreign key: messages stay on record after their partner leaves the coalition.
    Column("partner_id", Text, nullable=False),
    Column("xml", LargeBinary, nullable=False),
    UniqueConstraint("sender", "identifier"),
    # One index per AlertQuery filter, each ending in the sort key (newest sent first).
    Index(None, "sent_utc"),
    Index(None, "status", "sent_utc"),
    Index(None, "sender", "sent_utc"),
    Index(None, "thread_id", "sent_utc"),
)

partners = Table(
    "partners",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("languages", JSON, nullable=False),
    Column("senders", JSON, nullable=False),
)

zones = Table(
    "zones",
    metadata,
    Column("id", Text, primary_key=True),
    Column("partner_id", Text, ForeignKey("partners.id"), nullable=False, index=True),
    Column("names", JSON, nullable=False),
    Column("shelter_seconds", Integer, nullable=False),
    Column("rings", JSON, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", EventSeq, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("partner_id", Text, nullable=True),
    Column("data", JSON, nullable=False),
)

# Small facts about the store itself, such as the hash of the last synced coalition.
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
