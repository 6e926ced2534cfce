"""Filled-in going-live templates, made with openpyxl from the template the platform gives."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from cspr.imports import sheets

D = dt.date

#: Sheet name -> rows of {heading: value}; the good file.
GOOD = {
    "Incidents": [
        {
            "Pseudonym": "Child K",
            "Local authority case reference": "LA-100",
            "Local authority area": "Doncaster",
            "Age band": "1 to 4",
            "What happened": "The child was seriously harmed",
            "Looked-after child": "No",
            "Date of the incident": D(2026, 3, 2),
            "Date the local authority became aware": D(2026, 3, 3),
            "Date the Panel was notified": D(2026, 3, 9),
            "Panel reference": "P-2026-1",
            "Date of the rapid review meeting": D(2026, 3, 20),
            "Learning themes of the case": "Neglect; Domestic abuse",
            "The partners' decision": "Hold a local child safeguarding practice review",
            "Date the rapid review went to the Panel": D(2026, 3, 27),
            "Title of the review": "Child K review",
        },
        {
            "Pseudonym": "Child L",
            "Local authority case reference": "LA-101",
            "Local authority area": "Doncaster",
            "Age band": "Under 1",
            "What happened": "The child died",
            "Looked-after child": "Yes",
            "Date of the incident": "20/11/2026",
            "Date the local authority became aware": "23/11/2026",
        },
    ],
    "Reviews": [
        {
            "Local authority case reference": "LA-100",
            "Date the terms of reference were agreed": D(2026, 4, 10),
            "Reviewer's name": "A Reviewer",
            "Date the reviewer was commissioned": D(2026, 4, 20),
        },
        {
            "Title of the review": "Neglect in the early years",
            "Kind of review": "Thematic review",
            "Date of the decision to hold the review": D(2026, 2, 2),
        },
    ],
    "Published reviews": [
        {
            "Kind of review": "Serious case review",
            "Title of the review": "Child Z",
            "Date of publication": "2016",
            "What was published": "The full report",
            "Link to the report": "https://library.nspcc.org.uk/child-z",
        },
    ],
    "Action plans": [
        {
            "Review": "Child Z",
            "Recommendation": "Agencies share information at the front door",
            "Action": "Joint training on the front door",
            "Owning agency": "South Yorkshire Police",
            "Due date": D(2026, 6, 30),
            "RAG status": "Red",
        },
        {
            "Review": "Child Z",
            "Recommendation": "Agencies share information at the front door",
            "Action": "Audit of referrals",
            "Owning agency": "City of Doncaster Council",
            "Due date": D(2027, 3, 31),
        },
    ],
}


def workbook(ctx, rows: dict[str, list[dict]]) -> bytes:
    """The platform's template with ``rows`` typed in under its headings, as a person fills it."""
    book = load_workbook(io.BytesIO(sheets.template_xlsx(ctx)))
    for name, entries in rows.items():
        page = book[name]
        headings = [c.value for c in page[1]]
        for number, entry in enumerate(entries, start=2):
            for heading, value in entry.items():
                page.cell(number, headings.index(heading) + 1, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(sheet: sheets.Sheet, entries: list[dict]) -> bytes:
    """One sheet as CSV, the template's headings first."""
    out = io.StringIO()
    writer = csv.writer(out)
    headings = [c.heading for c in sheet.columns]
    writer.writerow(headings)
    for entry in entries:
        writer.writerow([_text(entry.get(h)) for h in headings])
    return out.getvalue().encode("utf-8")


def _text(value) -> str:
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return "" if value is None else str(value)


def with_changes(rows: dict[str, list[dict]], sheet: str, index: int, **changes) -> dict[str, list[dict]]:
    """A copy of ``rows`` with one row's cells changed (by heading)."""
    copy = {name: [dict(r) for r in entries] for name, entries in rows.items()}
    copy[sheet][index].update({k.replace("_", " "): v for k, v in changes.items()})
    return copy
