"""Working days: Monday to Friday less England and Wales bank holidays (and, locally, closure days).

"N working days from D" is the Nth working day after D; D itself is day 0,
whatever kind of day it is. "At least N working days before D" is the latest
working day S such that S + N working days falls on or before D (so for a
Saturday the count runs back from the Friday).

The statutory clocks use :data:`ENGLAND`: bank holidays only. A partnership's
own closure days are not non-working days in law; a :class:`WorkingCalendar`
built with closure days is for its local targets alone.

Which years: bank holidays come from the maintained ``holidays`` package
(England), which lists them up to 2100 and nothing after. The calendar covers
:data:`FIRST_YEAR` to :data:`LAST_YEAR` and refuses any other year with a
:class:`CalendarRangeError` rather than count an unknown year's Christmas as
working days. Inside that range, the past (substitute days and one-off days
such as 8 May 2023 included) is what was proclaimed; a future year is the Act's
regular pattern plus whatever one-off days had been announced when the installed
``holidays`` release was made. A newly proclaimed day (a coronation, a jubilee)
reaches the clocks only with an upgrade of ``holidays``, which is pinned in
pyproject.toml; upgrade it when one is announced and recompute open deadlines.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache

import holidays

ClosureDays = Callable[[int], Iterable[dt.date]]

#: The years the calendar knows. From 1978, when the early May bank holiday completed the
#: set in force today (the oldest serious case reviews a partnership still lists are later);
#: to 2100, the last year the ``holidays`` package lists England's bank holidays for.
FIRST_YEAR = 1978
LAST_YEAR = 2100
#: At most this many closure days a year may fall on a weekday that is not a bank holiday.
#: A Christmas-to-New-Year closure is at most five such days and a training day or two
#: more; two working weeks is generous for any office and keeps every local clock bounded.
MAX_CLOSURE_DAYS = 10

MAX_STEP = 10_000  # working days; beyond this an argument is a mistake, not a deadline


class CalendarRangeError(ValueError):
    """A date outside the years the working-day calendar knows."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"the working-day calendar covers {FIRST_YEAR} to {LAST_YEAR}; "
            f"{year} is outside it (its bank holidays are not known)"
        )
        self.year = year


def check_year(year: int) -> None:
    """Raise :class:`CalendarRangeError` for a year the calendar does not cover."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarRangeError(year)


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[dt.date]:
    """England and Wales bank holidays in a year (one the calendar covers)."""
    check_year(year)
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def closable(days: Iterable[dt.date]) -> list[dt.date]:
    """The days among ``days`` that a closure actually takes away: weekdays that are not bank holidays."""
    return sorted(d for d in days if d.weekday() < 5 and d not in bank_holidays(d.year))


class WorkingCalendar:
    """A calendar of working days: England alone, or a partnership's with its closure days."""

    def __init__(self, closure_days: ClosureDays | None = None) -> None:
        self._closure_source = closure_days
        self._closures: dict[int, frozenset[dt.date]] = {}
        self._off: dict[int, list[dt.date]] = {}

    def closures(self, year: int) -> frozenset[dt.date]:
        """The partnership's own closure days in a year (at most :data:`MAX_CLOSURE_DAYS` working days)."""
        if year not in self._closures:
            check_year(year)
            days = frozenset(self._closure_source(year) if self._closure_source else ())
            if len(closable(days)) > MAX_CLOSURE_DAYS:
                raise ValueError(f"{len(closable(days))} closure days in {year}; "
                                 f"at most {MAX_CLOSURE_DAYS} working days a year may be closed")
            self._closures[year] = days
        return self._closures[year]

    def is_working_day(self, day: dt.date) -> bool:
        """True on a weekday that is neither a bank holiday nor a closure day."""
        return (
            day.weekday() < 5
            and day not in bank_holidays(day.year)
            and day not in self.closures(day.year)
        )

    def add(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (before it, if negative); 0 is ``start``.

        The walk is bounded: at most :data:`MAX_STEP` working days, and never past the
        years the calendar covers (:class:`CalendarRangeError`).
        """
        if abs(days) > MAX_STEP:
            raise ValueError(f"{days} working days is out of range")
        check_year(start.year)
        step = 1 if days >= 0 else -1
        current, left = start, abs(days)
        while left:
            if (step > 0 and current == dt.date(LAST_YEAR, 12, 31)) or (
                    step < 0 and current == dt.date(FIRST_YEAR, 1, 1)):
                raise CalendarRangeError(current.year + step)
            current += dt.timedelta(days=step)
            if self.is_working_day(current):
                left -= 1
        return current

    def last_working_day(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the last working day before it."""
        return day if self.is_working_day(day) else self.add(day, -1)

    def latest_before(self, day: dt.date, days: int) -> dt.date:
        """The latest day S such that S + ``days`` working days falls on or before ``day``.

        Counted back from the last working day on or before ``day``: for a Saturday,
        from the Friday. This one function gives both a "before" deadline's due date
        and whether an event was in time for it (:meth:`in_time_before`).
        """
        if days < 0:
            raise ValueError("count back a period of 0 or more working days")
        if days == 0:
            return day
        return self.add(self.last_working_day(day), -days)

    def in_time_before(self, event: dt.date, day: dt.date, days: int) -> bool:
        """True if ``event`` came at least ``days`` working days before ``day``.

        An event on a non-working day counts as on the working day before it (the
        count runs from the next working day either way), so this agrees exactly
        with ``add(event, days) <= day``.
        """
        if days == 0:
            return event <= day
        return self.last_working_day(event) <= self.latest_before(day, days)

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
        for year in range(start.year, end.year + 1):
            off = self._days_off(year)
            count -= bisect_right(off, end) - bisect_right(off, start)
        return count

    def _days_off(self, year: int) -> list[dt.date]:
        """The weekdays of ``year`` that are not working days, in order (worked out once a year)."""
        if year not in self._off:
            self._off[year] = sorted(d for d in bank_holidays(year) | self.closures(year) if d.weekday() < 5)
        return self._off[year]


#: England and Wales: the calendar of every statutory clock (bank holidays only).
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
