"""The chronology's spreadsheets: the template (XLSX, CSV), reading one back row by row, and the exports.

An import is all or nothing: every row is loaded through the entry's one schema (``EntryIn``) and
the same rules as an entry added in the app; any problem, in any row, and nothing is imported.
The errors name the row (as the spreadsheet numbers it) and the column. Formulas are refused (a
value is data, never something a spreadsheet program would run), as are macros, files too large
and workbooks that unpack to far more than they weigh.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError

from cspr.cases.models import Incident
from cspr.chronology import services
from cspr.chronology.dates import parse
from cspr.chronology.inputs import MAX_BYTES, EntryIn
from cspr.chronology.models import ChronologyEntry
from cspr.services.context import Context
from cspr.services.errors import InputError
from cspr.services.worksheets import cell_text, writable

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: The template's columns: the schema field each one fills, and its heading.
COLUMNS = [("occurred_on", "Date"), ("agency", "Agency"), ("what_happened", "What happened"),
           ("source", "Source document"), ("key_episode", "Key practice episode")]
HEADINGS = {heading.lower(): name for name, heading in COLUMNS}
REQUIRED = {"occurred_on", "agency", "what_happened"}
MAX_ROWS = 5_000  # entries in one import
MAX_COLUMNS = 30
MAX_UNPACKED = 50 * 1024 * 1024  # what a workbook's parts may add up to once unzipped
MAX_ERRORS = 50  # listed; the rest are counted
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}
#: Text a spreadsheet program would run as a formula: =..., @..., +A1, -2+3+cmd|..., a leading tab or return
#: (a leading + or - is let through only before a space, as a list's dash, or before a plain number).
FORMULA = re.compile(r"^(?:[=@\t\r]|[+\-](?!\s|[\d\s().,]*$))")


@dataclass(frozen=True)
class RowError:
    """A problem with one cell of the spreadsheet."""

    row: int
    column: str
    message: str

    def text(self) -> str:
        """'Row 3: enter what happened' (the message names the column)."""
        return f"Row {self.row}: {self.message[:1].lower()}{self.message[1:]}" if self.row else self.message


class ImportRefused(InputError):
    """The spreadsheet was not imported: each problem with its row and column."""

    def __init__(self, problems: list[RowError], total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        messages = [p.text() for p in problems[:MAX_ERRORS]]
        if self.total > MAX_ERRORS:
            messages.append(f"And {self.total - MAX_ERRORS:,} more problems")
        self.messages = messages
        summary = (messages[0] if self.total == 1 else
                   f"The spreadsheet has {self.total:,} problems and nothing was imported")
        super().__init__({"file": summary,
                          **{f"rows.{p.row}.{p.column}": p.text() for p in problems[:MAX_ERRORS] if p.row}})


def refuse(message: str) -> ImportRefused:
    """A refusal of the whole file."""
    return ImportRefused([RowError(0, "file", message)])


# -- the template --------------------------------------------------------------------------------

def template_xlsx(ctx: Context) -> bytes:
    """The template workbook: the columns, the agencies to choose from, and how to fill it in."""
    from openpyxl import Workbook  # imported where used: openpyxl adds 0.3 s to every command's start
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "Chronology"
    sheet.append([heading for _, heading in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (16, 36, 70, 36, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    agencies = book.create_sheet("Agencies")
    agencies.append(["Agency", "Key"])
    agencies["A1"].font = agencies["B1"].font = Font(bold=True)
    names = services.agency_names(ctx)
    for key, name in names.items():
        agencies.append([name, key])
    agencies.column_dimensions["A"].width = 50
    pick = DataValidation(type="list", formula1=f"=Agencies!$A$2:$A${len(names) + 1}", allow_blank=True,
                          error="Choose one of the partnership's agencies", errorTitle="Agency",
                          showErrorMessage=True)
    pick.add(f"B2:B{MAX_ROWS + 1}")
    flag = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True)
    flag.add(f"E2:E{MAX_ROWS + 1}")
    sheet.add_data_validation(pick)
    sheet.add_data_validation(flag)
    guide = book.create_sheet("How to fill this in")
    for line in GUIDE:
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    book.properties.title = f"{ctx.policy.name}: chronology template"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GUIDE = [
    "One row for each thing that happened. Keep the headings in row 1 as they are.",
    "Date: the day, for example 27/03/2025, or only the month and year, for example March 2025 or 03/2025.",
    "Agency: one of the agencies on the Agencies sheet, by its name or its key.",
    "What happened: what the agency knew or did. Do not enter the child's or family's names, addresses "
    "or dates of birth.",
    "Source document: where it is recorded (optional).",
    "Key practice episode: Yes or No (optional; No if left empty).",
    "Enter values only, not formulas. Save as XLSX or CSV and upload it on the case's chronology page.",
    "Nothing is imported unless every row is right; the page lists each problem with its row.",
]


def template_csv(ctx: Context) -> str:
    """The template as CSV: the headings (the agencies are listed on the import page and in the XLSX)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([heading for _, heading in COLUMNS])
    return buffer.getvalue()


