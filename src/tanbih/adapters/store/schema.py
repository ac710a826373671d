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
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
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

# The event log is the audit chain (tanbih.domain.audit): append-only, each row chained by
# SHA-256 to the one before. The store gives ``seq`` itself, one more than the newest, under the
# chain's lock, so that seqs have no gaps (a PostgreSQL sequence skips values on rollback).
events = Table(
    "events",
    metadata,
    Column("seq", EventSeq, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("partner_id", Text, nullable=True),
    Column("data", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# Small facts about the store itself, such as the hash of the last synced coalition.
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- The outbox: what to tell whom, what became of each attempt, acknowledgements, escalation.

# A notification's key is its idempotency key (tanbih.domain.notification.notification_key).
NotificationKey = String(64)

notifications = Table(
    "notifications",
    metadata,
    Column("key", NotificationKey, primary_key=True),
    Column("alert_id", String(24), ForeignKey("alerts.id"), nullable=False, index=True),
    # Copied from the alert so lookups by event need no join.
    Column("thread_id", Text, ForeignKey("threads.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("partner_id", Text, nullable=False),
    Column("contact_id", Text, nullable=False),
    Column("channel_kind", String(16), nullable=False),
    Column("address", Text, nullable=False),
    Column("language", String(35), nullable=False),
    Column("escalation_step", SmallInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("deadline", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("settled_at", UtcDateTime, nullable=True),
    Column("provider_id", Text, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("claimed_by", Text, nullable=True),
    Column("claim_expires_at", UtcDateTime, nullable=True),
    # Claiming scans pending rows by due time; the others serve lookups by event and partner.
    Index(None, "state", "next_attempt_at"),
    Index(None, "thread_id", "partner_id"),
    Index(None, "partner_id"),
)

# Append-only: one row per attempt to deliver, the delivery log that dedup reads.
delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", EventSeq, primary_key=True, autoincrement=True),
    Column(
        "notification_key",
        NotificationKey,
        ForeignKey("notifications.key"),
        nullable=False,
        index=True,
    ),
    Column("at", UtcDateTime, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("provider_id", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Float, nullable=False),
)

# The first acknowledgement per partner and event; the key makes a later one lose.
acknowledgements = Table(
    "acknowledgements",
    metadata,
    Column("thread_id", Text, ForeignKey("threads.id"), primary_key=True),
    Column("partner_id", Text, primary_key=True),
    Column("via", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("contact_id", Text, nullable=True),
    Column("notification_key", NotificationKey, ForeignKey("notifications.key"), nullable=True),
)

escalation_timers = Table(
    "escalation_timers",
    metadata,
    Column("thread_id", Text, ForeignKey("threads.id"), primary_key=True),
    Column("partner_id", Text, primary_key=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("steps_done", Integer, nullable=False),
    Column("next_due_at", UtcDateTime, nullable=True, index=True),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("stopped_at", UtcDateTime, nullable=True),
)

# Digests of one-time acknowledgement tokens already spent; never the tokens themselves.
used_tokens = Table(
    "used_tokens",
    metadata,
    Column("digest", String(128), primary_key=True),
    Column("used_at", UtcDateTime, nullable=False),
)

# Short codes a contact replies with ("1234 ACK"), unique per partner while they live.
reply_codes = Table(
    "reply_codes",
    metadata,
    Column("partner_id", Text, primary_key=True),
    Column("code", String(16), primary_key=True),
    Column("notification_key", NotificationKey, ForeignKey("notifications.key"), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# Every observation a partner reported, kept as received (append-only): nothing accepted is
# lost, and a report resent after a restart is recognised by (partner, id). ``seq`` numbers
# the log in the order written (given by the store under a lock, so that a reader following
# it never passes a report committed late); ``outcome`` is what the assessment made of it,
# where the assessment follows the log (a node of several workers).
observations = Table(
    "observations",
    metadata,
    Column("partner_id", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("time", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("body", JSON, nullable=False),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("outcome", JSON, nullable=True),
)

# The redacted copies this node sent (their sender and keyed-digest identifier) and the message
# each stands for: a partner's Ack names the copy it was given.
relayed_copies = Table(
    "relayed_copies",
    metadata,
    Column("sender", Text, primary_key=True),
    Column("identifier", Text, primary_key=True),
    Column("alert_id", String(24), ForeignKey("alerts.id"), nullable=False),
)

# --- Response coordination: each threat's search for a responder, and capabilities switched.

# One row per threat: the assignment (tanbih.domain.response_assignment) with its history as
# JSON, and the facts of the threat it needs. ``revision`` counts saves: a save names the one
# it read, so two workers cannot both move the same case on.
response_cases = Table(
    "response_cases",
    metadata,
    Column("threat_id", Text, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("threat_class", String(24), nullable=False),
    Column("sources", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("timeout_seconds", Float, nullable=False),
    Column("waiting", JSON, nullable=False),
    Column("asked", Text, nullable=True),
    Column("requested_at", UtcDateTime, nullable=True),
    # The request's timer: due requests are found by it.
    Column("due_at", UtcDateTime, nullable=True, index=True),
    Column("responder", Text, nullable=True),
    Column("history", JSON, nullable=False),
    Column("warning_id", String(24), nullable=False),
    Column("zones", JSON, nullable=False),
    Column("stage", SmallInteger, nullable=False),
    Column("request_thread", Text, nullable=True),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("revision", Integer, nullable=False),
)

# Capabilities a partner switched on or off at run time; one not here keeps the agreement's.
capability_availability = Table(
    "capability_availability",
    metadata,
    Column("partner_id", Text, primary_key=True),
    Column("capability", Text, primary_key=True),
    Column("available", Boolean, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("changed_by", Text, nullable=False),
)
