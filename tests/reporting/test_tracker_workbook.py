"""The Excel tracker a business manager opens: dates as dd/mm/yyyy, fitted columns, a filter on a frozen
heading row, words instead of codes, an Actions sheet and the RAG key (read back with openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from cspr.accounts.models import Role
from cspr.actions.rag import RAG_KEY
from cspr.reporting.exports import ACTION_HEADINGS, COLUMNS
from cspr.reviews.inputs import KIND_LABELS
from tests.reporting.year_kit import seed_in_app
from tests.web_kit import signed_in

SLUG = "doncaster"
CODE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")  # 'local_cspr', 'sent_to_panel', 'no_review'


@pytest.fixture
def book(app, client):
    seed_in_app(app, SLUG)
    admin = signed_in(app, client, SLUG, Role.ADMIN)
    response = admin.get(f"/app/{SLUG}/cases.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    return load_workbook(io.BytesIO(response.data))


def rows_of(sheet) -> list[dict]:
    headings = [c.value for c in sheet[1]]
    return [dict(zip(headings, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_workbook_has_the_tracker_the_actions_and_the_rag_key(book):
    assert book.sheetnames == ["Tracker", "Actions", "RAG key"]
    for sheet in book.worksheets:
        last = get_column_letter(sheet.max_column)
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title  # the filter on the headings
        assert all(c.font.bold for c in sheet[1]), sheet.title
    assert [c.value for c in book["Tracker"][1]] == [h for _, h in COLUMNS]
    assert [c.value for c in book["Actions"][1]] == ACTION_HEADINGS
    assert [tuple(r) for r in book["RAG key"].iter_rows(min_row=2, values_only=True)] == [
        (s.label, s.meaning) for s in RAG_KEY]


def test_dates_are_real_dates_shown_dd_mm_yyyy_and_columns_fit_their_values(book):
    sheet = book["Tracker"]
    dated = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, dt.datetime)]
    assert len(dated) > 20
    assert {c.number_format for c in dated} == {"dd/mm/yyyy"}
    for column in sheet.iter_cols():
        letter = column[0].column_letter
        longest = max(min(len(str(c.value)), 60) if not isinstance(c.value, dt.datetime) else 10
                      for c in column if c.value is not None)
        width = sheet.column_dimensions[letter].width
        assert longest <= width <= longest + 4, (column[0].value, longest, width)
    alder = next(r for r in rows_of(sheet) if r["Pseudonym"] == "Child Alder")
    assert alder["LA aware"] == dt.datetime(2025, 6, 2) and alder["Published"] == dt.datetime(2025, 12, 1)


def test_words_stand_where_codes_were(book):
    found = [(s.title, c.coordinate, c.value) for s in book.worksheets for row in s.iter_rows() for c in row
             if isinstance(c.value, str) and CODE.match(c.value)]
    assert found == []
    rows = rows_of(book["Tracker"])
    alder = next(r for r in rows if r["Pseudonym"] == "Child Alder")
    assert alder["Kind"] == KIND_LABELS["local_cspr"] and alder["Stage"] == "Published"
    assert alder["Decision"] == "Hold a local child safeguarding practice review"
    birch = next(r for r in rows if r["Pseudonym"] == "Child Birch")
    assert birch["Kind"] == "Incident (no review yet)" and birch["Decision"].startswith("No review")
    text = " ".join(str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row if c.value)
    for code in ("local_cspr", "sent_to_panel", "no_review", "parallel_proceedings", "not_set"):
        assert code not in text, code


def test_the_actions_sheet_has_each_action_with_its_agency_due_date_rag_and_status(book):
    sheet = book["Actions"]
    rows = {r["Action"]: r for r in rows_of(sheet)}
    assert set(rows) == {"Audit the referrals", "Brief the officers", "Train the health visitors",
                         "Review the threshold document"}
    audit = rows["Audit the referrals"]
    assert audit["Review"] == "Review Alder" and audit["Owning agency"] == "City of Doncaster Council"
    assert audit["Recommendation"] == "1. Referrals are followed up within a week."
    assert audit["Due"] == dt.datetime(2026, 2, 2) and audit["RAG"] == "Red"
    assert re.fullmatch(r"Overdue by [\d,]+ working days", audit["Status"])
    assert rows["Train the health visitors"]["RAG"] == "Not set"  # nobody has given it a RAG
    brief = rows["Brief the officers"]  # due 2 March 2026, done on the 15th
    assert brief["RAG"] == "Complete" and brief["Status"] == "Complete, after its due date"
    due = [c for c in sheet["E"][1:]]
    assert {c.number_format for c in due} == {"dd/mm/yyyy"}
