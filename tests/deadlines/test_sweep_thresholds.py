"""The sweep's SQL judges a stage come by one date per stage: the same answer as counting each deadline."""

from __future__ import annotations

import datetime as dt

import pytest

from cspr.calendar import ENGLAND, WorkingCalendar
from cspr.deadlines.reminders import _last_due_on, _stage_on

CLOSED = WorkingCalendar(lambda year: {dt.date(year, 12, d) for d in range(22, 32)} | {dt.date(year, 8, 3)})
TODAYS = [dt.date(2026, 3, 10), dt.date(2026, 4, 3), dt.date(2026, 4, 6), dt.date(2026, 12, 24),
          dt.date(2026, 12, 28), dt.date(2027, 1, 4), dt.date(2026, 8, 3), dt.date(2026, 5, 9)]


@pytest.mark.parametrize("cal", [ENGLAND, CLOSED], ids=["england", "with-closures"])
@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_a_stage_has_come_exactly_for_due_dates_up_to_its_last_due_date(cal, today):
    for offset in (-15, -10, -5, -3, -1, 0, 1, 2, 5, 10):
        last = _last_due_on(cal, offset, today)
        for days in range(-60, 60):
            due_on = today + dt.timedelta(days=days)
            come = _stage_on(cal, due_on, offset) <= today
            assert come == (due_on <= last), (offset, due_on, last)
