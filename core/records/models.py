"""Legal holds: while one is in force, retention deletes nothing it covers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cspr.db.base import Base, TenantOwned, utcnow


class LegalHold(TenantOwned, Base):
    """A hold on the whole partnership, one case (incident) or one review, until released.

    Inquiries have ordered councils to suspend the destruction of records; a hold is
    how a partnership obeys such an order here. Released holds are kept as history.
    ``subject`` names what is held in words ("incident DSCP-2026-003"), so the
    record still reads after the case itself is gone.
    """

    __tablename__ = "legal_holds"
    __table_args__ = (
        CheckConstraint(
            "(scope = 'partnership' AND incident_id IS NULL AND review_id IS NULL)"
            " OR (scope = 'incident' AND review_id IS NULL)"
            " OR (scope = 'review' AND incident_id IS NULL)",
            name="scope_matches_subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # partnership, incident or review
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(100))  # "user:12", "cli:Jo Bloggs"
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(100))
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def active(self) -> bool:
        """In force: placed and not released."""
        return self.released_at is None
