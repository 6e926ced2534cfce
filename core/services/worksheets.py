"""Text fit for a worksheet or a Word table: no characters a workbook cannot hold, no formula to run."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

#: The control characters an XLSX (or DOCX) part cannot hold: the same set openpyxl refuses.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: How a cell's text starts when a spreadsheet program would run it as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def writable(value: Any) -> Any:
    """Text without the control characters a worksheet cannot hold (they would fail the export)."""
    return ILLEGAL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def formula_safe(value: Any) -> Any:
    """Text a spreadsheet program will show and never run: a leading formula character is quoted."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def cell_text(value: Any) -> Any:
    """Both: what a worksheet can hold, shown and never run."""
    return formula_safe(writable(value))


#: How a date is shown in the workbooks people open (a real date underneath, sortable and filterable).
DATE_FORMAT = "dd/mm/yyyy"
_WIDEST = 60  # characters: longer text wraps within the column


def lay_out(sheet: Any, headings: list[str], rows: list[list[Any]]) -> None:
    """A table a person can use: a bold, frozen heading row with a filter on it, real dates shown as
    dd/mm/yyyy, and each column as wide as its longest value (longer text wraps).
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([cell_text(value) for value in row])
    widths = [len(h) for h in headings]
    for line in sheet.iter_rows(min_row=2):
        for i, cell in enumerate(line):
            value = cell.value
            if isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
                size = len(DATE_FORMAT)
            elif value is None:
                size = 0
            else:
                size = max((len(part) for part in str(value).splitlines()), default=0)
            if size > _WIDEST:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            widths[i] = max(widths[i], min(size, _WIDEST))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{max(sheet.max_row, 1)}"
