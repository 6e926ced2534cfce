"""The going-live templates: each sheet's columns (heading, what it takes, its list of values) and the files.

One workbook holds four sheets (incidents, reviews under way, action plans, published reviews);
each is also a CSV of its own. There is no column for a child's name, address or date of birth:
a child is known by a pseudonym and the local authority's case reference only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from cspr.actions.rag import RAG_LABELS
from cspr.cases.inputs import AGE_LABELS, DECISION_LABELS, HARM_LABELS, RESPONSE_LABELS
from cspr.reviews.inputs import FORM_LABELS, KIND_LABELS
from cspr.reviews.services import DELAY_REASONS, STARTABLE
from cspr.services.context import Context

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 2_000  # rows in one sheet


@dataclass(frozen=True)
class Column:
    """A column of a sheet: the value it fills, its heading, what it takes."""

    key: str
    heading: str
    kind: str = "text"  # text, date, publication_date, choice, yes_no, list
    required: bool = False
    choices: Callable[[Context], dict[str, str]] | None = None  # value -> words
    width: int = 24
    hint: str = ""


def _labels(labels: dict[str, str]) -> Callable[[Context], dict[str, str]]:
    return lambda ctx: dict(labels)


def _areas(ctx: Context) -> dict[str, str]:
    return {a: a for a in ctx.policy.identity["areas"]}


def _agencies(ctx: Context) -> dict[str, str]:
    return {a["key"]: a["name"] for a in ctx.policy.agencies}


def _startable(ctx: Context) -> dict[str, str]:
    return {k.value: KIND_LABELS[k.value] for k in STARTABLE if k.value in ctx.policy.review_kinds}


def _kinds(ctx: Context) -> dict[str, str]:
    return {k: KIND_LABELS.get(k, k) for k in ctx.policy.review_kinds}


_DELAYS = {reason.value: words for reason, words in DELAY_REASONS.items()}


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook (or one CSV file): its name, what a row is, its columns."""

    key: str
    name: str
    row_is: str
    columns: tuple[Column, ...]
    guide: tuple[str, ...] = field(default=())

    def column(self, key: str) -> Column:
        """The column filling ``key``."""
        return next(c for c in self.columns if c.key == key)


PSEUDONYM = Column(
    "pseudonym",
    "Pseudonym",
    required=True,
    width=20,
    hint='How the child is known in the review, like "Child K". Never a real name.',
)
LA_REFERENCE = Column("la_case_reference", "Local authority case reference", required=True, width=22)

INCIDENTS = Sheet(
    "incidents",
    "Incidents",
    "an incident",
    (
        PSEUDONYM,
        LA_REFERENCE,
        Column("la_area", "Local authority area", "choice", True, _areas),
        Column("age_band", "Age band", "choice", True, _labels(AGE_LABELS), 22),
        Column("harm", "What happened", "choice", True, _labels(HARM_LABELS), 30),
        Column("looked_after", "Looked-after child", "yes_no", width=14),
        Column("care_leaver", "Care leaver", "yes_no", width=12),
        Column("incident_on", "Date of the incident", "date", True, width=16),
        Column(
            "aware_on",
            "Date the local authority became aware",
            "date",
            True,
            width=18,
            hint="The 5 working days to notify the Panel count from here.",
        ),
        Column("notified_on", "Date the Panel was notified", "date", width=16),
        Column("panel_reference", "Panel reference", width=16),
        Column(
            "ofsted_sos_notified_on",
            "Date Ofsted and the Secretary of State were told",
            "date",
            width=18,
            hint="Only for the death of a looked-after child.",
        ),
        Column("meeting_on", "Date of the rapid review meeting", "date", width=16),
        Column(
            "themes",
            "Learning themes of the case",
            "list",
            width=30,
            hint="From the partnership's list, separated by semicolons: the decision page shows the "
            "earlier reviews that share them.",
        ),
        Column("decision", "The partners' decision", "choice", choices=_labels(DECISION_LABELS), width=40),
        Column("sent_to_panel_on", "Date the rapid review went to the Panel", "date", width=18),
        Column(
            "review_title",
            "Title of the review",
            width=24,
            hint="If the decision starts a review. Leave it empty to use the pseudonym.",
        ),
        Column(
            "panel_response", "The Panel's response", "choice", choices=_labels(RESPONSE_LABELS), width=36
        ),
        Column("panel_response_on", "Date the Panel's response arrived", "date", width=18),
    ),
    guide=(
        "One row for each incident, with the dates it has reached so far. Leave the later steps empty.",
        "The partners' decision needs the date the rapid review went to the Panel; the Panel's response "
        "needs the date it arrived.",
        "A decision to hold a local child safeguarding practice review, or another local learning review, "
        "starts that review: give its later stages on the Reviews sheet, with the same case reference.",
    ),
)

