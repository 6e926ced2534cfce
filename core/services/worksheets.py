"""Text fit for a worksheet or a Word table: no characters a workbook cannot hold, no formula to run."""

from __future__ import annotations

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
