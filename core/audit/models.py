"""The audit log: append-only events, hash-chained per partnership, and each cross-partnership access."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cspr.db.base import Base, TenantOwned, utcnow


class AuditEvent(TenantOwned, Base):
    """Who did what, when (UTC), to what, from where; ``hash`` chains it to the one before."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("partnership_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]  # position in the partnership's chain, from 1
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))  # "user:12", "system:sweep", "cli"
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class RefusalWindow(TenantOwned, Base):
    """Refused requests of one actor at one partnership in one window, counted atomically.

    The first ``events_limit`` of a window are audit events of their own; the rest are only
    counted here, and one ``access.denied.summary`` event reports them when the window closes.
    """

    __tablename__ = "audit_refusal_windows"
    __table_args__ = (UniqueConstraint("partnership_id", "actor", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime] = mapped_column(index=True)
    events_limit: Mapped[int]  # how many of this window's refusals became events of their own
    refused: Mapped[int]  # every refusal of the window, those recorded as events included
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    # Of the refusals counted only here: {"routes": {...}, "reasons": {...}, "addresses": {...}}.
    tally: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CrossPartnershipAccess(Base):
    """Someone (usually the clock) saw every partnership's rows, and why."""

    __tablename__ = "cross_partnership_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(200))