REVIEWS = Sheet(
    "reviews",
    "Reviews",
    "a review",
    (
        Column(
            "la_case_reference",
            "Local authority case reference",
            width=22,
            hint="The case whose rapid review decided to hold this review (on the Incidents sheet or "
            "already on the platform). Leave it empty for a review no incident led to.",
        ),
        Column("title", "Title of the review", width=28),
        Column("kind", "Kind of review", "choice", choices=_startable, width=36),
        Column("decided_on", "Date of the decision to hold the review", "date", width=18),
        Column("terms_on", "Date the terms of reference were agreed", "date", width=18),
        Column(
            "reviewer_name",
            "Reviewer's name",
            width=22,
            hint="The independent reviewer (an adult professional, never the child or family).",
        ),
        Column("commissioned_on", "Date the reviewer was commissioned", "date", width=18),
        Column("first_draft_on", "Date the first draft arrived", "date", width=16),
        Column(
            "final_agreed_on",
            "Date the final report was agreed",
            "date",
            width=18,
            hint="By all three safeguarding partners.",
        ),
        Column("planned_on", "Planned publication date", "date", width=16),
        Column(
            "delay_reason",
            "Reason for the delay",
            "choice",
            choices=_labels(_DELAYS),
            width=30,
            hint="Only when the planned publication date is after the 6-month target.",
        ),
        Column(
            "report_sent_on",
            "Date the final report went to the Panel and the Secretary of State",
            "date",
            width=22,
        ),
    ),
    guide=(
        "One row for each review under way, with the dates of the stages it has reached.",
        "A review that a decision on the Incidents sheet starts: give the case reference and leave the "
        "title, kind and date of the decision empty (they come from the decision).",
        "Any other review: give its title, its kind and the date of the decision to hold it.",
        "A review that is already published goes on the Published reviews sheet.",
    ),
)

ACTIONS = Sheet(
    "actions",
    "Action plans",
    "an action",
    (
        Column(
            "review",
            "Review",
            required=True,
            width=28,
            hint="The title of the review, as on the Reviews or Published reviews sheet or the platform.",
        ),
        Column(
            "recommendation",
            "Recommendation",
            required=True,
            width=50,
            hint="Rows with the same recommendation of the same review make one recommendation.",
        ),
        Column("response", "Partners' response", width=40),
        Column("description", "Action", required=True, width=50),
        Column("owner_agency", "Owning agency", "choice", True, _agencies, 36),
        Column("due_on", "Due date", "date", True, width=14),
        Column("rag", "RAG status", "choice", choices=_labels(RAG_LABELS), width=12),
        Column("evidence", "Evidence", width=40),
        Column("completed_on", "Date completed", "date", width=14),
    ),
    guide=(
        "One row for each action. An action overdue today keeps its due date: it shows as overdue.",
        "A complete action needs its evidence and the date it was completed.",
        "A review's recommendations come with its agreed final report: the review needs the date the final "
        "report was agreed (or it is a published review).",
    ),
)

LEGACY = Sheet(
    "legacy",
    "Published reviews",
    "a published review",
    (
        Column("kind", "Kind of review", "choice", True, _kinds, 36),
        Column("title", "Title of the review", required=True, width=28),
        Column("pseudonym", "Pseudonym", width=20, hint="Never a real name."),
        Column(
            "published_on",
            "Date of publication",
            "publication_date",
            True,
            width=18,
            hint="As precise as it is known: 27/03/2014, March 2014, only 2014, or 'not given' when the "
            "source gives no date.",
        ),
        Column("publication_form", "What was published", "choice", choices=_labels(FORM_LABELS), width=36),
        Column("publication_note", "Why not the full report", width=30),
        Column("summary", "Summary", width=50),
        Column(
            "themes", "Themes", "list", width=30, hint="From the partnership's list, separated by semicolons."
        ),
        Column(
            "report_url",
            "Link to the report",
            width=36,
            hint="Where it is published elsewhere (the NSPCC repository, an old site).",
        ),
        Column("authors", "Authors", "list", width=24, hint="Separated by semicolons."),
        Column("publisher", "Publisher", width=24),
    ),
    guide=(
        "One row for each review published before the platform, kept for the record (it has no clocks).",
        "Give the date of publication only as precisely as it is known: a year alone is right when only "
        "the year is known. Nothing you do not know is made up.",
    ),
)

