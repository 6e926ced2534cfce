"""The board's view of the action plans: overdue first, by agency, the RAG key, as XLSX and Word."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape

import pytest
from docx import Document
from openpyxl import load_workbook

from cspr.accounts.models import Role
from cspr.actions.rag import RAG_KEY
from tests.reporting.year_kit import seed_in_app
from tests.web_kit import signed_in

SLUG = "doncaster"
# Review Alder's plan (tests/reporting/year_kit.py), as it stands today: the red action (due 2 February
# 2026) and the one whose RAG is not set yet (due 30 June 2026) are overdue; the other two are complete.
OVERDUE_FIRST = ["Audit the referrals", "Train the health visitors", "Brief the officers",
                 "Review the threshold document"]


@pytest.fixture
def seeded(app):
    seed_in_app(app, SLUG)
    return app


def actions_shown(html: str) -> list[str]:
    return [unescape(d) for d in re.findall(r'<tr class="govuk-table__row" id="action-\d+">\s*'
                                            r'<td class="govuk-table__cell">([^<]+)</td>', html)]


def test_the_board_sees_every_action_overdue_first_with_the_rag_key(seeded, client):
    viewer = signed_in(seeded, client, SLUG, Role.VIEWER)
    page = viewer.get(f"/app/{SLUG}/action-plans")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert actions_shown(html) == OVERDUE_FIRST
    text = unescape(html)
    assert "Review Alder <strong class=\"govuk-tag govuk-tag--red\">2 overdue</strong>" in text
    assert "Recommendation 1: Referrals are followed up within a week." in text
    assert "Briefing notes" in text and "Not given" in text  # evidence, and no assurance yet
    for status in RAG_KEY:  # the one key, with what each status means
        assert f'{status.tag_class}">{status.label}</strong></dt><dd class="govuk-summary-list__value">' \
               f'{status.meaning}' in text
    plan_url = re.search(r'href="(/app/doncaster/reviews/\d+/plan)"', html).group(1)
    plan = viewer.get(plan_url)
    assert "What the RAG statuses mean" in plan.get_data(as_text=True)  # the key where RAG appears
    assert "What the RAG statuses mean" in viewer.get(f"/app/{SLUG}/").get_data(as_text=True)


def test_the_board_filters_by_owning_agency_and_explains_a_wrong_one(seeded, client):
    viewer = signed_in(seeded, client, SLUG, Role.VIEWER)
    police = viewer.get(f"/app/{SLUG}/action-plans?agency=sy-police").get_data(as_text=True)
    assert actions_shown(police) == ["Brief the officers"]
    assert "Action plans: South Yorkshire Police" in police
    wrong = viewer.get(f"/app/{SLUG}/action-plans?agency=nobody").get_data(as_text=True)
    assert "There is a problem" in wrong and "Select an agency from the list" in wrong
    assert actions_shown(wrong) == OVERDUE_FIRST


def test_the_board_exports_the_same_rows_as_xlsx_and_word(seeded, client):
    partner = signed_in(seeded, client, SLUG, Role.PARTNER)
    xlsx = partner.get(f"/app/{SLUG}/action-plans.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    rows = list(book["Action plans"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == OVERDUE_FIRST
    audit = rows[0]
    assert audit[0] == "Review Alder" and audit[3] == "City of Doncaster Council"
    assert audit[4] == dt.datetime(2026, 2, 2) and isinstance(audit[5], int) and audit[5] > 0
    assert audit[6] == "Red" and audit[8] == "Not given"
    assert book["Action plans"]["G2"].fill.start_color.rgb.endswith("D4351C")  # the key's colour
    assert [r[0] for r in book["RAG key"].iter_rows(min_row=2, values_only=True)] == [
        "Not set", "Red", "Amber", "Green", "Complete"]
    word = partner.get(f"/app/{SLUG}/action-plans.docx?agency=doncaster-council")
    assert word.status_code == 200
    document = Document(io.BytesIO(word.data))
    assert document.paragraphs[0].text == "Action plans: City of Doncaster Council"
    key, plan = document.tables
    assert [r.cells[0].text for r in key.rows[1:]] == ["Not set", "Red", "Amber", "Green", "Complete"]
    assert [r.cells[0].text for r in plan.rows[1:]] == ["Audit the referrals", "Review the threshold document"]
    assert plan.rows[1].cells[2].text.startswith("2 February 2026 (overdue, ")


def test_a_scrutineer_sees_the_published_reviews_plans(seeded, client):
    scrutineer = signed_in(seeded, client, SLUG, Role.SCRUTINEER)
    home = scrutineer.get(f"/app/{SLUG}/").get_data(as_text=True)
    assert "Scrutiny" in home and "Review Alder" in home and "Review Cedar" not in home  # Cedar: unpublished
    assert actions_shown(scrutineer.get(f"/app/{SLUG}/action-plans").get_data(as_text=True)) == OVERDUE_FIRST
    assert scrutineer.get(f"/app/{SLUG}/cases").status_code == 403
    figures = scrutineer.get(f"/app/{SLUG}/figures?year=2025").get_data(as_text=True)
    assert "figure=notifications" not in figures  # the numbers, without links to the cases
