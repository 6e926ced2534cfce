"""Reading a filled-in going-live template: its sheets' rows, each cell as the schema's value or a problem.

A workbook (XLSX) is read by its sheets' names; a CSV file is one sheet, told by its headings.
Formulas, macros, files too large and workbooks that unpack to far more than they weigh are
refused, as for the chronology's spreadsheets (whose cell reading this shares).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cspr.chronology import dates as partial_dates
from cspr.chronology.spreadsheets import (
    FORMULA,
    Cell,
    ImportRefused,
    RowError,
    filled,
    open_workbook,
    read_rows,
    refuse,
    sheet_rows,
    unreadable,
)
from cspr.imports.sheets import MAX_ROWS, SHEETS, Column, Sheet, words_of
from cspr.reviews import dates as publication_dates
from cspr.services.context import Context
from cspr.services.worksheets import writable

MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED = 80 * 1024 * 1024
MAX_COLUMNS = 40
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0"}
#: Headings that would hold what the platform never keeps about a child.
#: The longest text each column takes (what its record holds); any other text column takes 200 characters.
LONGEST = {
    "la_case_reference": 64,
    "panel_reference": 64,
    "pseudonym": 100,
    "report_url": 500,
    "recommendation": 10_000,
    "response": 10_000,
    "description": 10_000,
    "evidence": 10_000,
    "summary": 10_000,
    "publication_note": 2_000,
}
NOT_KEPT = (
    "child's name",
    "childs name",
    "child name",
    "first name",
    "surname",
    "forename",
    "family name",
    "full name",
    "date of birth",
    "dob",
    "address",
    "postcode",
    "nhs number",
)


@dataclass
class Row:
    """One data row of a sheet: its number as the spreadsheet shows it, and its values by column key."""

    sheet: Sheet
    number: int
    values: dict[str, Any]


def read_file(content: bytes) -> dict[str, list[tuple[int, list[Cell]]]]:
    """The rows of each template sheet the file holds (by the sheet's key), heading row first."""
    if not content:
        raise refuse("The file is empty")
    if len(content) > MAX_BYTES:
        raise refuse("The file must be smaller than 10 MB")
    if content[:4] != b"PK\x03\x04":
        rows = read_rows(content)  # CSV (or refused); one sheet, told by its headings
        if not rows:
            raise refuse("The file is empty: fill in the template and upload it again")
        return {_sheet_of_csv(rows[0][1]).key: rows}
    return _workbook(content)


def _sheet_of_csv(headings: list[Cell]) -> Sheet:
    """The template whose headings these are (the closest one, when a heading is not the template's)."""
    given = {_heading(c) for c in headings if _heading(c)}

    def fit(sheet: Sheet) -> tuple[bool, int]:
        names = {c.heading.lower() for c in sheet.columns}
        required = {c.heading.lower() for c in sheet.columns if c.required}
        return (given <= names and required <= given, len(given & names))

    best = max(SHEETS, key=fit)
    if not fit(best)[1]:
        raise refuse(
            "Row 1 must have the headings of one of the templates (incidents, reviews, action plans "
            "or published reviews): download a CSV template and keep its headings"
        )
    return best


def _workbook(content: bytes) -> dict[str, list[tuple[int, list[Cell]]]]:
    book = open_workbook(content, noun="file", max_parts=300, max_unpacked=MAX_UNPACKED)
    try:
        found: dict[str, list[tuple[int, list[Cell]]]] = {}
        for sheet in SHEETS:
            if sheet.name in book.sheetnames:
                rows = sheet_rows(book[sheet.name], max_columns=MAX_COLUMNS, max_rows=MAX_ROWS)
                if rows:
                    found[sheet.key] = rows
        if not found:
            raise refuse(
                "The workbook has none of the template's sheets (Incidents, Reviews, Action plans, "
                "Published reviews): download the template and fill it in"
            )
        return found
    except ImportRefused:
        raise
    except Exception:  # however a workbook breaks while it is read, it is refused
        raise refuse(unreadable("file")) from None
    finally:
        book.close()


def _heading(cell: Cell) -> str:
    return " ".join(str(cell.value or "").split()).lower()


def columns_of(sheet: Sheet, heading_row: list[Cell]) -> dict[int, Column]:
    """Column position -> column, from the heading row; refused unless the headings are the template's."""
    by_heading = {c.heading.lower(): c for c in sheet.columns}
    found: dict[int, Column] = {}
    for position, cell in enumerate(heading_row):
        heading = _heading(cell)
        if not heading:
            continue
        if any(word in heading for word in NOT_KEPT):
            raise refuse(
                f"Row 1: the column '{str(cell.value)[:40]}' would hold what the "
                "platform never keeps about a child (a name, date of birth or address). Remove it: "
                "a child is known by a pseudonym and the local authority's case reference only"
            )
        if heading not in by_heading:
            raise refuse(
                f"Row 1 has a heading the template does not: '{str(cell.value)[:40]}'. "
                "Use the template's headings"
            )
        found[position] = by_heading[heading]
    missing = [c.heading for c in sheet.columns if c.required and c not in found.values()]
    if missing:
        raise refuse(f"Row 1 must have the template's headings; it has no {' or '.join(missing)} column")
    return found


def rows_of(
    ctx: Context, sheet: Sheet, rows: list[tuple[int, list[Cell]]], errors: list[RowError]
) -> list[Row]:
    """The sheet's data rows with their values; each cell's problem added to ``errors``."""
    (_, heading_row), data = rows[0], rows[1:]
    columns = columns_of(sheet, heading_row)
    if len(data) > MAX_ROWS:
        raise refuse(
            f"The sheet has more than {MAX_ROWS:,} rows: split it into files of {MAX_ROWS:,} rows or fewer"
        )
    out = []
    for number, cells in data:
        values: dict[str, Any] = {}
        for position, cell in enumerate(cells):
            column = columns.get(position)
            if column is None:
                if filled(cell):
                    errors.append(
                        RowError(
                            number,
                            f"column {position + 1}",
                            f"Column {position + 1} has no heading: put values only under the "
                            "template's columns",
                        )
                    )
                continue
            value = _value(ctx, column, cell, number, errors)
            if value is not None:
                values[column.key] = value
        for column in sheet.columns:
            if (
                column.required
                and column.key not in values
                and not any(e.row == number and e.column == column.heading for e in errors)
            ):
                errors.append(RowError(number, column.heading, f"Enter the {lowered(column.heading)}"))
        out.append(Row(sheet, number, values))
    return out


def lowered(heading: str) -> str:
    """A heading inside a sentence: 'Date of the incident' -> 'date of the incident'."""
    return heading if heading.startswith(("RAG", "Panel")) else heading[:1].lower() + heading[1:]


def _value(ctx: Context, column: Column, cell: Cell, row: int, errors: list[RowError]) -> Any:
    """A cell as the services take it, or None (empty, or a problem recorded)."""
    value = cell.value
    problem = _problem_adder(errors, row, column)
    if cell.formula or (isinstance(value, str) and FORMULA.match(value)):
        return problem("enter a value, not a formula: copy the cell and paste it as a value")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if column.kind == "date":
        if isinstance(value, dt.datetime | dt.date):
            if cell.month_only:
                return problem("enter the day too, like 27/03/2025")
            return value.date() if isinstance(value, dt.datetime) else value
        found = partial_dates.parse(str(value))
        if found is None:
            return problem("enter a real date, like 27/03/2025")
        if found.day is None:
            return problem("enter the day too, like 27/03/2025")
        return dt.date(found.year, found.month, found.day)
    if column.kind == "publication_date":
        if isinstance(value, dt.datetime | dt.date):
            day = value.date() if isinstance(value, dt.datetime) else value
            return f"{day:%Y-%m}" if cell.month_only else day.isoformat()
        text = " ".join(str(value).split())
        if isinstance(value, int | float) and float(value).is_integer():
            text = str(int(value))
        try:
            return publication_dates.parse(text).iso()
        except ValueError:
            found = partial_dates.parse(text)
            if found is None:
                return problem(
                    "enter a real date, like 27/03/2014, a month and year, like March 2014, or "
                    "only the year, like 2014"
                )
            return found.iso()
    if isinstance(value, dt.datetime | dt.date | int | float) and not isinstance(value, bool):
        value = str(value)
    text = writable(str(value)).strip()
    if column.kind == "yes_no":
        word = text.lower()
        if word in YES:
            return True
        if word in NO:
            return False
        return problem("enter Yes or No")
    if column.kind == "choice":
        choices = words_of(ctx, column)
        picked = choices.get(" ".join(text.split()).lower())
        if picked is None:
            return problem(f"choose one of: {'; '.join(column.choices(ctx).values())}")
        return picked
    if column.kind == "list":
        return [part.strip() for part in text.split(";") if part.strip()]
    longest = LONGEST.get(column.key, 200)
    if len(text) > longest:
        return problem(f"must be {longest:,} characters or fewer")
    return text


def _problem_adder(errors: list[RowError], row: int, column: Column):  # noqa: ANN202
    def add(message: str) -> None:
        errors.append(RowError(row, column.heading, message))

    return add
