"""The report to the Panel before publication: its due date and the publication gate agree, weekends too."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cspr.calendar import ENGLAND
from cspr.deadlines.models import Deadline
from cspr.deadlines.services import due_date, earliest_publication, report_in_time
from cspr.defaults import STATUTORY_RULES
from cspr.reviews import services as reviews
from cspr.services.errors import InputError
from tests.cases.test_lifecycle import make_ctx
from tests.publish_kit import publish

D = dt.date
RULE = STATUTORY_RULES["report_to_panel"]


def ready_to_plan(ctx):
    review = reviews.start(ctx, kind="local_cspr", title="Child P", decided_on=D(2025, 11, 3))
    reviews.agree_terms(ctx, review, agreed_on=D(2025, 11, 20))
    reviews.commission_reviewer(ctx, review, commissioned_on=D(2025, 11, 25), reviewer_name="R")
    partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
    reviews.agree_final_report(ctx, review, agreed_on=D(2026, 2, 16), agreed_by=partners)
    return review


def report_deadline(ctx, review):
    return ctx.session.scalar(select(Deadline).where(Deadline.subject == f"review:{review.id}",
                                                     Deadline.kind == "report_to_panel"))


def test_a_report_sent_on_its_due_day_lets_a_saturday_publication_go_ahead(session, registry):
    ctx = make_ctx(session, registry.policy("doncaster"), today=D(2026, 3, 14))
    review = ready_to_plan(ctx)
    reviews.plan_publication(ctx, review, planned_on=D(2026, 3, 14))  # a Saturday
    due = report_deadline(ctx, review).due_on
    assert due == D(2026, 3, 4)  # 7 working days back from Friday 13 March, not from the Saturday
    reviews.send_report(ctx, review, sent_on=due)
    publish(ctx, review, published_on=D(2026, 3, 14), summary="What we learned.")
    assert review.published_on == D(2026, 3, 14)


def test_a_report_sent_the_day_after_its_due_day_blocks_the_planned_day(session, registry):
    ctx = make_ctx(session, registry.policy("doncaster"), today=D(2026, 3, 14))
    review = ready_to_plan(ctx)
    reviews.plan_publication(ctx, review, planned_on=D(2026, 3, 14))
    reviews.send_report(ctx, review, sent_on=D(2026, 3, 5))
    with pytest.raises(InputError) as refused:
        publish(ctx, review, published_on=D(2026, 3, 14), summary="What we learned.")
    assert "publish on or after 16 March 2026" in str(refused.value.errors["published_on"])


def test_the_due_date_and_the_gate_agree_on_every_day_of_three_years():
    planned = D(2025, 1, 1)
    while planned <= D(2027, 12, 31):
        due = due_date(RULE, planned, ENGLAND)
        assert ENGLAND.is_working_day(due), planned
        assert report_in_time(due, planned, 7), planned  # sent on the due day: in time
        assert not report_in_time(ENGLAND.add(due, 1), planned, 7), planned  # a working day later: not
        for sent in (due - dt.timedelta(days=n) for n in range(0, 12)):
            # the gate is exactly "publish on or after sent + 7 working days"
            assert report_in_time(sent, planned, 7) == (earliest_publication(sent, 7) <= planned)
        planned += dt.timedelta(days=1)
