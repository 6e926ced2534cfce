"""The board's view of the action plans: every review's recommendations and actions, overdue first.

Per review and recommendation: each action's owning agency, due date, RAG, evidence and whether
assurance was given, with the overdue ones first (reviews with the most overdue actions first, and
within a recommendation the overdue actions before the rest); filtered by owning agency if asked.
A withdrawn action or recommendation is shown as withdrawn (who, when, why), last, and is never
overdue nor counted.
A scrutineer's view holds the published reviews only (``reviews_for``). The page, the XLSX and the
Word file read this one :func:`board_plan`.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cspr.actions import rag as rag_key
from cspr.actions.models import Action, Rag, Recommendation
from cspr.actions.rag import BY_VALUE, RagStatus
from cspr.deadlines.models import Deadline
from cspr.deadlines.services import ACTION_DUE, standing
from cspr.reviews.models import Review
from cspr.reviews.services import reviews_for
from cspr.services.context import Context
from cspr.services.errors import InputError
from cspr.services.worksheets import cell_text, writable

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class PlanAction:
    """One action as the board reads it."""

    id: int
    description: str
    agency: str
    due_on: dt.date
    rag: Rag | None
    evidence: str | None
    completed_on: dt.date | None
    assured_on: dt.date | None
    overdue: bool
    working_days_late: int | None
    withdrawn: str | None = None  # who withdrew it, when and why, in words

    @property
    def status(self) -> RagStatus:
        """Its entry in the RAG key ("Not set" until someone sets one)."""
        return rag_key.status(self.rag)

    @property
    def assurance(self) -> str:
        """Whether the partnership has had assurance that it is done."""
        return f"Given {self.assured_on:%-d %B %Y}" if self.assured_on else "Not given"


@dataclass
class PlanRecommendation:
    """A recommendation and its actions, the overdue first."""

    number: int
    text: str
    response: str | None
    actions: list[PlanAction] = field(default_factory=list)
    withdrawn: str | None = None  # who withdrew it, when and why, in words


@dataclass
class PlanReview:
    """A review's plan."""

    id: int
    title: str
    published_on: dt.date | None
    recommendations: list[PlanRecommendation] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        """How many of its actions are overdue."""
        return sum(a.overdue for r in self.recommendations for a in r.actions)


def agencies(ctx: Context) -> dict[str, str]:
    """The partnership's agencies: key -> name."""
    return {a["key"]: a["name"] for a in ctx.policy.agencies}


def board_plan(ctx: Context, agency: str | None = None) -> list[PlanReview]:
    """Every review with recommendations, its actions (of ``agency`` only, if given), overdue first."""
    names = agencies(ctx)
    if agency is not None and agency not in names:
        raise InputError({"agency": "Select an agency from the list"})
    found = ctx.session.scalars(reviews_for(ctx).where(Review.recommendations.any()).options(
        selectinload(Review.recommendations).selectinload(Recommendation.actions))).all()
    due = {d.action_id: d for d in ctx.session.scalars(select(Deadline).where(Deadline.kind == ACTION_DUE))}
    plans = []
    for review in found:
        plan = PlanReview(review.id, review.title, review.published_on)
        for rec in review.recommendations:
            entry = PlanRecommendation(rec.number, rec.text, rec.response, withdrawn=withdrawal(rec))
            for action in rec.actions:
                if agency is not None and action.owner_agency != agency:
                    continue
                entry.actions.append(_action(ctx, action, due.get(action.id), names))
            entry.actions.sort(key=lambda a: (a.withdrawn is not None, not a.overdue, a.due_on, a.id))
            if entry.actions or agency is None:
                plan.recommendations.append(entry)
        if plan.recommendations and (agency is None or any(r.actions for r in plan.recommendations)):
            plans.append(plan)
    plans.sort(key=lambda p: (-p.overdue, p.title.lower(), p.id))
    return plans


def withdrawal(record: Action | Recommendation) -> str | None:
    """Who withdrew a record, when and why, in words; None if it stands."""
    if record.withdrawn_at is None:
        return None
    return (f"Withdrawn by {record.withdrawn_by or 'someone no longer here'} on "
            f"{record.withdrawn_at:%-d %B %Y}: {record.withdrawn_reason}")


