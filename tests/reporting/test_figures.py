"""The yearly figures of a seeded year match the hand count, the same in the page and the API.

The year (April 2025 to March 2026) has on-time and late notifications, rapid reviews and
publications, a review past its target with its reason, an action plan with overdue actions, and
published reviews with themes (tests/reporting/year_kit.py counts each figure by hand).
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from cspr.accounts.models import Role
from tests.api_kit import Api, make_member
from tests.reporting.year_kit import EXPECTED, YEAR, plain, seed_in_app
from tests.web_kit import signed_in

SLUG = "doncaster"


@pytest.fixture
def seeded(app):
    seed_in_app(app, SLUG)
    return app


def api_figures(api: Api, **query) -> dict[str, dict]:
    response = api.get("/figures", query_string={"year": YEAR, **query})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    return {f["key"]: f for t in body["tables"] for f in t["figures"]} | {"_body": body}


def test_every_figure_in_the_api_is_the_hand_count(seeded, client):
    api = Api(client, make_member(seeded, SLUG, Role.VIEWER))
    found = api_figures(api)
    body = found.pop("_body")
    assert body["reporting_year"] == {"year": 2025, "label": "April 2025 to March 2026",
                                      "starts_on": "2025-04-01", "ends_on": "2026-03-31"}
    assert body["as_of"] == "2026-03-31"
    for key, (count, of, names) in EXPECTED.items():
        figure = found[key]
        assert (figure["count"], figure["of"]) == (count, of), key
        assert {plain(c["name"]) for c in figure["cases"]} == names, key
    assert found["notifications.in_time"]["percent"] == 67  # 2 of 3
    assert found["rapid_reviews.late"]["percent"] == 50
    # themes by frequency: the most frequent first
    themes = [f["label"] for t in body["tables"] if t["key"] == "themes" for f in t["figures"]]
    assert themes == ["Neglect", "Domestic abuse", "Parental mental health"]


def test_the_year_before_counts_only_its_own_cases(seeded, client):
    api = Api(client, make_member(seeded, SLUG, Role.VIEWER))
    found = api_figures(api, year=YEAR - 1)
    # Elm was notified on 5 March 2025, in time (due 10 March); Fir was decided on 3 March 2025
    assert found["notifications.made"]["count"] == 1
    assert found["notifications.in_time"]["count"] == 1
    assert found["rapid_reviews.made"]["count"] == 0
    assert found["rapid_reviews.overdue"]["count"] == 1  # Elm's, due 26 March, sent 4 April
    assert found["local_reviews.commissioned"]["count"] == 1


def test_a_wrong_year_or_area_is_refused_with_a_message(seeded, client):
    api = Api(client, make_member(seeded, SLUG, Role.VIEWER))
    wrong = api.get("/figures", query_string={"year": 1850})
    assert wrong.status_code == 422
    assert "Enter a reporting year from 2000 to 2100" in wrong.get_data(as_text=True)
    area = api.get("/figures", query_string={"area": "Atlantis"})
    assert area.status_code == 422
    assert "Select one of the partnership's areas: Doncaster" in area.get_data(as_text=True)


def rows_of(page: str) -> dict[str, str]:
    """Each figure row of the page: its id -> the number shown."""
    found = {}
    for row_id, cells in re.findall(r'<tr class="govuk-table__row" id="figure-([^"]+)">(.*?)</tr>', page, re.S):
        number = re.findall(r'govuk-table__cell--numeric">(.*?)</td>', cells, re.S)[0]
        found[row_id] = re.sub(r"<[^>]+>|<span.*?</span>", "", re.sub(r"<span.*?</span>", "", number)).strip()
    return found


def test_the_page_shows_the_same_figures_and_links_to_the_cases(seeded, client):
    browser = signed_in(seeded, client, SLUG, Role.VIEWER)
    page = browser.client.get(f"/app/{SLUG}/figures?year={YEAR}")
    assert page.status_code == 200
    text = unescape(page.get_data(as_text=True))
    assert "Yearly figures, April 2025 to March 2026" in text
    shown = rows_of(text)
    for key, (count, _of, _names) in EXPECTED.items():
        assert shown[key.replace(".", "-").replace(" ", "-")] == str(count), key
    assert "67% of 3" in text
    # a figure's number links to the cases behind it, and each case to its page
    link = re.search(r'href="([^"]*figure=notifications.late[^"]*)"', text).group(1)
    cases = browser.client.get(unescape(link))
    assert cases.status_code == 200
    listed = unescape(cases.get_data(as_text=True))
    assert "After 5 working days: 1 (33% of 3)" in listed
    assert "Child Birch" in listed and "Child Alder" not in listed
    incident = re.search(r'<ul class="govuk-list govuk-list--bullet" id="cases">\s*<li><a class="govuk-link" href="([^"]+)"',
                         listed).group(1)
    assert "Child Birch" in browser.client.get(incident).get_data(as_text=True)


def test_the_page_explains_a_wrong_year_in_words(seeded, client):
    browser = signed_in(seeded, client, SLUG, Role.VIEWER)
    page = browser.client.get(f"/app/{SLUG}/figures?year=nineteen")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "There is a problem" in text and "Not a valid integer." not in text
    assert "Enter the reporting year as the year it starts in, like 2025" in text
    assert 'href="#year"' in text