SHEETS: tuple[Sheet, ...] = (INCIDENTS, REVIEWS, LEGACY, ACTIONS)  # the order rows are imported in
BY_KEY = {s.key: s for s in SHEETS}

GUIDE = (
    "How to fill in this workbook",
    "",
    "Each sheet is one kind of record. Fill in the sheets you need and leave the others with their "
    "headings only. Keep the headings in row 1 as they are.",
    "Do not enter a child's or family member's name, address or date of birth anywhere: a child is known "
    "by a pseudonym and the local authority's case reference only.",
    "Dates: the day, like 27/03/2025. Yes or No columns: Yes, or leave empty for No. Lists: choose from "
    "the drop-down (the Lists sheet shows every value).",
    "Enter values only, not formulas.",
    "Upload the workbook on the Going live page (or run 'cspr import FILE --partnership SLUG'). First it "
    "is checked, and every problem is listed with its row and column; nothing is imported until every "
    "row is right, and then everything is imported at once.",
    "Every deadline is worked out as if the case had been recorded on the platform, and every record "
    "is audited as imported, with who imported it.",
    "",
)


def template_xlsx(ctx: Context) -> bytes:
    """The workbook: a sheet per kind of record, how to fill it in, and the lists to choose from."""
    from openpyxl import Workbook  # imported where used: openpyxl adds to every command's start
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    guide = book.active
    guide.title = "How to fill this in"
    lists = book.create_sheet("Lists")
    list_column = 0
    for line in GUIDE:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)
    for sheet in SHEETS:
        guide.append([sheet.name])
        guide.cell(guide.max_row, 1).font = Font(bold=True)
        for line in sheet.guide:
            guide.append([line])
        for column in sheet.columns:
            need = "required" if column.required else "optional"
            guide.append([f"{column.heading} ({need}){': ' + column.hint if column.hint else ''}"])
        guide.append([""])
    guide.column_dimensions["A"].width = 120
    for sheet in SHEETS:
        page = book.create_sheet(sheet.name)
        page.append([c.heading for c in sheet.columns])
        for position, column in enumerate(sheet.columns, start=1):
            cell = page.cell(1, position)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            letter = get_column_letter(position)
            page.column_dimensions[letter].width = column.width
            cells = f"{letter}2:{letter}{MAX_ROWS + 1}"
            if column.kind == "date":
                for row in range(2, 52):  # the first rows shown as dates when typed as numbers
                    page.cell(row, position).number_format = "dd/mm/yyyy"
            if column.kind == "yes_no":
                rule = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True)
            elif column.kind == "choice" and column.choices is not None:
                values = list(column.choices(ctx).values())
                list_column += 1
                list_letter = get_column_letter(list_column)
                lists.cell(1, list_column, f"{sheet.name}: {column.heading}").font = Font(bold=True)
                for row, words in enumerate(values, start=2):
                    lists.cell(row, list_column, words)
                lists.column_dimensions[list_letter].width = 40
                rule = DataValidation(
                    type="list",
                    formula1=f"=Lists!${list_letter}$2:${list_letter}${len(values) + 1}",
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=column.heading,
                    error=f"Choose one of the values on the Lists sheet for {column.heading.lower()}",
                )
            else:
                continue
            rule.add(cells)
            page.add_data_validation(rule)
        page.freeze_panes = "A2"
    book.move_sheet("Lists", offset=len(SHEETS))
    book.properties.title = f"{ctx.policy.name}: going-live template"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(sheet: Sheet) -> str:
    """One sheet as CSV: its headings (the lists are in the workbook and on the page)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([c.heading for c in sheet.columns])
    return buffer.getvalue()


def choices_of(ctx: Context) -> list[tuple[str, str, list[str]]]:
    """Every list column's values, for the page: (sheet, heading, values)."""
    return [
        (s.name, c.heading, list(c.choices(ctx).values()))
        for s in SHEETS
        for c in s.columns
        if c.choices is not None
    ]


def words_of(ctx: Context, column: Column) -> dict[str, str]:
    """A list column's values and keys, each accepted in any case (words -> value)."""
    found: dict[str, str] = {}
    for value, words in (column.choices(ctx) if column.choices else {}).items():
        found[" ".join(words.split()).lower()] = value
        found[value.lower()] = value
    return found


__all__ = [
    "ACTIONS",
    "BY_KEY",
    "Column",
    "INCIDENTS",
    "LEGACY",
    "REVIEWS",
    "SHEETS",
    "Sheet",
    "choices_of",
    "template_csv",
    "template_xlsx",
    "words_of",
]
