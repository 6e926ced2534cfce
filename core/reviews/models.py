"""The review, its documents and learning briefings, its recommendations and their actions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspr.db.base import Base, TenantOwned, str_enum, utcnow
from cspr.reviews.dates import DatePrecision, shown

if TYPE_CHECKING:
    from cspr.actions.models import Recommendation
    from cspr.cases.models import Incident


class ReviewKind(enum.StrEnum):
    """The kinds of review a partnership lists."""

    LOCAL_CSPR = "local_cspr"
    NATIONAL = "national"  # commissioned by the Panel
    LOCAL_LEARNING = "local_learning"
    THEMATIC = "thematic"
    SCR = "scr"  # serious case review, before 2018-19
    JOINT_DHR = "joint_dhr"  # joint with a domestic homicide review
    JOINT_SAR = "joint_sar"  # joint with a safeguarding adults review


#: What each kind of review is called, in words (pages, messages, the catalogue record).
KIND_NAMES: dict[str, str] = {
    "local_cspr": "a local child safeguarding practice review",
    "national": "a national review",
    "local_learning": "a local learning review",
    "thematic": "a thematic review",
    "scr": "a serious case review",
    "joint_dhr": "a joint review with a domestic homicide review",
    "joint_sar": "a joint review with a safeguarding adults review",
}
#: The same, for a heading or the start of a sentence about every review of the kind.
KIND_PLURALS: dict[str, str] = {
    "local_cspr": "Local child safeguarding practice reviews",
    "national": "National reviews",
    "local_learning": "Local learning reviews",
    "thematic": "Thematic reviews",
    "scr": "Serious case reviews",
    "joint_dhr": "Joint reviews with a domestic homicide review",
    "joint_sar": "Joint reviews with a safeguarding adults review",
}


class PublicationForm(enum.StrEnum):
    """What of the report goes public."""

    FULL = "full"
    SUMMARY = "summary"  # a brief summary with the lessons
    REDACTED = "redacted"  # a redacted report or executive summary
    NSPCC = "nspcc"  # published anonymously through the NSPCC: too sensitive to publish locally


class DelayReason(enum.StrEnum):
    """Why a publication is planned past its target (the figures count these)."""

    PARALLEL_PROCEEDINGS = "parallel_proceedings"  # criminal or family proceedings, an inquest
    FAMILY_INVOLVEMENT = "family_involvement"
    AUTHOR_AVAILABILITY = "author_availability"
    AGENCY_RETURNS = "agency_returns"
    OTHER = "other"


class FamilyResponse(enum.StrEnum):
    """A family member's answer to the offer to take part in the review."""

    AWAITING = "awaiting"  # offered, no answer yet
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ArchiveOutcome(enum.StrEnum):
    """Where a report went when its time on the public page ended."""

    NSPCC = "nspcc"
    ON_REQUEST = "on_request"
    KEPT = "kept"


class Review(TenantOwned, Base):
    """A review: a local CSPR, a thematic or learning review, or a legacy SCR."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReviewKind] = mapped_column(str_enum(ReviewKind))
    title: Mapped[str] = mapped_column(String(200))
    pseudonym: Mapped[str | None] = mapped_column(String(100))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="RESTRICT"), index=True
    )
    stage: Mapped[str] = mapped_column(String(32), default="commissioned")
    legacy: Mapped[bool] = mapped_column(default=False)  # entered for the record
    decided_on: Mapped[date | None]  # the decision to hold it: the 6-month clock
    terms_of_reference_on: Mapped[date | None]
    reviewer_commissioned_on: Mapped[date | None]
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewer_name: Mapped[str | None] = mapped_column(String(200))
    final_report_agreed_on: Mapped[date | None]
    # The safeguarding partners (agency keys) who agreed the final report.
    final_report_agreed_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    sent_to_panel_on: Mapped[date | None]  # final report to the Panel and Secretary of State
    planned_publication_on: Mapped[date | None]
    # a planned publication past the target says why (migration 0011)
    publication_delay_reason: Mapped[DelayReason | None] = mapped_column(str_enum(DelayReason))
    publication_delay_detail: Mapped[str | None] = mapped_column(Text)
    # the latest day it can have been published: with published_precision, never a made-up day
    published_on: Mapped[date | None]
    # how much of the date is known: day (None), month, year, before (migration 0023)
    published_precision: Mapped[DatePrecision | None] = mapped_column(str_enum(DatePrecision))
    # where the report is published elsewhere (the NSPCC repository, an old site) (migration 0023)
    report_url: Mapped[str | None] = mapped_column(String(500))
    # who wrote it and who published it (the NSPCC catalogue's fields), a co-publisher (0023)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    publisher: Mapped[str | None] = mapped_column(String(200))
    co_publisher: Mapped[str | None] = mapped_column(String(200))
    # the other statutory frameworks it is held under as one joint review: dhr, sar (0023)
    frameworks: Mapped[list[str]] = mapped_column(JSON, default=list)
    publication_form: Mapped[PublicationForm | None] = mapped_column(str_enum(PublicationForm))
    publication_note: Mapped[str | None] = mapped_column(Text)  # why summary or redacted
    summary: Mapped[str | None] = mapped_column(Text)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    archived_on: Mapped[date | None]
    archive_outcome: Mapped[ArchiveOutcome | None] = mapped_column(str_enum(ArchiveOutcome))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident | None] = relationship(back_populates="reviews")

    @property
    def published_as_known(self) -> str:
        """The publication date in words, no more precise than it is known."""
        return shown(self.published_on, self.published_precision)
    documents: Mapped[list[Document]] = relationship(back_populates="review")
    drafts: Mapped[list[Draft]] = relationship(order_by="Draft.version")
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="review", order_by="Recommendation.number"
    )


class LearningEvent(TenantOwned, Base):
    """A practitioners' learning event held for the review (migration 0012)."""

    __tablename__ = "review_learning_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date]
    agencies: Mapped[list[str]] = mapped_column(JSON, default=list)  # agency keys taking part
    attended: Mapped[int] = mapped_column(Integer)  # how many practitioners attended
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FamilyInvolvement(TenantOwned, Base):
    """The offer to a family member to take part in the review, and their answer (migration 0012).

    The member is named by their relationship to the child ("Mother", "Grandfather"), never by name.
    """

    __tablename__ = "review_family_involvement"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    member: Mapped[str] = mapped_column(String(100))
    offered_on: Mapped[date]
    response: Mapped[FamilyResponse] = mapped_column(str_enum(FamilyResponse),
                                                     default=FamilyResponse.AWAITING)
    responded_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Draft(TenantOwned, Base):
    """A draft of the review's report received from the reviewer (reg 14: partners may ask)."""

    __tablename__ = "review_drafts"
    __table_args__ = (UniqueConstraint("review_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    received_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text)


class Document(TenantOwned, Base):
    """A file held for a review: report, summary, terms of reference, draft."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)  # never a guessable path
    public: Mapped[bool] = mapped_column(default=False)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    review: Mapped[Review] = relationship(back_populates="documents")
