"""The serious incident and the two steps that follow it: the Panel notification and the rapid review.

The platform is not a children's case record: a child is known here only by a
pseudonym and the local authority's own case reference. There is no field for a
name, a date of birth or an address, on purpose.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
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


class Sex(enum.StrEnum):
    """The child's sex, as the Panel's form asks it."""

    FEMALE = "female"
    MALE = "male"
    NOT_KNOWN = "not_known"


class Ethnicity(enum.StrEnum):
    """The GOV.UK list of ethnic groups (the 2021 census's 19, by their 5 headings), or not known."""

    WHITE_BRITISH = "white_british"  # English, Welsh, Scottish, Northern Irish or British
    WHITE_IRISH = "white_irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller"  # Gypsy or Irish Traveller
    WHITE_ROMA = "white_roma"
    WHITE_OTHER = "white_other"
    MIXED_WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "mixed_white_black_african"
    MIXED_WHITE_ASIAN = "mixed_white_asian"
    MIXED_OTHER = "mixed_other"
    ASIAN_INDIAN = "asian_indian"
    ASIAN_PAKISTANI = "asian_pakistani"
    ASIAN_BANGLADESHI = "asian_bangladeshi"
    ASIAN_CHINESE = "asian_chinese"
    ASIAN_OTHER = "asian_other"
    BLACK_AFRICAN = "black_african"
    BLACK_CARIBBEAN = "black_caribbean"
    BLACK_OTHER = "black_other"
    OTHER_ARAB = "other_arab"
    OTHER_ANY = "other_any"
    NOT_KNOWN = "not_known"


class Disability(enum.StrEnum):
    """Whether the child has a disability."""

    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"


class ChildStatus(enum.StrEnum):
    """The child's status with children's social care at the time of the incident."""

    CHILD_PROTECTION_PLAN = "child_protection_plan"
    CHILD_IN_NEED = "child_in_need"
    LOOKED_AFTER = "looked_after"
    CARE_LEAVER = "care_leaver"


class AbuseKind(enum.StrEnum):
    """A kind of abuse or neglect known or suspected."""

    PHYSICAL = "physical"
    EMOTIONAL = "emotional"
    SEXUAL = "sexual"
    NEGLECT = "neglect"
    SEXUAL_EXPLOITATION = "sexual_exploitation"
    CRIMINAL_EXPLOITATION = "criminal_exploitation"


class PoliceInvestigation(enum.StrEnum):
    """Whether the police are investigating the incident."""

    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"


#: The Panel's form takes up to four children per incident.
MAX_CHILDREN = 4


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
    # The Panel's form, per incident (migration 0012): agency keys, and the police's part.
    agencies_involved: Mapped[list[str]] = mapped_column(JSON, default=list)
    police_investigating: Mapped[PoliceInvestigation] = mapped_column(
        str_enum(PoliceInvestigation), default=PoliceInvestigation.NOT_KNOWN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notification: Mapped[Notification | None] = relationship(back_populates="incident")
    children: Mapped[list[Child]] = relationship(back_populates="incident", order_by="Child.position",
                                                 cascade="all, delete-orphan")
    reviews: Mapped[list[Review]] = relationship(back_populates="incident", viewonly=True,
                                                 order_by="Review.id")
    rapid_review: Mapped[RapidReview | None] = relationship(back_populates="incident")

    def looked_after_death(self) -> bool:
        """A looked-after child of the incident died (Ofsted and the Secretary of State are told)."""
        if self.looked_after and self.harm == Harm.DEATH:
            return True
        return any(ch.harm == Harm.DEATH and ChildStatus.LOOKED_AFTER in ch.statuses for ch in self.children)


class Child(TenantOwned, Base):
    """A child the incident concerns, as the Panel's form asks: pseudonymous, up to four.

    The first child's age band, harm and looked-after and care-leaver status are the incident's own
    (``Incident.age_band`` and so on), kept the same by :mod:`cspr.cases.children`.
    """

    __tablename__ = "incident_children"
    __table_args__ = (UniqueConstraint("incident_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1 to 4: child 1 is the incident's first child
    pseudonym: Mapped[str] = mapped_column(String(100))
    sex: Mapped[Sex] = mapped_column(str_enum(Sex), default=Sex.NOT_KNOWN)
    age_band: Mapped[AgeBand] = mapped_column(str_enum(AgeBand))
    ethnicity: Mapped[Ethnicity] = mapped_column(str_enum(Ethnicity), default=Ethnicity.NOT_KNOWN)
    disability: Mapped[Disability] = mapped_column(str_enum(Disability), default=Disability.NOT_KNOWN)
    harm: Mapped[Harm] = mapped_column(str_enum(Harm))
    statuses: Mapped[list[str]] = mapped_column(JSON, default=list)  # ChildStatus values
    abuse: Mapped[list[str]] = mapped_column(JSON, default=list)  # AbuseKind values, known or suspected
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="children")


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
    immediate_actions: Mapped[str | None] = mapped_column(Text)  # what the agencies did straight away
    # the case's learning themes, from the partnership's vocabulary (migration 0022): the decision page
    # shows the earlier reviews that share them (Regs 2018 reg 11(b), recurrent themes)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    sent_to_panel_on: Mapped[date | None]
    panel_response: Mapped[PanelResponse | None] = mapped_column(str_enum(PanelResponse))
    panel_response_on: Mapped[date | None]
    panel_response_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="rapid_review")
