"""The staff dashboard: what is due soon, counted in working days, and its counts as links."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cspr.accounts.models import Role
from cspr.actions import services as actions
from cspr.calendar import ENGLAND
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.deadlines.services import soon_until
from cspr.partnerships import services as partnerships
from cspr.reviews import services as reviews
from cspr.services.context import Context, london_today
from tests.web_kit import signed_in


@pytest.fixture
def admin(app, client):
    return signed_in(app, client, "doncaster", Role.ADMIN)


def with_ctx(app, work):
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, "doncaster")
        with acting_for(session, row.id):
            return work(
                Context(session, row, app.extensions["cspr.plugins"].policy("doncaster"), actor="test")
            )


def action_due_on(app, due: dt.date, title: str) -> None:
    """A review's action plan with one action due on ``due``."""

    def add(ctx):
        review = reviews.start(ctx, kind="thematic", title=title, decided_on=dt.date(2026, 1, 5))
        reviews.agree_terms(ctx, review, agreed_on=dt.date(2026, 1, 20))
        reviews.commission_reviewer(ctx, review, commissioned_on=dt.date(2026, 1, 21), reviewer_name="R")
        partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
        reviews.agree_final_report(ctx, review, agreed_on=dt.date(2026, 6, 1), agreed_by=partners)
        recommendation = actions.add_recommendation(ctx, review, text="Share information sooner")
        actions.add_action(
            ctx, recommendation, description="Joint training", owner_agency="sy-police", due_on=due
        )

    with_ctx(app, add)


@pytest.mark.parametrize(
    ("today", "last"),
    [
        (dt.date(2026, 12, 3), dt.date(2026, 12, 14)),  # Thursday: two weekends in the way
        (dt.date(2026, 12, 5), dt.date(2026, 12, 15)),  # a Saturday counts from the Monday
        # Christmas, the Boxing Day substitute (Monday 28th) and New Year's Day are not working days
        (dt.date(2026, 12, 22), dt.date(2027, 1, 5)),
        (dt.date(2027, 4, 22), dt.date(2027, 5, 4)),  # the early May bank holiday (3 May)
    ],
)
def test_due_soon_runs_seven_working_days(today, last):
    assert soon_until(ENGLAND, today) == last


def test_the_dashboard_lists_what_is_due_in_the_next_seven_working_days(app, admin):
    calendar = app.extensions["cspr.plugins"].policy("doncaster").calendar
    today = london_today()
    last = calendar.add(today, 7)
    assert (last - today).days > 7  # seven working days always reach past seven calendar days
    action_due_on(app, last, "Review Last Day")
    action_due_on(app, calendar.add(today, 8), "Review Too Late")
    page = admin.get("/app/doncaster/").get_data(as_text=True)
    soon = page.split('id="this-week"', 1)[1].split("</table>", 1)[0]
    assert "Due in the next 7 working days (1)" in page
    assert "Action plan: Review Last Day" in soon and "Action plan: Review Too Late" not in page


def test_each_stage_count_links_to_the_reviews_at_that_stage(app, admin):
    def start(ctx):
        for title in ("Review One", "Review Two"):
            reviews.start(ctx, kind="thematic", title=title, decided_on=dt.date(2026, 1, 5))
        third = reviews.start(ctx, kind="thematic", title="Review Three", decided_on=dt.date(2026, 1, 5))
        reviews.agree_terms(ctx, third, agreed_on=dt.date(2026, 1, 20))
        return third.stage

    moved = with_ctx(app, start)
    page = admin.get("/app/doncaster/").get_data(as_text=True)
    stages = page.split('id="stages"', 1)[1].split("</dl>", 1)[0]
    links = dict(re.findall(r'href="([^"]+)">(\d+ reviews?)<span', stages))
    assert sorted(links.values()) == ["1 review", "2 reviews"]
    by_count = {count: href for href, count in links.items()}
    two = admin.get(by_count["2 reviews"].replace("&amp;", "&")).get_data(as_text=True)
    assert "Review One" in two and "Review Two" in two and "Review Three" not in two
    assert "2 reviews at this stage" in two
    one = admin.get(f"/app/doncaster/reviews?stage={moved}").get_data(as_text=True)
    assert "Review Three" in one and "Review One" not in one


def test_an_unknown_stage_is_said_and_every_review_shown(app, admin):
    with_ctx(
        app,
        lambda ctx: reviews.start(ctx, kind="thematic", title="Review One", decided_on=dt.date(2026, 1, 5)),
    )
    response = admin.get("/app/doncaster/reviews?stage=no_such_stage")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose a stage from the dashboard" in page and "Review One" in page
    assert "no_such_stage" not in page.split("<main", 1)[1]
