"""Recurring themes on the decision page: the earlier reviews here and in the library that share the case's themes.

The seeded year (tests/reporting/year_kit.py) gives Doncaster three reviews with "Neglect" published
within the last 3 years (Alder, Fir, and the thematic review); Plymouth's legacy review with it was
published in January 2022: within 5 years of today (December 2026), not 3.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from cspr.accounts.models import Role
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.reviews import services as reviews
from cspr.reviews.models import ReviewKind
from cspr.services.context import Context
from tests.api_kit import Api, make_member
from tests.reporting.year_kit import seed_in_app
from tests.web_kit import signed_in

SLUG = "doncaster"


def with_ctx(app, slug, work):
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, slug)
        with acting_for(session, row.id):
            return work(Context(session, row, app.extensions["cspr.plugins"].policy(slug), actor="test"))


@pytest.fixture
def case(app, client):
    seed_in_app(app, SLUG)
    with_ctx(app, "plymouth", lambda c: reviews.record_legacy(
        c, kind=ReviewKind.LOCAL_CSPR, title="Plymouth review of neglect", published_on=dt.date(2022, 1, 10),
        themes=["Neglect"]))
    api = Api(client, make_member(app, SLUG, Role.ADMIN, "case-admin@doncaster.example.org"))
    incident = api.post("/incidents", json={
        "pseudonym": "Child Gorse", "la_case_reference": "LA-G", "la_area": "Doncaster", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": "2026-11-02", "aware_on": "2026-11-02"}).get_json()
    assert api.post(f"/incidents/{incident['id']}/notification", json={"sent_on": "2026-11-03"}).status_code == 201
    return api, incident["id"]


def test_the_meeting_records_the_case_themes_and_refuses_one_off_the_list(case):
    api, iid = case
    wrong = api.post(f"/incidents/{iid}/rapid-review/meeting", json={"themes": ["Weather"]})
    assert wrong.status_code == 422
    assert "Select the themes from the partnership's list; not on it: Weather" in wrong.get_data(as_text=True)
    ok = api.post(f"/incidents/{iid}/rapid-review/meeting",
                  json={"meeting_on": "2026-11-10", "themes": ["Neglect", "Online harm"]})
    assert ok.status_code == 200, ok.get_data(as_text=True)


def test_the_decision_page_shows_how_often_each_theme_recurred_in_3_and_5_years(app, client, case):
    api, iid = case
    assert api.post(f"/incidents/{iid}/rapid-review/meeting",
                    json={"meeting_on": "2026-11-10", "themes": ["Neglect", "Online harm"]}).status_code == 200
    partner = signed_in(app, client, SLUG, Role.PARTNER)
    page = partner.get(f"/app/{SLUG}/incidents/{iid}/decision")
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    rows = {}
    for cells in re.findall(r'<tr class="govuk-table__row" id="recurring-\d+">(.*?)</tr>', html, re.S):
        theme = re.search(r'<th scope="row"[^>]*>([^<]+)</th>', cells).group(1)
        rows[theme] = [int(n) for n in re.findall(r'numeric">(\d+)</td>', cells)]
    # here in 3 and 5 years, then the library (every partnership's published reviews) in 3 and 5 years
    assert rows == {"Neglect": [3, 3, 3, 4], "Online harm": [0, 0, 0, 0]}
    for title in ("Review Alder", "Review Fir", "Thematic review of neglect", "Plymouth review of neglect"):
        assert title in html
    assert "Plymouth review of neglect</a>, Plymouth Safeguarding Children Partnership (10 January 2022)" in html
    assert "No published review in the library has it." in html  # Online harm


def test_without_themes_the_page_says_where_to_record_them(app, client, case):
    _api, iid = case
    partner = signed_in(app, client, SLUG, Role.PARTNER)
    html = partner.get(f"/app/{SLUG}/incidents/{iid}/decision").get_data(as_text=True)
    assert "No learning theme is recorded for this case yet" in html


def test_a_review_whose_date_is_not_given_is_listed_but_counted_in_no_window(app, client, case):
    api, iid = case
    with_ctx(app, "plymouth", lambda c: reviews.record_legacy(
        c, kind=ReviewKind.SCR, title="Plymouth serious case review", published_on="not given",
        themes=["Neglect"]))
    with_ctx(app, "plymouth", lambda c: reviews.record_legacy(
        c, kind=ReviewKind.SCR, title="Plymouth review of 2014", published_on="2014", themes=["Neglect"]))
    assert api.post(f"/incidents/{iid}/rapid-review/meeting",
                    json={"meeting_on": "2026-11-10", "themes": ["Neglect"]}).status_code == 200
    partner = signed_in(app, client, SLUG, Role.PARTNER)
    html = unescape(partner.get(f"/app/{SLUG}/incidents/{iid}/decision").get_data(as_text=True))
    cells = re.search(r'<tr class="govuk-table__row" id="recurring-\d+">(.*?)</tr>', html, re.S).group(1)
    assert [int(n) for n in re.findall(r'numeric">(\d+)</td>', cells)] == [3, 3, 3, 4]  # as before: neither counts
    assert "Plymouth serious case review</a>, Plymouth Safeguarding Children Partnership (date not given)" in html
    assert "Plymouth review of 2014</a>, Plymouth Safeguarding Children Partnership (2014)" in html  # no made-up day
