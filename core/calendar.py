"""Working days: Monday to Friday, less England and Wales bank holidays and local closure days.

"N working days from D" is the Nth working day after D; D itself is day 0,
whatever kind of day it is. Bank holidays come from the maintained ``holidays``
package (England), so any year works, substitute days and one-off days included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import lru_cache

import holidays

ClosureDays = Callable[[int], Iterable[dt.date]]

MAX_STEP = 10_000  # working days; beyond this an argument is a mistake, not a deadline


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[dt.date]:
    """England and Wales bank holidays in a year."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


class WorkingCalendar:
    """A calendar of working days for one partnership (or England alone)."""

    def __init__(self, closure_days: ClosureDays | None = None) -> None:
        self._closure_source = closure_days
        self._closures: dict[int, frozenset[dt.date]] = {}

    def closures(self, year: int) -> frozenset[dt.date]:
        """The partnership's own closure days in a year."""
        if year not in self._closures:
            days = self._closure_source(year) if self._closure_source else ()
            self._closures[year] = frozenset(days)
        return self._closures[year]

    def is_working_day(self, day: dt.date) -> bool:
        """True on a weekday that is neither a bank holiday nor a closure day."""
        return (
            day.weekday() < 5
            and day not in bank_holidays(day.year)
            and day not in self.closures(day.year)
        )

    def add(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (before it, if negative); 0 is ``start``."""
        if abs(days) > MAX_STEP:
            raise ValueError(f"{days} working days is out of range")
        step = 1 if days >= 0 else -1
        current, left = start, abs(days)
        while left:
            current += dt.timedelta(days=step)
            if self.is_working_day(current):
                left -= 1
        return current

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if end is before)."""
        if end < start:
            return -self.between(end, start)
        weeks, extra = divmod((end - start).days, 7)
        count = weeks * 5  # every whole week has five weekdays
        current = start + dt.timedelta(days=weeks * 7)
        for _ in range(extra):
            current += dt.timedelta(days=1)
            count += current.weekday() < 5
        closed: set[dt.date] = set()
        for year in range(start.year, end.year + 1):
            closed |= bank_holidays(year) | self.closures(year)
        return count - sum(1 for day in closed if start < day <= end and day.weekday() < 5)


ENGLAND = WorkingCalendar()


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(start.day, day))
        except ValueError:
            continue
    raise AssertionError("unreachable")
