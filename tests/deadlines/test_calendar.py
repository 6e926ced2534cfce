"""Working days: the known hard cases, and the laws every date must keep (hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np  # imported once here: inside a hypothesis example its import broke the deadline
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
    expected = np.busday_offset(np.datetime64(start), n, roll="backward",
                                holidays=GOVUK_BANK_HOLIDAYS)
    assert ENGLAND.add(start, n) == expected.astype(object)


def test_deadlines_agree_with_numpy_on_every_day_of_five_years():
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


# -- the statutory clocks against the independent calendar, closure days or not ----------------

# 2028 and New Year 2029 are not on GOV.UK yet: the Banking and Financial Dealings Act 1971
# schedule 1 rules by hand (Easter 2028 is 16 April; 1 January 2028 is a Saturday).
LATER_BANK_HOLIDAYS = ["2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29",
                       "2028-08-28", "2028-12-25", "2028-12-26", "2029-01-01"]
INDEPENDENT = GOVUK_BANK_HOLIDAYS + LATER_BANK_HOLIDAYS


def closing_partnership():
    """A partnership shut from Christmas to New Year and for a week in August, with one local target."""
    from cspr.plugins import PluginRegistry
    from tests.plugin_kit import plugin_with

    def cspr_closure_days(year):
        week = [D(year, 8, d) for d in range(10, 17)]
        return [D(year, 12, d) for d in (24, 27, 28, 29, 30, 31)] + week

    def cspr_deadline_rules(statutory):
        statutory["strategy"] = {"label": "Hold the strategy discussion", "anchor": "aware", "period": 5,
                                 "unit": "working_days", "direction": "within", "statutory": False,
                                 "met_by": "notification"}
        return statutory

    reg = PluginRegistry(extra=[("riverside", plugin_with(cspr_closure_days=cspr_closure_days,
                                                          cspr_deadline_rules=cspr_deadline_rules))]).load()
    return reg.policy("riverside"), cspr_closure_days


def test_statutory_clocks_agree_with_the_independent_calendar_on_every_day_2023_to_2028():
    from dateutil.relativedelta import relativedelta

    from cspr.deadlines.services import due_date
    from cspr.defaults import STATUTORY_RULES

    policy, closures = closing_partnership()
    starts = [D(2023, 1, 1) + dt.timedelta(days=i) for i in range((D(2029, 1, 1) - D(2023, 1, 1)).days)]
    days = np.array(starts, dtype="datetime64[D]")

    def busday(n, holidays=INDEPENDENT):
        if n >= 0:
            return np.busday_offset(days, n, roll="backward", holidays=holidays).astype(object)
        # "at least N before": N back from the last working day on or before the day
        return np.busday_offset(np.busday_offset(days, 0, roll="backward", holidays=holidays), n,
                                holidays=holidays).astype(object)

    expected = {
        "notify_panel": busday(5), "notify_ofsted_sos": busday(5), "rapid_review": busday(15),
        "report_to_panel": busday(-7),
        "publication": [d + relativedelta(months=6) for d in starts],
        "public_period": [d + relativedelta(months=12) for d in starts],
    }
    assert set(expected) == set(STATUTORY_RULES)
    for kind, rule in STATUTORY_RULES.items():
        for start, want in zip(starts, expected[kind], strict=True):
            assert due_date(rule, start, ENGLAND) == want, (kind, start)
            # the partnership's closure days change nothing the law sets
            assert due_date(policy.deadline_rules[kind], start, policy.calendar) == want, (kind, start)

    # its own local target does move, exactly as the closure days say
    closed = sorted({d.isoformat() for year in range(2023, 2030) for d in closures(year)})
    local = busday(5, holidays=INDEPENDENT + closed)
    moved = 0
    for start, plain, want in zip(starts, busday(5), local, strict=True):
        assert due_date(policy.deadline_rules["strategy"], start, policy.calendar) == want, start
        moved += want != plain
    assert moved > 100  # every Christmas and August of six years


def test_the_brief_case_a_christmas_closure_leaves_the_panel_notification_on_31_december():
    from cspr.deadlines.services import due_date

    policy, _ = closing_partnership()
    rules = policy.deadline_rules
    assert due_date(rules["notify_panel"], D(2025, 12, 22), policy.calendar) == D(2025, 12, 31)
    assert due_date(rules["rapid_review"], D(2025, 12, 12), policy.calendar) == D(2026, 1, 7)
    assert due_date(rules["strategy"], D(2025, 12, 22), policy.calendar) == D(2026, 1, 7)  # moved


# -- the years the calendar knows -------------------------------------------------------------------

def test_a_year_the_calendar_cannot_know_is_refused_not_counted_as_working_days():
    from cspr.calendar import FIRST_YEAR, LAST_YEAR, CalendarRangeError

    assert (FIRST_YEAR, LAST_YEAR) == (1978, 2100)
    with pytest.raises(CalendarRangeError, match="covers 1978 to 2100; 2101 is outside it"):
        ENGLAND.add(D(2101, 12, 24), 5)
    with pytest.raises(CalendarRangeError, match="2101"):
        ENGLAND.add(D(2100, 12, 24), 5)  # the walk would leave the covered years
    with pytest.raises(CalendarRangeError, match="1977"):
        ENGLAND.add(D(1978, 1, 3), -5)
    with pytest.raises(CalendarRangeError):
        ENGLAND.is_working_day(D(1977, 12, 30))
    with pytest.raises(CalendarRangeError):
        ENGLAND.between(D(2100, 12, 1), D(2101, 1, 10))
    assert issubclass(CalendarRangeError, ValueError)


def test_the_holidays_package_still_knows_every_covered_year():
    # an upgrade of `holidays` that drops a year would make the calendar answer wrongly: fail here
    from cspr.calendar import FIRST_YEAR, LAST_YEAR

    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        assert D(year, 12, 25) in bank_holidays(year), year
    assert ENGLAND.add(D(2100, 12, 24), 1) == D(2100, 12, 29)  # Christmas 2100 is a Saturday: 27, 28 off


def test_a_walk_through_an_always_closed_calendar_is_refused_not_endless():
    always = WorkingCalendar(lambda year: [D(year, 1, 1) + dt.timedelta(days=i) for i in range(365)])
    with pytest.raises(ValueError, match="at most 10 working days a year"):
        always.add(D(2026, 3, 2), 1)
