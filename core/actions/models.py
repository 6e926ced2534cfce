"""The action plan's records: a review's recommendations, and the actions partner agencies own."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspr.db.base import Base, TenantOwned, str_enum

if TYPE_CHECKING:
    from cspr.reviews.models import Review


class Rag(enum.StrEnum):
    """An action's status."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    COMPLETE = "complete"


class Recommendation(TenantOwned, Base):
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


class Action(TenantOwned, Base):
    """An action owned by one partner agency, to carry a recommendation into practice."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner_agency: Mapped[str] = mapped_column(String(64))  # an agency key from the plugin
    due_on: Mapped[date]
    rag: Mapped[Rag] = mapped_column(str_enum(Rag), default=Rag.AMBER)
    evidence: Mapped[str | None] = mapped_column(Text)
    completed_on: Mapped[date | None]
    assured_on: Mapped[date | None]
    assured_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    recommendation: Mapped[Recommendation] = relationship(back_populates="actions")
