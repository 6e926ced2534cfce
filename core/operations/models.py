"""Heartbeats of the clock's jobs, so ops can see when each last ran."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cspr.db.base import Base, utcnow


class JobRun(Base):
    """The last run of a named periodic job (platform-wide, not a partnership's)."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(default=utcnow)
    runs: Mapped[int] = mapped_column(default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DailyRun(Base):
    """A daily job's run for one day in England: at most one, whatever the clocks do."""

    __tablename__ = "daily_runs"
    __table_args__ = (UniqueConstraint("name", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    day: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
