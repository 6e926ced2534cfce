"""A chronology entry: what one agency knew or did, and when (to the day, or only the month)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cspr.db.base import Base, TenantOwned, str_enum, utcnow


class DatePrecision(enum.StrEnum):
    """How much of an entry's date is known."""

    DAY = "day"
    MONTH = "month"


class ChronologyEntry(TenantOwned, Base):
    """One entry of a case's multi-agency chronology (pseudonymous: never a name, address or birth date).

    The date is kept as its parts: a month-only entry has no day, and none is ever made up for it.
    """

    __tablename__ = "chronology_entries"
    __table_args__ = (
        CheckConstraint("(precision = 'day') = (day IS NOT NULL)", name="day_matches_precision"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month_in_range"),
        CheckConstraint("day IS NULL OR day BETWEEN 1 AND 31", name="day_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    month: Mapped[int] = mapped_column(SmallInteger)
    day: Mapped[int | None] = mapped_column(SmallInteger)
    precision: Mapped[DatePrecision] = mapped_column(str_enum(DatePrecision))
    agency: Mapped[str] = mapped_column(String(64))  # an agency key of the partnership's plugin
    what_happened: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))  # a reference to the source document
    key_episode: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
