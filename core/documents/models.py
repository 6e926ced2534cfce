"""Case documents of an incident or a review: versions kept, comments and partners' sign-offs against one."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspr.db.base import Base, OfACase, TenantOwned, str_enum, utcnow


class DocumentKind(enum.StrEnum):
    """What a case document is."""

    TERMS_OF_REFERENCE = "terms_of_reference"
    AGENCY_RETURN = "agency_return"
    DRAFT = "draft"
    PARTNER_COMMENTS = "partner_comments"
    FINAL_REPORT = "final_report"
    OTHER = "other"


class CaseDocument(OfACase, TenantOwned, Base):
    """A document of a case (an incident) or a review; each upload of it is a new version."""

    __tablename__ = "case_documents"
    __table_args__ = (
        CheckConstraint("incident_id IS NOT NULL OR review_id IS NOT NULL", name="of_a_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    title: Mapped[str] = mapped_column(String(200))  # never a name: "Terms of reference"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number")


class DocumentVersion(TenantOwned, Base):
    """One upload of a document, kept under a random key with its checksum."""

    __tablename__ = "case_document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("case_documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)  # never a guessable path
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[CaseDocument] = relationship(back_populates="versions")


class DocumentComment(TenantOwned, Base):
    """A comment on one version of a document."""

    __tablename__ = "case_document_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("case_document_versions.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentSignOff(TenantOwned, Base):
    """A safeguarding partner's sign-off of one version of a document."""

    __tablename__ = "case_document_sign_offs"
    __table_args__ = (UniqueConstraint("version_id", "partner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("case_document_versions.id", ondelete="CASCADE"), index=True)
    partner: Mapped[str] = mapped_column(String(64))  # the partner's agency key
    signed_by: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
