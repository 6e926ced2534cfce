"""The yearly figures as files for the yearly report: an XLSX workbook and a Word section.

Both are written from the one :class:`~cspr.reporting.figures.YearlyFigures`, so they give the
numbers the page and the API give. The workbook has a sheet per table (numbers as numbers, dates as
dates, shares as percentages) with a native Excel bar chart of each; the Word section has each
table with the chart the page shows (as a picture, with its description as the alternative text).
"""

from __future__ import annotations

import datetime as dt
import io
import re

from cspr.reporting.charts import Chart, charts
from cspr.reporting.exports import XLSX, Download
from cspr.reporting.figures import Year, YearlyFigures, yearly_figures
from cspr.services.context import Context
from cspr.services.worksheets import cell_text, writable

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Each table's sheet name (at most 31 characters, none of []:*?/\).
SHEETS = {"notifications": "Notifications", "rapid_reviews": "Rapid reviews", "decisions": "Decisions",
          "local_reviews": "Local reviews", "late_reasons": "Late publications",
          "actions_rag": "Actions by RAG", "actions_rag_end": "RAG at the end of the period",
          "actions_agency": "Actions by agency",
          "actions_overdue": "Overdue actions", "themes": "Themes"}
DATE_FORMAT = "d mmmm yyyy"


def _about(figures: YearlyFigures, partnership: str) -> list[tuple[str, object]]:
    return [("Partnership", partnership), ("Area", figures.area or "All areas"),
            ("Reporting year", figures.year.label), ("Starts", figures.year.start),
            ("Ends", figures.year.end), ("Counted up to", figures.as_of)]


def figures_xlsx(figures: YearlyFigures, partnership: str, with_cases: bool = True) -> bytes:
    """The figures as a workbook: an About sheet, a sheet and a bar chart per table, and the cases."""
    from openpyxl import Workbook  # here, not at the top: start-up time
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    about.title = "About"
    about.append(["Yearly figures", None])
    about["A1"].font = Font(bold=True, size=14)
    for label, value in _about(figures, partnership):
        about.append([label, cell_text(value)])
        if isinstance(value, dt.date):
            about.cell(about.max_row, 2).number_format = DATE_FORMAT
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 18, 60
    for table in figures.tables:
        sheet = book.create_sheet(SHEETS.get(table.key, table.key[:31]))
        sheet.append([cell_text(table.title)])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([cell_text(table.description)])
        sheet.append(["Figure", "Number", "Out of", "Share"])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for figure in table.figures:
            share = figure.count / figure.of if figure.of else None
            sheet.append([cell_text(figure.label), figure.count, figure.of, share])
            sheet.cell(sheet.max_row, 4).number_format = "0%"
        sheet.column_dimensions["A"].width = 60
        sheet.freeze_panes = "A4"
        if table.figures:
            bars = BarChart()
            bars.type = "bar"
            bars.title = f"{table.title}, {figures.year.label}"
            bars.legend = None
            bars.y_axis.title = "Number"
            bars.y_axis.majorUnit = 1
            last = 3 + len(table.figures)
            bars.add_data(Reference(sheet, min_col=2, min_row=3, max_row=last), titles_from_data=True)
            bars.set_categories(Reference(sheet, min_col=1, min_row=4, max_row=last))
            bars.height, bars.width = 3 + 0.8 * len(table.figures), 18
            sheet.add_chart(bars, "F3")
    if with_cases:
        cases = book.create_sheet("Cases")
        cases.append(["Table", "Figure", "Kind", "Case"])
        for cell in cases[1]:
            cell.font = Font(bold=True)
        for table in figures.tables:
            for figure in table.figures:
                for case in figure.cases:
                    cases.append([cell_text(table.title), cell_text(figure.label), case.type,
                                  cell_text(case.name)])
        cases.freeze_panes = "A2"
    book.properties.title = writable(f"{partnership}: yearly figures, {figures.year.label}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def figures_docx(figures: YearlyFigures, partnership: str, drawn: dict[str, Chart] | None = None) -> bytes:
    """The figures as a Word section: a heading, then each table with its chart, ready to paste."""
    from docx import Document
    from docx.shared import Cm

    drawn = charts(figures) if drawn is None else drawn
    document = Document()
    title = f"Yearly figures, {figures.year.label}"
    document.core_properties.title = writable(title)
    document.core_properties.subject = writable(partnership)
    document.add_heading(writable(title), level=1)
    document.add_paragraph(writable(
        f"{partnership}{': ' + figures.area if figures.area else ''}. Counted from the stored deadlines "
        f"of the cases, from {figures.year.start:%-d %B %Y} to {figures.as_of:%-d %B %Y}."))
    for table in figures.tables:
        document.add_heading(writable(table.title), level=2)
        chart = drawn.get(table.key)
        if chart is not None:
            document.add_picture(io.BytesIO(chart.png), width=Cm(16))
            picture = document.inline_shapes[-1]
            picture._inline.docPr.set("descr", writable(chart.description))  # the alternative text
            picture._inline.docPr.set("title", writable(chart.title))
        grid = document.add_table(rows=1, cols=3)
        grid.style = "Table Grid"
        for cell, heading in zip(grid.rows[0].cells, ("Figure", "Number", "Share"), strict=True):
            cell.text = heading
            cell.paragraphs[0].runs[0].bold = True
        for figure in table.figures:
            row = grid.add_row().cells
            row[0].text = writable(figure.label)
            row[1].text = str(figure.count)
            row[2].text = f"{figure.percent}% of {figure.of}" if figure.percent is not None else ""
        if not table.figures:
            grid.add_row().cells[0].text = "None in this year."
        if table.description:
            document.add_paragraph(writable(table.description))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def figures_download(ctx: Context, year: Year, area: str | None, fmt: str,
                     with_cases: bool = True) -> Download:
    """The year's figures as XLSX or Word; the export is audited and committed first."""
    found = yearly_figures(ctx, year, area)
    ctx.audit("export.downloaded", what="yearly figures", format=fmt, year=year.key, area=area)
    ctx.session.commit()
    place = "-" + re.sub(r"[^a-z0-9]+", "-", area.lower()).strip("-") if area else ""
    name = f"{ctx.policy.slug}-figures-{year.key}{place}.{fmt}"
    if fmt == "xlsx":
        return Download(figures_xlsx(found, ctx.policy.name, with_cases), XLSX, name)
    return Download(figures_docx(found, ctx.policy.name), DOCX, name)
