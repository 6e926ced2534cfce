"""The reporting year a plugin chooses, and the figures per local authority area."""

from __future__ import annotations

import datetime as dt

import pytest

from cspr import hookimpl
from cspr.cases import incidents, notifications
from cspr.plugins import PluginRegistry
from cspr.reporting import figures
from cspr.services.errors import InputError
from tests.cases.test_lifecycle import make_ctx
from tests.plugin_kit import Minimal, plugin_with

D = dt.date


class TwoAreas(Minimal):
    """Riverside's partnership covers two local authority areas."""

    @hookimpl
    def cspr_partnership(self):
        return {**super().cspr_partnership(), "areas": ["Riverside", "Lakeside"]}


def riverside(start: int | None = None):
    if start is None:
        return TwoAreas()
    return plugin_with(TwoAreas(), cspr_reporting_year_start=lambda: start)


def policy_of(start: int | None = None):
    return PluginRegistry(extra=[("riverside", riverside(start))]).load().policy("riverside")


def test_hook_cspr_reporting_year_start(session):
    assert policy_of().reporting_year_start == 4  # the default: April to March
    ctx = make_ctx(session, policy_of(9), today=D(2026, 8, 31))
    year = figures.reporting_year(ctx)
    assert (year.start, year.end, year.label) == (D(2025, 9, 1), D(2026, 8, 31), "September 2025 to August 2026")
    assert figures.reporting_year(ctx, 2026).start == D(2026, 9, 1)


def test_a_calendar_year_is_named_by_its_year(session):
    ctx = make_ctx(session, policy_of(1), today=D(2026, 8, 31))
    year = figures.reporting_year(ctx)
    assert (year.start, year.end, year.label) == (D(2026, 1, 1), D(2026, 12, 31), "2026")


def test_the_figures_are_given_for_each_area_and_together(session):
    ctx = make_ctx(session, policy_of(), today=D(2026, 5, 1))
    for name, area, sent in (("Child R1", "Riverside", D(2025, 6, 4)), ("Child R2", "Riverside", D(2025, 6, 20)),
                             ("Child L1", "Lakeside", D(2025, 7, 2))):
        ctx.today = sent
        incident = incidents.record(ctx, pseudonym=name, la_case_reference=f"LA-{name}", la_area=area,
                                    age_band="5_9", harm="death", incident_on=D(2025, 6, 1),
                                    aware_on=D(2025, 6, 2) if area == "Riverside" else D(2025, 7, 1))
        notifications.record(ctx, incident, sent_on=sent)
    ctx.today = D(2026, 5, 1)
    year = figures.reporting_year(ctx, 2025)
    assert figures.areas(ctx) == ["Riverside", "Lakeside"]
    every = figures.yearly_figures(ctx, year)
    river = figures.yearly_figures(ctx, year, "Riverside")
    lake = figures.yearly_figures(ctx, year, "Lakeside")
    # Riverside: aware 2 June, due 9 June: R1 in time, R2 late; Lakeside: aware 1 July, sent the next day
    assert (every.figure("notifications.made").count, every.figure("notifications.in_time").count) == (3, 2)
    assert [c.name for c in river.figure("notifications.late").cases] == ["Child R2 (RSCP-2025-002)"]
    assert (river.figure("notifications.made").count, river.figure("notifications.in_time").percent) == (2, 50)
    assert (lake.figure("notifications.made").count, lake.figure("notifications.in_time").percent) == (1, 100)
    with pytest.raises(InputError) as refused:
        figures.yearly_figures(ctx, year, "Hillside")
    assert refused.value.errors == {"area": "Select one of the partnership's areas: Riverside, Lakeside"}