# -- reading a filled-in spreadsheet -------------------------------------------------------------

@dataclass
class Cell:
    """A cell as read: its value, and whether it held a formula."""

    value: Any
    formula: bool = False
    month_only: bool = False  # an Excel date shown without its day (like "Mar-25")


def read_rows(content: bytes) -> list[tuple[int, list[Cell]]]:
    """The rows of an XLSX or CSV file (by content, not by name), numbered as the spreadsheet does."""
    if not content:
        raise refuse("The spreadsheet is empty")
    if len(content) > MAX_BYTES:
        raise refuse("The spreadsheet must be smaller than 5 MB")
    if content[:4] == b"PK\x03\x04":
        return _xlsx_rows(content)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise refuse("The spreadsheet must be an XLSX or CSV file: save it as Excel Workbook (.xlsx) or CSV")
    return _csv_rows(content)


def open_workbook(content: bytes, *, noun: str = "spreadsheet", max_parts: int = 200,
                  max_unpacked: int = MAX_UNPACKED) -> Any:
    """An uploaded XLSX opened read-only, or refused in words: too big unzipped, not a workbook, macros."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
            if len(parts) > max_parts or sum(p.file_size for p in parts) > max_unpacked:
                raise refuse(f"The {noun} is too big once unpacked: make it smaller, or split it")
            names = {p.filename.lower() for p in parts}
            if "xl/workbook.xml" not in names:
                raise refuse(f"The {noun} must be an XLSX or CSV file")
            if any(n.endswith("vbaproject.bin") for n in names):
                raise refuse(f"The {noun} must not contain macros: save it as Excel Workbook (.xlsx)")
        from openpyxl import load_workbook

        return load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except ImportRefused:
        raise
    except Exception:  # a broken zip or workbook, however it breaks, is refused
        raise refuse(unreadable(noun)) from None


def unreadable(noun: str) -> str:
    """What a person reads when a workbook cannot be read at all."""
    return f"The {noun} must be an XLSX or CSV file, and this one cannot be read"


def sheet_rows(sheet: Any, *, max_columns: int, max_rows: int) -> list[tuple[int, list[Cell]]]:
    """A worksheet's filled rows with their row numbers, read up to one past ``max_rows``."""
    rows = []
    for number, row in enumerate(sheet.iter_rows(max_col=max_columns), start=1):
        cells = [xlsx_cell(c) for c in row]
        if any(filled(c) for c in cells):
            rows.append((number, cells))
        if len(rows) > max_rows + 1:
            break
    return rows


def _xlsx_rows(content: bytes) -> list[tuple[int, list[Cell]]]:
    book = open_workbook(content)
    try:
        sheet = book["Chronology"] if "Chronology" in book.sheetnames else book.worksheets[0]
        return sheet_rows(sheet, max_columns=MAX_COLUMNS, max_rows=MAX_ROWS)
    except Exception:  # as above
        raise refuse(unreadable("spreadsheet")) from None
    finally:
        book.close()


def xlsx_cell(cell: Any) -> Cell:
    """A workbook cell as read: its value, whether it holds a formula, whether it shows a month only."""
    value = getattr(cell, "value", None)
    formula = getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("="))
    fmt = (getattr(cell, "number_format", "") or "").lower()
    month_only = isinstance(value, dt.datetime | dt.date) and "d" not in fmt.replace("[$-", "")
    return Cell(value, formula, month_only)


