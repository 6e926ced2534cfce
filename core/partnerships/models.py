"""The partnership: the tenant. Its policy lives in its plugin; this row anchors its data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cspr.db.base import Base, utcnow


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
