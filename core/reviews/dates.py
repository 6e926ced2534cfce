"""A publication date as precise as it is known: a day, a month and year, a year, "before" a year, or none.

Legacy reviews were often listed with the year alone (York's "Messages from reviews": 2014), or with
no date at all (Plymouth's serious case reviews). The platform never makes up the rest: it keeps the
precision, shows only what is known, and stores as the review's ``published_on`` the *latest* day
the publication can have been (the period's last day; for a date not given, the day it was
recorded, when it was known to be published), so every clock that counts from publication (the
public period, the archive rule) starts no earlier than the truth and a report never leaves the
page too soon.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import re
from dataclasses import dataclass


class DatePrecision(enum.StrEnum):
    """How much of a publication date is known."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    BEFORE = "before"  # only that it was published before the start of a year
    NOT_GIVEN = "none"  # the source gives no date: only that it was published


#: The API's and the plugins' form: 2013-10-11, 2013-10, 2013, "before 2019", or "not given".
PATTERN = r"^(\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?|before \d{4}|not given)$"
#: How a date the source does not give is written.
NOT_GIVEN = "not given"
_FORM = re.compile(r"^(?:(before) (\d{4})|(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?)$")
EARLIEST_YEAR = 1970
HINT = ("As precise as it is known: the day (2013-10-11), the month (2013-10), only the year (2013), "
        "'before 2019', or 'not given' when the source gives no date. Nothing you do not know is made up.")


@dataclass(frozen=True)
class PublicationDate:
    """A publication date and how precise it is; ``on`` is the latest day it can have been."""

    on: dt.date
    precision: DatePrecision = DatePrecision.DAY

    def shown(self) -> str:
        """11 October 2013, October 2013, 2013, before 2019, or (date not given)."""
        return shown(self.on, self.precision)

    def iso(self) -> str:
        """2013-10-11, 2013-10, 2013, or before 2019 (the catalogue record's form)."""
        if self.precision == DatePrecision.MONTH:
            return f"{self.on:%Y-%m}"
        if self.precision == DatePrecision.YEAR:
            return f"{self.on:%Y}"
        if self.precision == DatePrecision.BEFORE:
            return f"before {self.on.year + 1}"
        if self.precision == DatePrecision.NOT_GIVEN:
            return NOT_GIVEN
        return self.on.isoformat()


def parse(value: object, today: dt.date | None = None) -> PublicationDate:
    """A date, or '2013-10-11', '2013-10', '2013', 'before 2019', 'not given'; ValueError saying why not.

    'not given' is stored as ``today`` (the day it is recorded, when it was known to be published).
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return PublicationDate(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("give the date as 2013-10-11, 2013-10, 2013 or 'before 2019'")
    if " ".join(value.strip().lower().split()) == NOT_GIVEN:
        return PublicationDate(today or dt.date.today(), DatePrecision.NOT_GIVEN)
    match = _FORM.match(" ".join(value.strip().lower().split()))
    if not match:
        raise ValueError(f"{value!r} is not a date: give the day (2013-10-11), the month (2013-10), "
                         "only the year (2013), 'before 2019', or 'not given'")
    before, before_year, year, month, day = match.groups()
    if before:
        year_before = int(before_year)
        _check_year(year_before - 1)
        return PublicationDate(dt.date(year_before - 1, 12, 31), DatePrecision.BEFORE)
    y = int(year)
    _check_year(y)
    if month is None:
        return PublicationDate(dt.date(y, 12, 31), DatePrecision.YEAR)
    m = int(month)
    if not 1 <= m <= 12:
        raise ValueError(f"{value!r} is not a real date: the month is 01 to 12")
    if day is None:
        return PublicationDate(dt.date(y, m, calendar.monthrange(y, m)[1]), DatePrecision.MONTH)
    try:
        return PublicationDate(dt.date(y, m, int(day)))
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None


def _check_year(year: int) -> None:
    if year < EARLIEST_YEAR:
        raise ValueError(f"a review published before {EARLIEST_YEAR} cannot be entered")


def shown(on: dt.date | None, precision: str | None) -> str:
    """A stored publication date in words, no more precise than it is known ("" when there is none)."""
    if on is None:
        return ""
    kind = DatePrecision(precision or DatePrecision.DAY)
    if kind == DatePrecision.MONTH:
        return f"{on:%B %Y}"
    if kind == DatePrecision.YEAR:
        return f"{on:%Y}"
    if kind == DatePrecision.BEFORE:
        return f"before {on.year + 1}"
    if kind == DatePrecision.NOT_GIVEN:
        return "(date not given)"
    return f"{on:%-d %B %Y}"
