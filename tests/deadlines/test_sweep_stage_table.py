"""The sweep keeps a day's stage table between runs, and counts it again when a partnership changes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cspr.cases import incidents
from cspr.db.tenancy import across_partnerships
from cspr.deadlines import reminders
from cspr.deadlines.models import Deadline, Reminder
from cspr.partnerships import settings
from cspr.plugins import PluginRegistry
from tests.cases.test_lifecycle import make_ctx
from tests.plugin_kit import plugin_with

D = dt.date
SWEEP_DAY = D(2026, 12, 17)  # a Thursday


def _local_target(statutory):
    statutory["partners_briefed"] = {
        "label": "Brief the safeguarding partners", "anchor": "aware", "period": 5,
        "unit": "working_days", "direction": "within", "statutory": False, "met_by": "notification"}
    return statutory


def _schedule(kind):
    if kind == "partners_briefed":
        return [{"key": "two-days", "offset": -2, "recipients": ["team@riverside.example.org"]}]
    return None


def riverside(session):
    registry = PluginRegistry(extra=[("riverside", plugin_with(cspr_deadline_rules=_local_target,
                                                               cspr_reminder_schedule=_schedule))]).load()
    return registry, make_ctx(session, registry.policy("riverside"), today=D(2026, 12, 14))


def sweep(session, registry) -> reminders.SweepResult:
    with across_partnerships(session, "test"):
        return reminders.sweep_across(session, registry, SWEEP_DAY, "https://cspr.example.org")


def briefing_reminders(session) -> list[str]:
    with across_partnerships(session, "test"):
        return list(session.scalars(select(Reminder.stage).join(Deadline, Deadline.id == Reminder.deadline_id)
                                    .where(Deadline.kind == "partners_briefed")))


def record(ctx):
    return incidents.record(ctx, pseudonym="Child T", la_case_reference="LA-8", la_area="Riverside",
                            age_band="1_4", harm="serious_harm", incident_on=D(2026, 12, 14),
                            aware_on=D(2026, 12, 14))


def test_a_closure_day_added_after_the_days_first_sweep_counts_in_the_next(session):
    registry, ctx = riverside(session)
    assert sweep(session, registry).reminders == 0  # the day's table is counted, with no closure days
    record(ctx)  # aware Monday 14 December: brief the partners within 5 working days
    settings.change(ctx, "closure_days", "2026-12-18")  # the office closes on Friday 18 December
    session.flush()
    # due Tuesday 22 December, so two working days before it is Thursday 17 December (today);
    # by the plugin's calendar alone it would be Friday 18 December: the day's first table
    assert session.scalars(select(Deadline.due_on).where(Deadline.kind == "partners_briefed")).one() == D(
        2026, 12, 22)
    sweep(session, registry)
    assert briefing_reminders(session) == ["two-days"]


def test_a_partnership_disabled_after_the_days_first_sweep_gets_no_more_reminders(session):
    registry, ctx = riverside(session)
    sweep(session, registry)
    record(ctx)  # due Monday 21 December: two working days before it is today
    ctx.partnership.enabled = False
    session.flush()
    result = sweep(session, registry)
    assert briefing_reminders(session) == [] and result.skipped_partnerships == ["riverside"]
    ctx.partnership.enabled = True
    session.flush()
    sweep(session, registry)
    assert briefing_reminders(session) == ["two-days"]
