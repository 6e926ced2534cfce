"""A case's parallel proceedings and the dates expected in them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspr.db.base import Base, OfACase, TenantOwned, str_enum, utcnow


class ProceedingKind(enum.StrEnum):
    """What runs alongside the review."""

    POLICE_INVESTIGATION = "police_investigation"
    CRIMINAL_TRIAL = "criminal_trial"
    INQUEST = "inquest"
    FAMILY_COURT = "family_court"
    OTHER = "other"


class ProceedingStatus(enum.StrEnum):
    """Where a proceeding stands: under way, waiting for a hearing or decision, or over."""

    OPEN = "open"
    PENDING = "pending"
    CONCLUDED = "concluded"


#: The statuses of a proceeding that is not over (only these can restrict publication).
LIVE = frozenset({ProceedingStatus.OPEN, ProceedingStatus.PENDING})


class DateState(enum.StrEnum):
    """An expected date: still expected, updated once it came (or moved), or no longer expected."""

    EXPECTED = "expected"
    UPDATED = "updated"
    CANCELLED = "cancelled"


class Proceeding(OfACase, TenantOwned, Base):
    """A process running alongside a case's review: it may hold the publication back."""

    __tablename__ = "proceedings"
    __table_args__ = (
        CheckConstraint("incident_id IS NOT NULL OR review_id IS NOT NULL", name="of_a_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ProceedingKind] = mapped_column(str_enum(ProceedingKind))
    description: Mapped[str | None] = mapped_column(String(200))  # never a name: "Crown Court trial"
    status: Mapped[ProceedingStatus] = mapped_column(str_enum(ProceedingStatus))
    restricts_publication: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)  # the latest update, in words
    updated_on: Mapped[date]  # the day of the latest update (what the reminders count from)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    dates: Mapped[list[ExpectedDate]] = relationship(
        back_populates="proceeding", order_by="ExpectedDate.expected_on, ExpectedDate.id")


class ExpectedDate(TenantOwned, Base):
    """A date expected in a proceeding (a charging decision, a trial, an inquest hearing)."""

    __tablename__ = "proceeding_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    proceeding_id: Mapped[int] = mapped_column(ForeignKey("proceedings.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(100))  # "Charging decision", "Trial", "Inquest hearing"
    expected_on: Mapped[date]
    state: Mapped[DateState] = mapped_column(str_enum(DateState), default=DateState.EXPECTED)
    updated_on: Mapped[date | None]  # when what happened on it was recorded
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proceeding: Mapped[Proceeding] = relationship(back_populates="dates")
