"""The action plan's records: a review's recommendations, and the actions partner agencies own."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspr.db.base import Base, TenantOwned, str_enum

if TYPE_CHECKING:
    from cspr.reviews.models import Review


class Rag(enum.StrEnum):
    """An action's status (none until someone sets one: a new action's RAG is "Not set")."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    COMPLETE = "complete"


class Withdrawable:
    """A record that can be withdrawn when it was a mistake: kept, with who withdrew it, when and why."""

    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))  # the person's name, as it was
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def withdrawn(self) -> bool:
        """Whether it was withdrawn (left out of every count, figure, list and reminder)."""
        return self.withdrawn_at is not None


class Recommendation(Withdrawable, TenantOwned, Base):
    """A recommendation of a review and the partners' response to it."""

    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("review_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)

    review: Mapped[Review] = relationship(back_populates="recommendations")
    actions: Mapped[list[Action]] = relationship(back_populates="recommendation")


class Action(Withdrawable, TenantOwned, Base):
    """An action owned by one partner agency, to carry a recommendation into practice."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner_agency: Mapped[str] = mapped_column(String(64))  # an agency key from the plugin
    due_on: Mapped[date]
    rag: Mapped[Rag | None] = mapped_column(str_enum(Rag))  # None: not set yet
    evidence: Mapped[str | None] = mapped_column(Text)
    completed_on: Mapped[date | None]
    assured_on: Mapped[date | None]
    assured_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    recommendation: Mapped[Recommendation] = relationship(back_populates="actions")
