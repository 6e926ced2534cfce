"""The context a service runs in: the session acting for one partnership, its policy, who acts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cspr.accounts.models import Role
from cspr.audit import events as audit
from cspr.calendar import WorkingCalendar
from cspr.db.tenancy import current_partnership_id
from cspr.partnerships.models import Partnership
from cspr.plugins import Policy

LONDON = ZoneInfo("Europe/London")


def london_today() -> dt.date:
    """Today's date in England (the clocks are English, whatever the server's zone)."""
    return dt.datetime.now(LONDON).date()


@dataclass
class Context:
    """Everything a lifecycle service needs; the session must act for ``partnership``."""

    session: Session
    partnership: Partnership
    policy: Policy
    actor: str
    user_id: int | None = None
    role: Role | None = None
    remote_addr: str | None = None
    today: dt.date = field(default_factory=london_today)

    def __post_init__(self) -> None:
        if current_partnership_id(self.session) != self.partnership.id:
            raise RuntimeError("the session must act for the context's partnership")
        from cspr.partnerships.settings import overlay

        # the partnership's own settings (closure days, contact, page) over its plugin's values
        self.policy = overlay(self.session, self.policy)

    @property
    def calendar(self) -> WorkingCalendar:
        """The partnership's working-day calendar."""
        return self.policy.calendar

    def audit(self, action: str, obj: Any = None, **detail: Any) -> None:
        """Append an audit event about ``obj`` to the partnership's chain."""
        audit.record(
            self.session, action, actor=self.actor, actor_user_id=self.user_id,
            object_type=getattr(obj, "__tablename__", None) if obj is not None else None,
            object_id=getattr(obj, "id", None), detail=_plain(detail),
            remote_addr=self.remote_addr,
        )


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value