def _csv_rows(content: bytes) -> list[tuple[int, list[Cell]]]:
    if b"\x00" in content:
        raise refuse("The spreadsheet must be an XLSX or CSV file (this one has characters a CSV "
                     "cannot hold)")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    rows = []
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            cells = [Cell(v, formula=bool(FORMULA.match(v))) for v in row[:MAX_COLUMNS]]
            if any(filled(c) for c in cells):
                rows.append((number, cells))
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error:
        raise refuse("The CSV file cannot be read: save it again as CSV from your spreadsheet "
                     "program") from None
    return rows


def filled(cell: Cell) -> bool:
    """Whether a cell holds anything but spaces."""
    return cell.value is not None and str(cell.value).strip() != ""


# -- checking each row ---------------------------------------------------------------------------

def _columns(heading_row: list[Cell]) -> dict[int, str]:
    """Column position -> schema field, from the heading row; refused unless it is the template's."""
    found: dict[int, str] = {}
    for position, cell in enumerate(heading_row):
        heading = " ".join(str(cell.value or "").split()).lower()
        if not heading:
            continue
        if heading not in HEADINGS:
            raise refuse(f"Row 1 has a heading the template does not: '{str(cell.value)[:40]}'. Use the "
                         f"template's headings: {', '.join(h for _, h in COLUMNS)}")
        found[position] = HEADINGS[heading]
    missing = [h for n, h in COLUMNS if n in REQUIRED and n not in found.values()]
    if missing:
        raise refuse(f"Row 1 must have the template's headings; it has no {' or '.join(missing)} column")
    return found


def _agency_key(ctx: Context, value: str) -> str:
    """An agency by its key or its name, any case; the value unchanged when it is neither."""
    wanted = " ".join(value.split()).lower()
    for key, name in services.agency_names(ctx).items():
        if wanted in (key.lower(), name.lower()):
            return key
    return value


def _raw(ctx: Context, name: str, cell: Cell, heading: str, row: int,
         errors: list[RowError]) -> Any:
    """A cell as the schema takes it (the API's JSON value), or None when it is empty."""
    value = cell.value
    if cell.formula or (isinstance(value, str) and FORMULA.match(value)):
        errors.append(RowError(row, name, f"{heading} must be a value, not a formula: copy the cell and "
                                          "paste it as a value"))
        return None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if name == "occurred_on":
        if isinstance(value, dt.datetime | dt.date):
            return f"{value:%Y-%m}" if cell.month_only else f"{value:%Y-%m-%d}"
        found = parse(str(value))
        if found is None:
            errors.append(RowError(row, name, "Date must be a real date, like 27/03/2025, or a month and "
                                              "year, like March 2025"))
            return None
        return found.iso()
    if name == "key_episode":
        word = str(value).strip().lower()
        if word in YES:
            return True
        if word in NO:
            return False
        errors.append(RowError(row, name, "Key practice episode must be Yes or No"))
        return None
    if isinstance(value, dt.datetime | dt.date | int | float):
        value = str(value)
    text = writable(str(value)).strip()
    return _agency_key(ctx, text) if name == "agency" else text


def check_rows(ctx: Context, rows: list[tuple[int, list[Cell]]]) -> list[dict[str, Any]]:
    """Every data row loaded through EntryIn and the entry's rules; ImportRefused naming each bad cell."""
    if not rows:
        raise refuse("The spreadsheet is empty: fill in the template and upload it again")
    (_, heading_row), data = rows[0], rows[1:]
    columns = _columns(heading_row)
    if not data:
        raise refuse("The spreadsheet has no entries: add one row for each thing that happened")
    if len(data) > MAX_ROWS:
        raise refuse(f"The spreadsheet has more than {MAX_ROWS:,} entries: split it into files of "
                     f"{MAX_ROWS:,} rows or fewer")
    headings = dict(COLUMNS)
    schema = EntryIn()
    loaded: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for number, cells in data:
        row_errors: list[RowError] = []
        raw: dict[str, Any] = {}
        for position, cell in enumerate(cells):
            name = columns.get(position)
            if name is None:
                if filled(cell):
                    row_errors.append(RowError(number, "file", f"Column {position + 1} has no heading: put "
                                                               "entries only under the template's columns"))
                continue
            value = _raw(ctx, name, cell, headings[name], number, row_errors)
            if value is not None:
                raw[name] = value
        bad = {e.column for e in row_errors}
        try:
            values = schema.load({k: v for k, v in raw.items() if k not in bad})
        except ValidationError as error:
            values = None
            for name, messages in error.messages.items():
                if name not in bad:
                    row_errors.append(RowError(number, name, _first(messages)))
        if values is not None and not row_errors:
            for name, message in services.problems(ctx, values).items():
                row_errors.append(RowError(number, name, message))
        errors += row_errors
        if not row_errors and values is not None:
            loaded.append(values)
    if errors:
        raise ImportRefused(errors)
    return loaded


