"""An action cannot be due before the day it is recorded, nor more than 5 years ahead (forms and API)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from cspr.accounts.models import Role
from cspr.actions import services as actions
from cspr.actions.models import Action
from cspr.calendar import add_months
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.deadlines.models import Deadline
from cspr.partnerships import services as partnerships
from cspr.reviews import services as reviews
from cspr.services.context import Context, london_today
from tests.api_kit import Api, make_member
from tests.web_kit import date, signed_in

SLUG = "doncaster"


@pytest.fixture
def plan(app):
    """A review with its final report agreed and one recommendation; (recommendation id, agency)."""
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy(SLUG), actor="test")
            review = reviews.start(ctx, kind="local_cspr", title="Child P", decided_on=dt.date(2026, 3, 2))
            reviews.agree_terms(ctx, review, agreed_on=dt.date(2026, 3, 20))
            reviews.commission_reviewer(ctx, review, commissioned_on=dt.date(2026, 3, 25), reviewer_name="R")
            partners = [a["key"] for a in ctx.policy.partners["safeguarding_partners"]]
            reviews.agree_final_report(ctx, review, agreed_on=dt.date(2026, 8, 3), agreed_by=partners)
            rec = actions.add_recommendation(ctx, review, text="Share information sooner")
            return rec.id, review.id, ctx.policy.agencies[0]["key"]


def count_actions(app) -> tuple[int, int]:
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            return (session.scalar(select(func.count()).select_from(Action)),
                    session.scalar(select(func.count()).select_from(Deadline).where(
                        Deadline.kind == "action_due")))


def test_the_api_refuses_an_action_due_in_2020_and_records_nothing(app, client, plan):
    rec, _, agency = plan
    api = Api(client, make_member(app, SLUG, Role.ADMIN))
    body = {"description": "Joint training", "owner_agency": agency}
    refused = api.post(f"/recommendations/{rec}/actions", json={**body, "due_on": "2020-01-01"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"] == {"due_on": "Due date must be today or in the future"}
    too_far = add_months(london_today(), 60) + dt.timedelta(days=1)
    refused = api.post(f"/recommendations/{rec}/actions", json={**body, "due_on": too_far.isoformat()})
    assert refused.get_json()["errors"]["json"]["due_on"].startswith(
        "Due date must be within 5 years from today")
    assert count_actions(app) == (0, 0)
    assert ok_overdue(api) == []

    made = api.post(f"/recommendations/{rec}/actions", json={**body, "due_on": london_today().isoformat()})
    assert made.status_code == 201
    moved = api.patch(f"/actions/{made.get_json()['id']}", json={"due_on": "2020-01-01"})
    assert moved.status_code == 422
    assert moved.get_json()["errors"]["json"] == {"due_on": "Due date must be today or in the future"}
    assert api.get(f"/actions/{made.get_json()['id']}").get_json()["due_on"] == london_today().isoformat()
    moved_on_by_an_action_recorded_earlier(app, api, rec, agency)


def ok_overdue(api: Api) -> list:
    response = api.get("/deadlines?overdue=true&kind=action_due")
    assert response.status_code == 200
    return response.get_json()


def test_the_staff_form_refuses_it_and_the_plan_shows_no_impossible_lateness(app, client, plan):
    rec, rid, agency = plan
    admin = signed_in(app, client, SLUG, Role.ADMIN)
    url = f"/app/{SLUG}/recommendations/{rec}/actions/new"
    refused = admin.submit(url, {"description": "Joint training", "owner_agency": agency,
                                 "due_on": date("2020-01-01")})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "There is a problem" in html and "Due date must be today or in the future" in html
    assert 'href="#due_on-day"' in html
    assert count_actions(app) == (0, 0)
    assert "working days" not in admin.get(f"/app/{SLUG}/reviews/{rid}/plan").get_data(as_text=True)
    done = admin.submit(url, {"description": "Joint training", "owner_agency": agency,
                              "due_on": date(london_today().isoformat())})
    assert done.status_code == 302
    assert count_actions(app) == (1, 1)


def moved_on_by_an_action_recorded_earlier(app, api: Api, rec: int, agency: str) -> None:
    """An action recorded last month, now overdue, can still be completed: only a new due date is checked."""
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            earlier = london_today() - dt.timedelta(days=40)
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy(SLUG), actor="test",
                          today=earlier)
            action = actions.add_action(ctx, actions.get_recommendation(ctx, rec), description="Audit files",
                                        owner_agency=agency, due_on=earlier + dt.timedelta(days=10))
            aid, due = action.id, action.due_on
    assert f"action:{aid}" in [d["subject"] for d in ok_overdue(api)]
    same = api.patch(f"/actions/{aid}", json={"rag": "red", "due_on": due.isoformat()})
    assert same.status_code == 200 and same.get_json()["rag"] == "red"
    done = api.patch(f"/actions/{aid}", json={"rag": "complete", "evidence": "Audit report",
                                              "completed_on": london_today().isoformat()})
    assert done.status_code == 200 and done.get_json()["rag"] == "complete"
