"""The serious incident and the two steps that follow it: the Panel notification and the rapid review.

The platform is not a children's case record: a child is known here only by a
pseudonym and the local authority's own case reference. There is no field for a
name, a date of birth or an address, on purpose.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspr.db.base import Base, TenantOwned, str_enum, utcnow

if TYPE_CHECKING:
    from cspr.reviews.models import Review


class Harm(enum.StrEnum):
    """What happened to the child."""

    DEATH = "death"
    SERIOUS_HARM = "serious_harm"


class AgeBand(enum.StrEnum):
    """The child's age band at the incident (never a date of birth)."""

    UNDER_1 = "under_1"
    AGE_1_4 = "1_4"
    AGE_5_9 = "5_9"
    AGE_10_15 = "10_15"
    AGE_16_17 = "16_17"
    CARE_LEAVER_18_24 = "18_24"  # care leavers, notified up to their 25th birthday


class RapidReviewDecision(enum.StrEnum):
    """What the partners decided at the end of the rapid review."""

    LOCAL_CSPR = "local_cspr"
    RECOMMEND_NATIONAL = "recommend_national"
    NO_REVIEW = "no_review"  # learning addressed in other ways
    LOCAL_LEARNING = "local_learning"  # another kind of local learning review


class PanelResponse(enum.StrEnum):
    """The national Panel's answer to a rapid review."""

    NATIONAL_REVIEW = "national_review"
    AGREES = "agrees"  # agrees with the local decision
    DISAGREES = "disagrees"  # a different view on the local decision


class Incident(TenantOwned, Base):
    """A serious child safeguarding incident the local authority has become aware of."""

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("partnership_id", "reference"),
        Index("ix_incidents_partnership_aware_on", "partnership_id", "aware_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32))  # the platform's, e.g. DSCP-2026-003
    stage: Mapped[str] = mapped_column(String(32), default="recorded")
    pseudonym: Mapped[str] = mapped_column(String(100))  # "Child Cameron", "Young Person A"
    la_case_reference: Mapped[str] = mapped_column(String(64))
    la_area: Mapped[str] = mapped_column(String(100))
    age_band: Mapped[AgeBand] = mapped_column(str_enum(AgeBand))
    harm: Mapped[Harm] = mapped_column(str_enum(Harm))
    looked_after: Mapped[bool] = mapped_column(default=False)
    care_leaver: Mapped[bool] = mapped_column(default=False)
    incident_on: Mapped[date]
    aware_on: Mapped[date]  # the LA became aware: the notification clock starts here
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notification: Mapped[Notification | None] = relationship(back_populates="incident")
    reviews: Mapped[list[Review]] = relationship(back_populates="incident", viewonly=True,
                                                 order_by="Review.id")
    rapid_review: Mapped[RapidReview | None] = relationship(back_populates="incident")


class Notification(TenantOwned, Base):
    """The local authority's notification of the incident to the Panel."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    sent_on: Mapped[date]
    panel_reference: Mapped[str | None] = mapped_column(String(64))
    # Death of a looked-after child: the Secretary of State and Ofsted are told too.
    ofsted_sos_notified_on: Mapped[date | None]
    partners_told_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="notification")


class RapidReview(TenantOwned, Base):
    """The partners' rapid review of the incident, its decision and the Panel's response."""

    __tablename__ = "rapid_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    started_on: Mapped[date | None]
    meeting_on: Mapped[date | None]
    decision: Mapped[RapidReviewDecision | None] = mapped_column(str_enum(RapidReviewDecision))
    rationale: Mapped[str | None] = mapped_column(Text)
    sent_to_panel_on: Mapped[date | None]
    panel_response: Mapped[PanelResponse | None] = mapped_column(str_enum(PanelResponse))
    panel_response_on: Mapped[date | None]
    panel_response_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="rapid_review")
