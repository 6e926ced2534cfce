"""Working days: the known hard cases, and the laws every date must keep (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cspr.calendar import ENGLAND, WorkingCalendar, add_months, bank_holidays

D = dt.date


@pytest.mark.parametrize("start, days, expected, why", [
    (D(2026, 12, 24), 5, D(2027, 1, 5), "Christmas 2026 on a Friday; Boxing Day substitute 28 Dec"),
    (D(2027, 12, 24), 5, D(2028, 1, 5), "27 and 28 Dec 2027 substitutes; 3 Jan 2028 substitute"),
    (D(2026, 12, 14), 15, D(2027, 1, 7), "a rapid review across Christmas and New Year"),
    (D(2026, 4, 1), 5, D(2026, 4, 10), "Good Friday and Easter Monday 2026"),
    (D(2023, 5, 5), 5, D(2023, 5, 15), "the coronation bank holiday, 8 May 2023"),
    (D(2026, 3, 7), 5, D(2026, 3, 13), "an event on a Saturday: day 0 is the Saturday"),
    (D(2026, 3, 7), 0, D(2026, 3, 7), "day 0 is the event's own day, whatever day it is"),
    (D(2026, 3, 13), -5, D(2026, 3, 6), "counting back"),
])
def test_known_cases(start, days, expected, why):
    assert ENGLAND.add(start, days) == expected, why


def test_substitute_days_are_bank_holidays():
    for day in (D(2026, 12, 28), D(2027, 12, 27), D(2027, 12, 28), D(2023, 5, 8)):
        assert day in bank_holidays(day.year)
        assert not ENGLAND.is_working_day(day)


def test_closure_days_are_skipped():
    cal = WorkingCalendar(lambda year: {D(year, 3, 10)})
    assert cal.add(D(2026, 3, 9), 1) == D(2026, 3, 11)
    assert ENGLAND.add(D(2026, 3, 9), 1) == D(2026, 3, 10)


def test_an_absurd_step_is_refused():
    with pytest.raises(ValueError, match="out of range"):
        ENGLAND.add(D(2026, 1, 1), 50_000)


@pytest.mark.parametrize("start, months, expected", [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2028, 1, 31), 1, D(2028, 2, 29)),
    (D(2026, 8, 31), 6, D(2027, 2, 28)),
    (D(2026, 3, 15), 6, D(2026, 9, 15)),
    (D(2026, 11, 30), 12, D(2027, 11, 30)),
])
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2080, 12, 31))
steps = st.integers(min_value=1, max_value=400)


@given(dates, steps)
def test_the_result_is_always_a_working_day(start, n):
    result = ENGLAND.add(start, n)
    assert result.weekday() < 5
    assert result not in bank_holidays(result.year)
    assert result > start


@given(dates, st.integers(min_value=0, max_value=400))
def test_counting_the_days_between_gives_n_back(start, n):
    assert ENGLAND.between(start, ENGLAND.add(start, n)) == n


@given(dates, steps)
def test_adding_then_counting_back_returns_to_a_working_day(start, n):
    if ENGLAND.is_working_day(start):
        assert ENGLAND.add(ENGLAND.add(start, n), -n) == start
    else:
        assert ENGLAND.add(ENGLAND.add(start, n), -n) < start


@given(dates, dates, steps, steps)
def test_monotonic_in_the_start_and_the_count(d1, d2, n, m):
    lo, hi = sorted((d1, d2))
    assert ENGLAND.add(lo, n) <= ENGLAND.add(hi, n)
    a, b = sorted((n, m))
    assert ENGLAND.add(d1, a) <= ENGLAND.add(d1, b)
    if a < b:
        assert ENGLAND.add(d1, a) < ENGLAND.add(d1, b)


@given(dates, steps)
def test_n_working_days_span_at_least_n_calendar_days(start, n):
    assert (ENGLAND.add(start, n) - start).days >= n


# -- against an independent calendar ----------------------------------------------------------
# England and Wales bank holidays as GOV.UK published them (not the `holidays` package), with
# numpy's business-day arithmetic (not ours): the two must agree on every date.

GOVUK_BANK_HOLIDAYS = [
    "2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03",
    "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27",
    "2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29",
    "2023-08-28", "2023-12-25", "2023-12-26",
    "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26",
    "2024-12-25", "2024-12-26",
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25",
    "2025-12-25", "2025-12-26",
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
    "2026-12-25", "2026-12-28",
    "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30",
    "2027-12-27", "2027-12-28",
]


def test_the_bank_holidays_match_govuk():
    ours = sorted(d for year in range(2022, 2028) for d in bank_holidays(year) if d.weekday() < 5)
    assert [d.isoformat() for d in ours] == GOVUK_BANK_HOLIDAYS


@given(st.dates(min_value=D(2022, 1, 1), max_value=D(2027, 9, 30)),
       st.integers(min_value=1, max_value=60))
def test_deadlines_agree_with_numpy_business_days(start, n):
    import numpy as np

    expected = np.busday_offset(np.datetime64(start), n, roll="backward",
                                holidays=GOVUK_BANK_HOLIDAYS)
    assert ENGLAND.add(start, n) == expected.astype(object)


def test_deadlines_agree_with_numpy_on_every_day_of_five_years():
    import numpy as np

    day = D(2022, 1, 1)
    while day < D(2027, 10, 1):
        for n in (5, 15):
            expected = np.busday_offset(np.datetime64(day), n, roll="backward",
                                        holidays=GOVUK_BANK_HOLIDAYS)
            assert ENGLAND.add(day, n) == expected.astype(object), (day, n)
        day += dt.timedelta(days=1)


@given(dates, dates)
def test_counting_agrees_with_walking_day_by_day(a, b):
    cal = WorkingCalendar(lambda year: {D(year, 7, 15), D(year, 12, 24)})
    lo, hi = sorted((a, b))
    walked = sum(cal.is_working_day(lo + dt.timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    assert cal.between(lo, hi) == walked
    assert cal.between(hi, lo) == -walked
