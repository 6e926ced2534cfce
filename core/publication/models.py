"""Learning briefings: a review's lessons in one of the partnership's formats, public once complete."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cspr.db.base import Base, TenantOwned, utcnow


class Briefing(TenantOwned, Base):
    """A learning briefing in one of the partnership's formats (sections keyed by the format)."""

    __tablename__ = "briefings"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    format_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    sections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
