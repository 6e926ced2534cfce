"""Hostile plugins, one at a time: each relaxation of the law is refused at load, or changes no statutory date.

Each plugin below tries what a careless or hostile author might: closure days that stretch
the statutory clocks, closures without end, review kinds without the local CSPR, a silent
reminder schedule, retention cut to a year. A refusal names the plugin, the hook and the
rule; a plugin that loads computes the same statutory dates as England and Wales alone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cspr.calendar import ENGLAND, WorkingCalendar
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.cases.models import RapidReviewDecision
from cspr.deadlines.models import Deadline
from cspr.deadlines.services import due_date
from cspr.defaults import STATUTORY_RULES
from cspr.plugins import PluginRegistry
from cspr.records import retention
from cspr.reviews.models import Review
from tests.cases.test_lifecycle import make_ctx
from tests.plugin_kit import plugin_with
from tests.records_kit import ARCHIVED_ON, archived_case

D = dt.date


def install(**hooks) -> PluginRegistry:
    """The hostile plugin 'riverside', alone with the statutory defaults."""
    return PluginRegistry(extra=[("riverside", plugin_with(**hooks))]).load()


def refusal(reg: PluginRegistry) -> str:
    """The one refusal, as the log, ``cspr plugins`` and /healthz show it."""
    assert "riverside" not in reg.policies
    (error,) = reg.errors
    return str(error)


def days_of(year: int) -> list[dt.date]:
    day, out = D(year, 1, 1), []
    while day.year == year:
        out.append(day)
        day += dt.timedelta(days=1)
    return out


def christmas_closure(year):
    return [D(year, 12, 29), D(year, 12, 30), D(year, 12, 31)]


LOCAL_TARGET = {"label": "Hold the strategy discussion", "anchor": "aware", "period": 5,
                "unit": "working_days", "direction": "within", "statutory": False,
                "met_by": "notification"}


def with_local_target(statutory):
    statutory["strategy"] = dict(LOCAL_TARGET)
    return statutory


def deadline(ctx, incident, kind):
    return ctx.session.scalar(select(Deadline).where(Deadline.subject == f"incident:{incident.id}",
                                                     Deadline.kind == kind))


def record(ctx, aware_on, **kw):
    values = dict(pseudonym="Child K", la_case_reference="LA-1", la_area="Riverside", age_band="1_4",
                  harm="serious_harm", incident_on=aware_on, aware_on=aware_on)
    values.update(kw)
    return incidents.record(ctx, **values)


# -- closure days never stretch a statutory clock ---------------------------------------------

def test_a_christmas_closure_moves_no_statutory_deadline_only_the_local_target(session):
    reg = install(cspr_closure_days=christmas_closure, cspr_deadline_rules=with_local_target)
    ctx = make_ctx(session, reg.policy("riverside"), today=D(2026, 2, 2))
    late_in_december = record(ctx, D(2025, 12, 22))
    assert deadline(ctx, late_in_december, "notify_panel").due_on == D(2025, 12, 31)  # not 6 January
    assert deadline(ctx, late_in_december, "strategy").due_on == D(2026, 1, 6)  # the local target moves
    death = record(ctx, D(2025, 12, 22), harm="death", looked_after=True)
    assert deadline(ctx, death, "notify_ofsted_sos").due_on == D(2025, 12, 31)
    care_leaver = record(ctx, D(2025, 12, 22), age_band="18_24", care_leaver=True)
    assert deadline(ctx, care_leaver, "notify_panel").due_on == D(2025, 12, 31)
    notified = record(ctx, D(2025, 12, 10))
    notifications.record(ctx, notified, sent_on=D(2025, 12, 12))
    assert deadline(ctx, notified, "rapid_review").due_on == D(2026, 1, 7)  # not 12 January


@pytest.mark.parametrize("closures", [
    christmas_closure,
    lambda year: [D(year, 12, d) for d in range(22, 32)],  # the whole week before and after Christmas
    lambda year: [d for d in days_of(year) if d.month == 8 and d.weekday() < 5][:10],  # ten days in August
])
def test_the_statutory_dates_a_closing_partnership_computes_are_englands(closures):
    policy = install(cspr_closure_days=closures).policy("riverside")
    assert policy.calendar is not ENGLAND
    day = D(2025, 1, 1)
    while day <= D(2027, 12, 31):
        for kind, rule in policy.deadline_rules.items():
            assert rule["statutory"], kind
            assert due_date(rule, day, policy.calendar) == due_date(STATUTORY_RULES[kind], day, ENGLAND), \
                (kind, day)
        day += dt.timedelta(days=1)


# -- closures without end ---------------------------------------------------------------------

def test_closing_every_day_of_five_years_is_refused_at_load():
    reg = install(cspr_closure_days=lambda year: days_of(year) if 2026 <= year <= 2030 else [])
    message = refusal(reg)
    assert "plugin 'riverside'" in message and "cspr_closure_days(2026)" in message
    assert "closes 253 working days" in message
    assert "at most 10 working days a year" in message and "never a statutory deadline" in message


def test_closing_every_day_of_every_year_is_refused_at_load_not_an_overflow():
    message = refusal(install(cspr_closure_days=days_of))
    assert "cspr_closure_days(1978)" in message and "at most 10 working days a year" in message


def test_ten_working_days_a_year_load_and_eleven_do_not():
    def closing(n):
        return lambda year: [d for d in days_of(year) if d.month == 7 and d.weekday() < 5][:n]

    assert "riverside" in install(cspr_closure_days=closing(10)).policies
    assert "closes 11 working days" in refusal(install(cspr_closure_days=closing(11)))
    # weekends and bank holidays take nothing away: they do not count
    weekends = install(cspr_closure_days=lambda year: [d for d in days_of(year) if d.weekday() >= 5])
    assert "riverside" in weekends.policies


# -- the local review cannot be switched off ---------------------------------------------------

def test_review_kinds_without_the_local_cspr_still_let_a_rapid_review_decide_on_one(session):
    reg = install(cspr_review_kinds=lambda: ["local_learning"])
    policy = reg.policy("riverside")
    assert policy.review_kinds == ["local_cspr", "local_learning", "thematic"]
    ctx = make_ctx(session, policy, today=D(2026, 11, 23))
    incident = record(ctx, D(2026, 3, 3))
    notifications.record(ctx, incident, sent_on=D(2026, 3, 5))
    rapid_reviews.decide(ctx, incident, decision=RapidReviewDecision.LOCAL_CSPR,
                         sent_to_panel_on=D(2026, 3, 20), rationale="Two agencies working together")
    review = ctx.session.scalars(select(Review).where(Review.incident_id == incident.id)).one()
    assert review.kind == "local_cspr"


def test_review_kinds_add_to_the_defaults_and_a_repeat_is_offered_once():
    policy = install(cspr_review_kinds=lambda: ["scr", "local_cspr", "scr", "joint_sar"]).policy("riverside")
    assert policy.review_kinds == ["local_cspr", "local_learning", "thematic", "scr", "joint_sar"]
    assert install(cspr_review_kinds=lambda: None).policy("riverside").review_kinds == [
        "local_cspr", "local_learning", "thematic"]
    assert "unknown kinds ['inquest']" in refusal(install(cspr_review_kinds=lambda: ["inquest"]))


# -- a statutory deadline cannot be silenced -----------------------------------------------------

STAGE = {"key": "due", "offset": 0, "recipients": ["admin"]}


@pytest.mark.parametrize("silenced, schedule, missing", [
    ("notify_panel", [], "no reminder on or before the due day"),
    ("rapid_review", [STAGE], "no escalation within 5 working days after it"),
    ("notify_ofsted_sos", [{"key": "late", "offset": 2, "recipients": ["chair"]}],
     "no reminder on or before the due day"),
    ("report_to_panel", [STAGE, {"key": "much-later", "offset": 40, "recipients": ["chair"]}],
     "no escalation within 5 working days after it"),
    ("publication", [{"key": "early", "offset": -20, "recipients": ["admin"]}],
     "no escalation within 5 working days after it"),
])
def test_a_statutory_reminder_schedule_without_a_reminder_or_an_escalation_is_refused(
        silenced, schedule, missing):
    message = refusal(install(cspr_reminder_schedule=lambda kind: schedule if kind == silenced else None))
    assert "plugin 'riverside'" in message
    assert f"cspr_reminder_schedule('{silenced}') has {missing}" in message
    assert "every statutory deadline keeps a reminder on or before its due day" in message


def test_a_plugin_may_add_stages_and_choose_recipients_and_silence_its_own_targets():
    def schedule(kind):
        if kind == "notify_panel":
            return [{"key": "two-days", "offset": -2, "recipients": ["lead@riverside.example.org"]},
                    {"key": "due", "offset": 0, "recipients": ["partner"]},
                    {"key": "chase", "offset": 1, "recipients": ["chair"]},
                    {"key": "chase-again", "offset": 3, "recipients": ["chair"]}]
        if kind in ("strategy", "public_period"):  # a local target, and a period that is never chased
            return []
        return None

    policy = install(cspr_reminder_schedule=schedule, cspr_deadline_rules=with_local_target).policy("riverside")
    assert [s["key"] for s in policy.reminder_schedules["notify_panel"]] == [
        "two-days", "due", "chase", "chase-again"]
    assert policy.reminder_schedules["strategy"] == []


# -- retention cannot be cut below the floor ---------------------------------------------------

@pytest.mark.parametrize("kind, years, floor", [
    ("case_records", 1, 25), ("case_records", 24, 25), ("review_drafts", 2, 25),
    ("archive_deposits", 5, 25),
])
def test_retention_below_the_floor_is_refused_at_load(kind, years, floor):
    rule = {"kind": kind, "keep_for_years": years, "counted_from": {
        "case_records": "closure", "review_drafts": "published", "archive_deposits": "deposited"}[kind],
        "action": "delete"}
    message = refusal(install(cspr_retention_rules=lambda: [rule]))
    assert "plugin 'riverside'" in message
    assert f"cspr_retention_rules: {kind} must be kept at least {floor} years" in message
    assert f"never shorten it to {years}" in message


def test_retention_may_be_lengthened_or_kept():
    rules = [{"kind": "case_records", "keep_for_years": 40, "counted_from": "closure", "action": "delete"},
             {"kind": "review_drafts", "keep_for_years": None, "counted_from": "published", "action": "keep"},
             {"kind": "outbox_messages", "keep_for_years": 1, "counted_from": "sent", "action": "delete"}]
    policy = install(cspr_retention_rules=lambda: rules).policy("riverside")
    assert policy.retention_rules["case_records"]["keep_for_years"] == 40


@pytest.fixture
def pg_session(pg_url):
    """A PostgreSQL session whose commits (the retention job commits) are rolled back after the test."""
    from sqlalchemy.orm import Session

    from cspr.db import make_engine

    engine = make_engine(pg_url)
    conn = engine.connect()
    outer = conn.begin()
    sess = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield sess
    sess.close()
    outer.rollback()
    conn.close()
    engine.dispose()


def test_the_retention_job_keeps_a_case_closed_13_months_ago_whatever_rule_it_is_handed(pg_session, tmp_path):
    registry = install()
    ctx = make_ctx(pg_session, registry.policy("riverside"), today=ARCHIVED_ON)
    review = archived_case(ctx, tmp_path / "documents", tmp_path / "archive")
    cut = {**ctx.policy.retention_rules,
           "case_records": {"kind": "case_records", "keep_for_years": 1, "counted_from": "closure",
                            "action": "delete"}}
    thirteen_months_later = ARCHIVED_ON + dt.timedelta(days=396)
    report = retention.apply_one(ctx.session, ctx.partnership, cut, thirteen_months_later,
                                 documents_dir=tmp_path / "documents", archive_dir=tmp_path / "archive")
    assert report.kinds["case_records"].removed == 0
    assert ctx.session.get(Review, review.id) is not None


# -- a closing calendar is bounded even outside a plugin ---------------------------------------------

def test_a_calendar_that_is_always_closed_refuses_rather_than_walks_to_year_9999():
    always = WorkingCalendar(days_of)
    with pytest.raises(ValueError, match="at most 10 working days a year"):
        always.add(D(2026, 1, 5), 5)


def test_closure_days_do_not_delay_the_reminders_of_a_statutory_deadline(session):
    from cspr.deadlines import reminders
    from cspr.deadlines.models import Reminder

    reg = install(cspr_closure_days=lambda year: [D(2026, 1, 2), D(2026, 1, 5)] if year == 2026 else [])
    ctx = make_ctx(session, reg.policy("riverside"), today=D(2026, 1, 2))
    incident = record(ctx, D(2025, 12, 22))
    notify = deadline(ctx, incident, "notify_panel")
    assert notify.due_on == D(2025, 12, 31)
    reminders.sweep(session, reg, D(2026, 1, 2), "http://cspr.test")
    stages = session.scalars(select(Reminder).where(Reminder.deadline_id == notify.id)).all()
    # 2 January is the first working day after the due day in law, closed office or not
    assert {(r.stage, r.superseded) for r in stages} == {("upcoming", True), ("due", True),
                                                         ("overdue", False)}
