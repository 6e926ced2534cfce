"""An information request to one agency about a case (rapid review) or a review, and its return."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cspr.db.base import Base, OfACase, TenantOwned, utcnow


class InformationRequest(OfACase, TenantOwned, Base):
    """What one agency is asked for a rapid review or a local review, by when, and what it returned."""

    __tablename__ = "information_requests"
    __table_args__ = (
        CheckConstraint("(incident_id IS NULL) <> (review_id IS NULL)", name="of_one_case"),
        CheckConstraint("(return_key IS NULL) = (return_sha256 IS NULL)", name="return_has_checksum"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(64), index=True)  # an agency key of the partnership's plugin
    asked: Mapped[str] = mapped_column(Text)  # what is asked (never the child's name)
    sent_on: Mapped[date | None]
    due_on: Mapped[date]
    received_on: Mapped[date | None]
    received_note: Mapped[str | None] = mapped_column(String(500))  # e.g. "returned by e-mail"
    return_key: Mapped[str | None] = mapped_column(String(200))  # the file's random storage key
    return_sha256: Mapped[str | None] = mapped_column(String(64))
    return_size: Mapped[int | None]
    return_filename: Mapped[str | None] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
