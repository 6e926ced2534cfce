"""The transactional outbox: messages recorded in the same commit as the decision to send."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspr.db.base import Base, TenantOwned, str_enum, utcnow


class OutboxStatus(enum.StrEnum):
    """Delivery state of a message."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # failed for good: a person must act


class OutboxMessage(TenantOwned, Base):
    """One message to one recipient, delivered by the relay, exactly once by its key."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(32), default="email")
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    reminder_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminders.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    # A relay claimed the message (one conditional UPDATE, just before sending it) until
    # then; after it, another relay may take it again.
    claimed_until: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # how many files travel with it (migration 0024): the relay loads them only when there are some
    attachment_count: Mapped[int] = mapped_column(default=0, server_default="0")

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        order_by="OutboxAttachment.id", cascade="all, delete-orphan", passive_deletes=True
    )


class OutboxAttachment(TenantOwned, Base):
    """A file sent with an outbox message, kept in the same commit as the message (migration 0024)."""

    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
