"""Archive deposits: the package built for a review when it leaves the public page, and its sending."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cspr.db.base import Base, TenantOwned, str_enum, utcnow


class DepositStatus(enum.StrEnum):
    """Where an NSPCC deposit stands: built, delivered to its address, acknowledged with a copy number."""

    PREPARED = "prepared"
    SENT = "sent"  # the outbox delivered the e-mail (not merely queued it)
    ACKNOWLEDGED = "acknowledged"


class DepositDelivery(enum.StrEnum):
    """How the package travels in the e-mail to the NSPCC."""

    ATTACHED = "attached"
    LINK = "link"  # too large to attach: a download link that expires


class ArchiveDeposit(TenantOwned, Base):
    """One review's deposit package (report files, catalogue metadata, checksum manifest)."""

    __tablename__ = "archive_deposits"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="RESTRICT"), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))  # nspcc or on_request
    path: Mapped[str] = mapped_column(String(500))  # relative to the archive folder
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # file name -> sha256
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the NSPCC catalogue record as deposited (migration 0024); {} for packages built before it
    catalogue: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[DepositStatus] = mapped_column(str_enum(DepositStatus), default=DepositStatus.PREPARED)
    # the e-mail to the NSPCC in the outbox, once queued; sent when the outbox delivered it
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), index=True)
    delivery: Mapped[DepositDelivery | None] = mapped_column(str_enum(DepositDelivery))
    queued_at: Mapped[datetime | None]
    link_expires_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    acknowledged_on: Mapped[date | None]
    copy_number: Mapped[str | None] = mapped_column(String(40))  # the NSPCC's, recorded by hand
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