def _action(ctx: Context, action: Action, deadline: Deadline | None, names: dict[str, str]) -> PlanAction:
    withdrawn = withdrawal(action)
    where = standing(deadline, ctx.calendar, ctx.today) if deadline is not None else None
    overdue = withdrawn is None and where is not None and where.status == "overdue"
    return PlanAction(action.id, action.description, names.get(action.owner_agency, action.owner_agency),
                      action.due_on, action.rag, action.evidence, action.completed_on, action.assured_on,
                      overdue, where.working_days_late if overdue else None, withdrawn)


HEADINGS = ("Review", "Recommendation", "Action", "Owning agency", "Due", "Overdue (working days)", "RAG",
            "Evidence", "Assurance", "Withdrawn")


def plan_xlsx(plans: list[PlanReview], partnership: str, today: dt.date) -> bytes:
    """The board's view as a workbook: one row per action, real dates, RAG in its colour; and the key."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "Action plans"
    sheet.append(list(HEADINGS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for plan in plans:
        for rec in plan.recommendations:
            for a in rec.actions:
                sheet.append([cell_text(plan.title), cell_text(f"{rec.number}. {rec.text}"),
                              cell_text(a.description), cell_text(a.agency), a.due_on, a.working_days_late,
                              a.status.label, cell_text(a.evidence or ""), a.assurance,
                              cell_text(a.withdrawn or rec.withdrawn or "")])
                row = sheet.max_row
                sheet.cell(row, 5).number_format = "dd/mm/yyyy"
                colour = "FF" + a.status.colour.lstrip("#").upper()
                sheet.cell(row, 7).fill = PatternFill("solid", start_color=colour, end_color=colour)
                text_colour = "FF" + a.status.text_colour.lstrip("#").upper()
                sheet.cell(row, 7).font = Font(bold=True, color=text_colour)
                for column in (2, 3, 8, 10):
                    sheet.cell(row, column).alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGHIJ", (30, 40, 40, 28, 12, 12, 10, 40, 18, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    key = book.create_sheet("RAG key")
    key.append(["Status", "What it means"])
    for cell in key[1]:
        cell.font = Font(bold=True)
    for status in BY_VALUE.values():
        key.append([status.label, status.meaning])
    key.column_dimensions["B"].width = 70
    book.properties.title = writable(f"{partnership}: action plans, {today:%-d %B %Y}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plan_docx(plans: list[PlanReview], partnership: str, today: dt.date, agency: str | None) -> bytes:
    """The board's view as a Word section: a heading per review, a table per recommendation, and the key."""
    from docx import Document

    document = Document()
    title = "Action plans" + (f": {agency}" if agency else "")
    document.core_properties.title = writable(title)
    document.add_heading(writable(title), level=1)
    document.add_paragraph(writable(f"{partnership}, as at {today:%-d %B %Y}. Overdue actions first."))
    key = document.add_table(rows=1, cols=2)
    key.style = "Table Grid"
    key.rows[0].cells[0].text, key.rows[0].cells[1].text = "RAG status", "What it means"
    for status in BY_VALUE.values():
        row = key.add_row().cells
        row[0].text, row[1].text = status.label, status.meaning
    for plan in plans:
        document.add_heading(writable(plan.title), level=2)
        for rec in plan.recommendations:
            document.add_paragraph(writable(f"Recommendation {rec.number}: {rec.text}"
                                            + (f" ({rec.withdrawn})" if rec.withdrawn else "")))
            if not rec.actions:
                document.add_paragraph("No action yet.")
                continue
            grid = document.add_table(rows=1, cols=6)
            grid.style = "Table Grid"
            for cell, heading in zip(grid.rows[0].cells, ("Action", "Owning agency", "Due", "RAG", "Evidence",
                                                          "Assurance"), strict=True):
                cell.text = heading
            for a in rec.actions:
                row = grid.add_row().cells
                due = f"{a.due_on:%-d %B %Y}" + (f" (overdue, {a.working_days_late} working days)"
                                                 if a.overdue else "")
                rag = a.withdrawn or rec.withdrawn or a.status.label
                for cell, text in zip(row, (a.description, a.agency, due, rag, a.evidence or "", a.assurance),
                                      strict=True):
                    cell.text = writable(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