def _first(messages: Any) -> str:
    while isinstance(messages, list | dict):
        messages = messages[0] if isinstance(messages, list) else next(iter(messages.values()))
    return str(messages)


def import_file(ctx: Context, incident: Incident, content: bytes) -> list[ChronologyEntry]:
    """Import a filled-in template into the case's chronology: every row, or none (audited).

    A contributor imports into a case their agency was asked about, and only their own agency's rows.
    """
    services.may_add_to(ctx, incident)
    rows = check_rows(ctx, read_rows(content))
    return services.add_entries(ctx, incident, rows, digest=hashlib.sha256(content).hexdigest())


# -- exports -------------------------------------------------------------------------------------

def export_xlsx(ctx: Context, incident: Incident, entries: list[ChronologyEntry]) -> bytes:
    """The merged chronology as a workbook: dates as real dates (a month-only one shown as 'March 2025')."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    names = services.agency_names(ctx)
    book = Workbook()
    sheet = book.active
    sheet.title = "Chronology"
    sheet.append(["Date", "Date known to", "Agency", "What happened", "Source document",
                  "Key practice episode"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for entry in entries:
        when = services.date_of(entry)
        sheet.append([dt.date(when.year, when.month, when.day or 1), when.precision,
                      cell_text(names.get(entry.agency, entry.agency)), cell_text(entry.what_happened),
                      cell_text(entry.source or ""), "Yes" if entry.key_episode else "No"])
        sheet.cell(sheet.max_row, 1).number_format = "d mmmm yyyy" if when.day else "mmmm yyyy"
        if entry.key_episode:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (18, 14, 36, 80, 36, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    book.properties.title = f"Chronology: {incident.reference}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_docx(ctx: Context, incident: Incident, entries: list[ChronologyEntry]) -> bytes:
    """The merged chronology as a Word document: a table by date, key practice episodes marked."""
    from docx import Document  # imported where used, like openpyxl
    from docx.shared import Pt

    names = services.agency_names(ctx)
    document = Document()
    document.core_properties.title = f"Multi-agency chronology: {incident.reference}"
    document.add_heading("Multi-agency chronology", level=0)
    document.add_paragraph(writable(f"{incident.pseudonym} ({incident.reference}), {ctx.policy.name}"))
    keys = sum(1 for e in entries if e.key_episode)
    document.add_paragraph(f"{len(entries)} entries from {len({e.agency for e in entries})} agencies; "
                           f"{keys} marked as key practice episodes (shown in bold, marked ★).")
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, ("Date", "Agency", "What happened", "Source document",
                                                   "Key practice episode"), strict=True):
        cell.text = heading
        cell.paragraphs[0].runs[0].bold = True
    for entry in entries:
        cells = table.add_row().cells
        values = (services.date_of(entry).shown(), names.get(entry.agency, entry.agency), entry.what_happened,
                  entry.source or "", "★ Key practice episode" if entry.key_episode else "")
        for cell, value in zip(cells, values, strict=True):
            run = cell.paragraphs[0].add_run(writable(value))
            run.bold = entry.key_episode
            run.font.size = Pt(10)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def export(ctx: Context, incident: Incident, fmt: str, agency: str | None = None) -> tuple[bytes, str, str]:
    """The merged chronology as ``docx`` or ``xlsx``: (body, type, file name); audited, committed first."""
    ctx.audit("export.downloaded", incident, what="chronology", format=fmt, incident=incident.id)
    ctx.session.commit()
    entries = services.merged(ctx, incident, agency)
    name = f"{ctx.policy.slug}-{incident.reference}-chronology.{fmt}".replace("/", "-")
    if fmt == "docx":
        return export_docx(ctx, incident, entries), DOCX, name
    return export_xlsx(ctx, incident, entries), XLSX, name
