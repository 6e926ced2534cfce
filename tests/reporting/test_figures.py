"""The yearly figures of a seeded year match the hand count, the same in the page and the API.

The year (April 2025 to March 2026) has on-time and late notifications, rapid reviews and
publications, a review past its target with its reason, an action plan with overdue actions, and
published reviews with themes (tests/reporting/year_kit.py counts each figure by hand).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from html import unescape

import pytest
from docx import Document
from openpyxl import load_workbook

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


def test_the_workbook_has_a_sheet_and_a_chart_per_table_with_the_same_numbers(seeded, client):
    api = Api(client, make_member(seeded, SLUG, Role.VIEWER))
    response = api.get("/figures.xlsx", query_string={"year": YEAR})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="doncaster-figures-2025.xlsx"'
    book = load_workbook(io.BytesIO(response.data))  # charts are not read back by openpyxl: see the zip
    about = {row[0]: row[1] for row in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Starts"] == dt.datetime(2025, 4, 1) and about["Ends"] == dt.datetime(2026, 3, 31)
    assert about["Reporting year"] == "April 2025 to March 2026"
    read: dict[str, tuple] = {}
    for sheet, table in zip(book.sheetnames[1:-1], api_figures(api)["_body"]["tables"], strict=True):
        rows = list(book[sheet].iter_rows(min_row=4, values_only=True))
        assert [r[0] for r in rows] == [f["label"] for f in table["figures"]], sheet
        for figure, row in zip(table["figures"], rows, strict=True):
            read[figure["key"]] = row
    for key, (count, of, _names) in EXPECTED.items():
        label, number, out_of, share = read[key]
        assert (number, out_of) == (count, of), key
        assert isinstance(number, int)
        assert share == (pytest.approx(count / of) if of else None), key
    assert book["Notifications"]["D5"].number_format == "0%"
    with zipfile.ZipFile(io.BytesIO(response.data)) as parts:
        drawn = [n for n in parts.namelist() if n.startswith("xl/charts/chart")]
        assert len(drawn) == len(book.sheetnames) - 2  # every table's sheet has its native chart
        first = parts.read("xl/charts/chart1.xml").decode()
        assert "<barChart>" in first and '<barDir val="bar"/>' in first
        assert "'Notifications'!$B$4:$B$7" in first  # drawn from the sheet's numbers, not a picture
    cases = list(book["Cases"].iter_rows(min_row=2, values_only=True))
    late = [plain(r[3]) for r in cases if r[0] == "Notifications to the Panel" and r[1] == "After 5 working days"]
    assert late == ["Child Birch"]


def test_the_word_section_has_every_table_and_its_chart(seeded, client):
    labels = {k: f["label"] for k, f in api_figures(Api(client, make_member(seeded, SLUG, Role.VIEWER))).items()
              if k != "_body"}
    browser = signed_in(seeded, client, SLUG, Role.PARTNER)
    response = browser.client.get(f"/app/{SLUG}/figures.docx?year={YEAR}")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "Yearly figures, April 2025 to March 2026"
    read = {}
    for grid in document.tables:
        for row in grid.rows[1:]:
            label, number, share = (c.text for c in row.cells)
            read.setdefault(label, []).append((number, share))
    for key, (count, of, _names) in EXPECTED.items():
        shown = (str(count), f"{int(100 * count / of + 0.5)}% of {of}" if of else "")
        assert shown in read[labels[key]], key
    assert ("2", "67% of 3") in read["Within 5 working days"]
    assert len(document.inline_shapes) == 8  # a chart for each main table
    alt = document.inline_shapes[0]._inline.docPr.get("descr")
    assert alt.startswith("Bar chart of notifications to the panel. Notifications made: 3;")

