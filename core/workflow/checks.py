"""Small checks the lifecycle services share: dates in order, not in the future, known keys."""

from __future__ import annotations

import datetime as dt

from cspr.workflow.context import Context
from cspr.workflow.errors import InputError


class Checker:
    """Collects field errors and raises them together, so a form shows every problem at once."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.errors: dict[str, str] = {}

    def not_future(self, field: str, value: dt.date | None) -> None:
        """The date has happened (today at the latest, in England)."""
        if value is not None and value > self.ctx.today:
            self.errors.setdefault(field, f"must be today or in the past, not {value:%-d %B %Y}")

    def not_before(self, field: str, value: dt.date | None, other: dt.date | None,
                   other_name: str) -> None:
        """``value`` is on or after ``other``."""
        if value is not None and other is not None and value < other:
            self.errors.setdefault(
                field, f"must be on or after {other_name} ({other:%-d %B %Y})"
            )

    def require(self, field: str, value: object, message: str = "is required") -> None:
        """A value is given."""
        if value in (None, "", []):
            self.errors.setdefault(field, message)

    def check(self, field: str, ok: bool, message: str) -> None:
        """A condition holds."""
        if not ok:
            self.errors.setdefault(field, message)

    def done(self) -> None:
        """Raise every error found."""
        if self.errors:
            raise InputError(self.errors)
