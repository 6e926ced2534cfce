"""The declarative base, naming conventions, and the mixins of tenant-owned rows and of rows about a case."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Enum, ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

if TYPE_CHECKING:
    from cspr.partnerships.models import Partnership

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Every model's base."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def str_enum(cls: type[enum.Enum]) -> Enum:
    """A portable enum column stored as its values (no native PostgreSQL type)."""
    return Enum(
        cls,
        native_enum=False,
        length=max(len(m.value) for m in cls) + 8,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class TenantOwned:
    """A row that belongs to one partnership; scoped by :mod:`cspr.db.tenancy`."""

    @declared_attr
    def partnership_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("partnerships.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def partnership(cls) -> Mapped[Partnership]:
        return relationship("Partnership", lazy="raise_on_sql")


class OfACase:
    """A row about a case: its incident (the rapid review), its local review, or both.

    Each table says in a CHECK which of the two it needs; the rows go with their case.
    """

    @declared_attr
    def incident_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def review_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
