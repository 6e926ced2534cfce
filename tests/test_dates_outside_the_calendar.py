"""A date the working-day calendar cannot count from is a clear 422 naming the field, never a 500."""

from __future__ import annotations

from cspr.models import Role
from tests.api_kit import Api, make_member


def test_an_incident_from_before_the_calendars_years_is_refused_with_the_field(app, client):
    api = Api(client, make_member(app, "doncaster", Role.ADMIN))
    body = {"pseudonym": "Child O", "la_case_reference": "L", "age_band": "1_4", "harm": "serious_harm",
            "incident_on": "1975-03-03", "aware_on": "1975-03-03", "la_area": "Doncaster"}
    response = api.post("/incidents", body)
    assert response.status_code == 422
    message = response.get_json()["errors"]["json"]["aware_on"]
    assert "must be between 1978 and 2100" in message
    assert api.get("/incidents").get_json() == []  # nothing was recorded
