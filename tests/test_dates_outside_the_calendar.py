"""A date the working-day calendar cannot count from is a clear error naming the field, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest

from cspr.models import Role
from cspr.workflow import reviews
from cspr.workflow.errors import InputError
from tests.api_kit import Api, make_member
from tests.test_lifecycle import make_ctx
from tests.test_report_before_publication import ready_to_plan


def test_an_incident_from_before_the_calendars_years_is_refused_with_the_field(app, client):
    api = Api(client, make_member(app, "doncaster", Role.ADMIN))
    body = {"pseudonym": "Child O", "la_case_reference": "L", "age_band": "1_4", "harm": "serious_harm",
            "incident_on": "1975-03-03", "aware_on": "1975-03-03", "la_area": "Doncaster"}
    response = api.post("/incidents", body)
    assert response.status_code == 422
    message = response.get_json()["errors"]["json"]["aware_on"]
    assert "must be between 1978 and 2100" in message
    assert api.get("/incidents").get_json() == []  # nothing was recorded


def test_a_publication_planned_after_the_calendars_years_is_refused_with_the_field(session, registry):
    ctx = make_ctx(session, registry.policy("doncaster"), today=dt.date(2026, 3, 14))
    review = ready_to_plan(ctx)
    reviews.plan_publication(ctx, review, planned_on=dt.date(2026, 3, 14))
    reviews.send_report(ctx, review, sent_on=dt.date(2026, 3, 4))
    with pytest.raises(InputError) as refused:
        reviews.plan_publication(ctx, review, planned_on=dt.date(2101, 1, 4))
    assert "must be between 1978 and 2100" in refused.value.errors["planned_on"]


def test_a_review_decided_in_year_5_is_refused_and_an_old_row_still_has_a_standing(app, client):
    from cspr.calendar import ENGLAND
    from cspr.models import Deadline, DeadlineState
    from cspr.workflow.deadlines import standing

    api = Api(client, make_member(app, "doncaster", Role.ADMIN))
    response = api.post("/reviews", {"decided_on": "0005-01-01", "kind": "local_cspr", "title": "Under 1"})
    assert response.status_code == 422  # the fuzzer's 500
    assert "must be between 1978 and 2100" in response.get_json()["errors"]["json"]["decided_on"]
    assert api.get("/deadlines").status_code == 200
    old = Deadline(kind="publication", label="Publish", subject="review:1", due_on=dt.date(1970, 7, 1),
                   statutory=True, direction="within", state=DeadlineState.OPEN)
    assert standing(old, ENGLAND, dt.date(2026, 12, 1)).status == "overdue"
