"""Deadlines as rows, and the reminders sent about them (one per deadline and stage)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspr.db.base import Base, TenantOwned, str_enum, utcnow


class DeadlineState(enum.StrEnum):
    """Where a deadline stands."""

    OPEN = "open"
    MET = "met"
    CANCELLED = "cancelled"  # the step it timed no longer happens


class Deadline(TenantOwned, Base):
    """One dated obligation: a statutory step or a local target, for one case, review or action.

    ``subject`` names what it is about ("incident:12", "review:4", "action:9");
    (partnership, subject, kind) is unique, so recomputing updates the row in place.
    """

    __tablename__ = "deadlines"
    __table_args__ = (
        UniqueConstraint("partnership_id", "subject", "kind"),
        Index("ix_deadlines_state_due_on", "state", "due_on"),
        Index("ix_deadlines_partnership_state_due_on", "partnership_id", "state", "due_on"),
        # the yearly figures: a partnership's deadlines met in a year (migration 0029)
        Index("ix_deadlines_partnership_met_on", "partnership_id", "met_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date]
    statutory: Mapped[bool] = mapped_column(default=True)
    # "within" / "before": due by due_on. "at_least": not before due_on (e.g. the public period).
    direction: Mapped[str] = mapped_column(String(16), default="within")
    state: Mapped[DeadlineState] = mapped_column(str_enum(DeadlineState), default="open")
    met_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    reminders: Mapped[list[Reminder]] = relationship(back_populates="deadline")

    @property
    def subject_type(self) -> str:
        """"incident", "review" or "action"."""
        return self.subject.split(":", 1)[0]


class Reminder(TenantOwned, Base):
    """A reminder stage reached by a deadline: at most one per (deadline, stage), ever."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("deadline_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(64))
    # Passed while no sweep ran (a worker was down) and a later stage came: kept, not sent.
    superseded: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deadline: Mapped[Deadline] = relationship(back_populates="reminders")
