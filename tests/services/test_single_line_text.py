"""Pseudonyms, titles and names: no direction-changing characters, control characters or markup."""

from __future__ import annotations

import html as html_lib

import pytest

from cspr.accounts.models import Role
from cspr.services.plain_text import single_line_problem
from tests.api_kit import Api, make_member
from tests.web_kit import date, signed_in

DIRECTION = "must not contain hidden characters that change the direction of the text"
BAD = {
    "Child A\u202egnp.exe": DIRECTION,  # RIGHT-TO-LEFT OVERRIDE
    "Child \u2066B\u2069": DIRECTION,  # an isolate
    "Child \u200fC": DIRECTION,  # RIGHT-TO-LEFT MARK
    "Child \u061cD": DIRECTION,  # ARABIC LETTER MARK
    "Child <script>alert(1)</script>": "must not contain markup",
    "Child </b>E": "must not contain markup",
    "Child\tF": "must not contain control characters",
    "Child\x1bG": "must not contain control characters",
    "Child\nH": "must be on one line",
    "Child\u2028I": "must be on one line",
}
GOOD = ["Child K", "Young Person A (aged 5)", "Child Ó'Brien-Ngũ", "طفل أ", "Child <3", "Siblings A & B"]


@pytest.mark.parametrize("char", [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                                      0x200E, 0x200F, 0x061C]])
def test_every_direction_control_is_refused(char):
    assert single_line_problem(f"Child {char}A") == DIRECTION


@pytest.mark.parametrize("value", GOOD)
def test_ordinary_names_in_any_script_pass(value):
    assert single_line_problem(value) is None


INCIDENT_FORM = {"la_case_reference": "LA-77", "la_area": "Doncaster", "age_band": "1_4",
                 "harm": "serious_harm", "incident_on": date("2026-03-02"), "aware_on": date("2026-03-03")}


def test_the_staff_forms_refuse_them_naming_the_field(app, client):
    admin = signed_in(app, client, "doncaster", Role.ADMIN)
    for value, problem in BAD.items():
        response = admin.submit("/app/doncaster/incidents/new", {**INCIDENT_FORM, "pseudonym": value})
        page = html_lib.unescape(response.get_data(as_text=True))
        assert response.status_code == 400, value
        assert "There is a problem" in page and 'href="#pseudonym"' in page
        assert f"Pseudonym {problem}" in page, value
    response = admin.submit("/app/doncaster/reviews/new", {"kind": "thematic", "title": "Neglect \u202eweiver",
                                                          "decided_on": date("2026-03-02")})
    assert response.status_code == 400 and f"Title {DIRECTION}" in html_lib.unescape(response.get_data(as_text=True))
    response = admin.submit("/app/doncaster/members/new", {"email": "someone@example.org", "role": "viewer",
                                                          "name": "<img src=x onerror=alert(1)>"})
    assert response.status_code == 400
    assert "Full name must not contain markup" in html_lib.unescape(response.get_data(as_text=True))
    cases = admin.get("/app/doncaster/cases").get_data(as_text=True)
    assert "Child A" not in cases and "gnp.exe" not in cases
    good = admin.submit_checked("/app/doncaster/incidents/new", {**INCIDENT_FORM, "pseudonym": "Child Ó'Brien-Ngũ"})
    assert good.status_code == 302


def test_the_api_refuses_them_naming_the_field(app, client):
    api = Api(client, make_member(app, "doncaster", Role.ADMIN))
    body = {"la_case_reference": "LA-2026-77", "la_area": "Doncaster", "age_band": "1_4",
            "harm": "serious_harm", "incident_on": "2026-03-02", "aware_on": "2026-03-03"}
    for value, problem in BAD.items():
        response = api.post("/incidents", {**body, "pseudonym": value})
        assert response.status_code == 422, value
        (message,) = response.get_json()["errors"]["json"]["pseudonym"]
        assert message.startswith(f"Pseudonym {problem}"), message
    response = api.post("/incidents", {**body, "pseudonym": "Child K", "la_case_reference": "LA\u202e77"})
    assert response.get_json()["errors"]["json"]["la_case_reference"] == [
        f"Local authority case reference {DIRECTION}"]
    response = api.post("/reviews", {"kind": "thematic", "title": "<b>Neglect</b>", "decided_on": "2026-03-02"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["title"] == ["Title must not contain markup, like <b> or <script>"]
    assert api.get("/incidents").get_json() == []  # nothing was stored
    assert api.post("/incidents", {**body, "pseudonym": "طفل أ"}).status_code == 201
