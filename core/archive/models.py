"""Archive deposits: the package built for a review when it leaves the public page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cspr.db.base import Base, TenantOwned, utcnow


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
