"""The partnership: the tenant. Its policy lives in its plugin; this row anchors its data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cspr.db.base import Base, TenantOwned, utcnow


class Partnership(Base):
    """A Local Safeguarding Children Partnership on this deployment."""

    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(32))
    # Disabled: data kept, public page and reminders stopped.
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Partnership {self.slug}>"


class PartnershipSetting(TenantOwned, Base):
    """A local setting a partnership's admin changed in the app, over its plugin's value (migration 0023).

    One row per setting; no row means the plugin's value. Statutory rules are never settings.
    """

    __tablename__ = "partnership_settings"
    __table_args__ = (UniqueConstraint("partnership_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32))
    value: Mapped[Any] = mapped_column(JSON)
    changed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_by: Mapped[str] = mapped_column(String(200))  # the person's name, as it was
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
