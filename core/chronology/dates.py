"""A chronology date: a day, or only a month and year; read as people and spreadsheets write it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {name: number for number in range(1, 13)
          for name in (dt.date(2000, number, 1).strftime("%B").lower(),
                       dt.date(2000, number, 1).strftime("%b").lower())}
MONTHS["sept"] = 9
ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
#: The API's form of it, as its document declares: 2025-03-14, or 2025-03 when only the month is known.
PATTERN = r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$"
EARLIEST_YEAR = 1900
_NUMERIC = re.compile(r"^(?:(\d{1,2})[/\-. ])?(\d{1,2})[/\-. ](\d{4})$")  # 14/3/2025, 3/2025, 14 3 2025
_WORDS = re.compile(r"^(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([a-z]+)\.?,?\s+(\d{4})$")  # 14 March 2025, Mar 2025


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the day, or only to the month (``day`` is None: no day is made up)."""

    year: int
    month: int
    day: int | None = None

    def __post_init__(self) -> None:
        dt.date(self.year, self.month, self.day or 1)  # ValueError unless real

    @property
    def precision(self) -> str:
        """'day' or 'month'."""
        return "month" if self.day is None else "day"

    def iso(self) -> str:
        """2025-03-14, or 2025-03."""
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")

    def shown(self) -> str:
        """14 March 2025, or March 2025."""
        month = dt.date(self.year, self.month, 1).strftime("%B")
        return f"{self.day} {month} {self.year}" if self.day else f"{month} {self.year}"

    def after(self, today: dt.date) -> bool:
        """Whether it is later than ``today`` (a month-only date: a later month)."""
        if self.day is None:
            return (self.year, self.month) > (today.year, today.month)
        return dt.date(self.year, self.month, self.day) > today

    def sort_key(self) -> tuple[int, int, int]:
        """Month-only dates sort at the start of their month, before its days."""
        return (self.year, self.month, self.day or 0)


def from_iso(text: str) -> PartialDate | None:
    """'2025-03-14' or '2025-03' as a PartialDate; None if it is not a real one."""
    match = ISO.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    return _make(int(year), int(month), int(day) if day else None)


def parse(text: str) -> PartialDate | None:
    """What a person writes: 2025-03-14, 14/03/2025, 14 March 2025, 2025-03, 3/2025, March 2025; or None."""
    value = " ".join(text.strip().lower().split())
    if ISO.match(value):
        return from_iso(value)
    match = _NUMERIC.match(value)
    if match:
        day, month, year = match.groups()
        return _make(int(year), int(month), int(day) if day else None)
    match = _WORDS.match(value)
    if match and match.group(2) in MONTHS:
        day, name, year = match.groups()
        return _make(int(year), MONTHS[name], int(day) if day else None)
    return None


def _make(year: int, month: int, day: int | None) -> PartialDate | None:
    try:
        return PartialDate(year, month, day)
    except ValueError:
        return None
