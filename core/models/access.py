"""The record of each use of the audited cross-partnership path (platform-wide, not a partnership's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cspr.models.base import Base, utcnow


class CrossPartnershipAccess(Base):
    """Someone (usually the clock) saw every partnership's rows, and why."""

    __tablename__ = "cross_partnership_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(200))
