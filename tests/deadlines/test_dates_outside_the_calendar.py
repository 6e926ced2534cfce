"""A date the working-day calendar cannot count from is a clear error naming the field, never a 500.

The input ranges (cspr.services.dates, 2000 to five years ahead) refuse such dates first; these
tests pin the calendar's own guard behind them, for any path that reaches the clocks directly.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cspr.accounts.models import Role
from cspr.calendar import ENGLAND
from cspr.cases import incidents
from cspr.deadlines import services as deadlines
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.reviews import services as reviews
from cspr.services.errors import InputError
from tests.api_kit import Api, make_member
from tests.cases.test_lifecycle import make_ctx
from tests.deadlines.test_report_before_publication import ready_to_plan


def test_dates_the_calendar_cannot_count_from_are_422s_naming_the_field(app, client):
    api = Api(client, make_member(app, "doncaster", Role.ADMIN))
    body = {"pseudonym": "Child O", "la_case_reference": "L", "age_band": "1_4", "harm": "serious_harm",
            "incident_on": "1975-03-03", "aware_on": "1975-03-03", "la_area": "Doncaster"}
    response = api.post("/incidents", body)
    assert response.status_code == 422 and "aware_on" in response.get_json()["errors"]["json"]
    response = api.post("/reviews", {"decided_on": "0005-01-01", "kind": "local_cspr", "title": "Under 1"})
    assert response.status_code == 422 and "decided_on" in response.get_json()["errors"]["json"]
    assert api.get("/deadlines").status_code == 200
    assert api.get("/incidents").get_json() == []  # nothing was recorded


def test_the_clocks_refuse_an_anchor_outside_the_calendar_with_the_field(session, registry):
    ctx = make_ctx(session, registry.policy("doncaster"), today=dt.date(2026, 3, 14))
    incident = incidents.record(ctx, pseudonym="Child O", la_case_reference="L", la_area="Doncaster",
                                age_band="1_4", harm="serious_harm", incident_on=dt.date(2026, 3, 2),
                                aware_on=dt.date(2026, 3, 3))
    incident.aware_on = dt.date(1975, 3, 3)  # past the input ranges, as an import or a script might
    with pytest.raises(InputError) as refused:
        deadlines.sync_case(ctx, incident=incident)
    assert "must be between 1978 and 2100" in refused.value.errors["aware_on"]


def test_the_publication_gate_refuses_a_day_outside_the_calendar_with_the_field(session, registry):
    ctx = make_ctx(session, registry.policy("doncaster"), today=dt.date(2026, 3, 14))
    review = ready_to_plan(ctx)
    reviews.plan_publication(ctx, review, planned_on=dt.date(2026, 3, 14))
    reviews.send_report(ctx, review, sent_on=dt.date(2026, 3, 4))
    with pytest.raises(InputError) as refused:
        reviews.plan_publication(ctx, review, planned_on=dt.date(2101, 1, 4))
    assert "planned_on" in refused.value.errors  # the input range says so first


def test_an_old_deadline_row_still_has_a_standing():
    old = Deadline(kind="publication", label="Publish", subject="review:1", due_on=dt.date(1970, 7, 1),
                   statutory=True, direction="within", state=DeadlineState.OPEN)
    assert deadlines.standing(old, ENGLAND, dt.date(2026, 12, 1)).status == "overdue"
