"""Small checks the lifecycle services share: dates in range and in order, known keys."""

from __future__ import annotations

import datetime as dt

from cspr.services import dates
from cspr.services.context import Context
from cspr.services.errors import InputError


class Checker:
    """Collects field errors and raises them together, so a form shows every problem at once."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.errors: dict[str, str] = {}
        self.labels: dict[str, str] = {}

    def date(self, field: str, value: dt.date | None, fact: str) -> None:
        """The date is in the range the date rules give ``fact`` (see cspr.services.dates).

        It also names the field in this checker's later messages about it.
        """
        self.labels[field] = dates.label(fact)
        if value is not None:
            problem = dates.problem(fact, value, self.ctx.today)
            if problem:
                self.errors.setdefault(field, problem)

    def not_before(self, field: str, value: dt.date | None, other: dt.date | None,
                   other_name: str) -> None:
        """``value`` is on or after ``other``."""
        if value is not None and other is not None and value < other:
            self.errors.setdefault(
                field, f"{self.labels.get(field, 'The date')} must be on or after {other_name} "
                       f"({other:%-d %B %Y})"
            )

    def require(self, field: str, value: object, message: str) -> None:
        """A value is given; ``message`` says what to enter, the GOV.UK way ("Enter the date of ...")."""
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
