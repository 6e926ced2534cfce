"""The staff dashboard's figures: the open deadlines due soon or overdue, as table rows, and the counts.

A page lists hundreds of deadlines, so each row is worked out here once, down to its HTML: the
template places the rows, and a row in the template (its cells' lookups and escaping) cost about
ten times as much. The row's markup is the table row GOV.UK Frontend's table gives, as
``staff/dashboard.html`` had it; every value in it is escaped here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import NamedTuple

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import Select, String, bindparam, cast, func, literal, select, union_all
from sqlalchemy.orm import aliased

from cspr.actions.models import Action, Rag, Recommendation
from cspr.calendar import WorkingCalendar
from cspr.cases.models import Incident
from cspr.deadlines import services as deadlines
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.reviews.models import Review
from cspr.services.context import Context
from cspr.web.staff.helpers import long_date, status_tag

#: The columns of a deadline the dashboard shows and counts its standing from (no whole rows).
COLUMNS = (Deadline.id, Deadline.kind, Deadline.label, Deadline.subject, Deadline.due_on,
           Deadline.incident_id, Deadline.review_id, Deadline.action_id, Deadline.statutory,
           Deadline.direction, Deadline.state, Deadline.met_on)


class DueRow(NamedTuple):
    """One row of the dashboard's tables: when it is due, and the row's HTML."""

    due_on: dt.date
    html: Markup


class DueRows(list[DueRow]):
    """Rows of one table, in order."""

    @property
    def html(self) -> Markup:
        """The table body's rows, one after another (one value for the template to place)."""
        return Markup("\n    ".join(row.html for row in self))


def _due_statement() -> Select:
    """Open deadlines due by ``:until`` and what each is about: columns only, each join scoped."""
    plan_review = aliased(Review)
    return (deadlines.due_or_overdue(bindparam("until"))
            .with_only_columns(*COLUMNS, Incident.pseudonym, Incident.reference, Review.title,
                               plan_review.id.label("plan_review_id"), plan_review.title.label("plan_title"))
            .outerjoin(Incident, Incident.id == Deadline.incident_id)
            .outerjoin(Review, Review.id == Deadline.review_id)
            .outerjoin(Action, Action.id == Deadline.action_id)
            .outerjoin(Recommendation, Recommendation.id == Action.recommendation_id)
            .outerjoin(plan_review, plan_review.id == Recommendation.review_id))


def _counts_statement() -> Select:
    """Reviews by stage (legacy ones apart) and actions by RAG (withdrawn ones apart), in one statement."""
    by_stage = (select(literal("stage").label("what"), cast(Review.stage, String).label("value"),
                       func.count().label("n"))
                .where(Review.legacy.is_(False)).group_by(Review.stage))
    by_rag = (select(literal("rag").label("what"), cast(Action.rag, String).label("value"), func.count())
              .where(Action.withdrawn_at.is_(None)).group_by(Action.rag))
    return union_all(by_stage, by_rag)


#: Built once: the tenancy hook scopes them to the page's partnership each time they run.
DUE_STATEMENT = _due_statement()
COUNTS_STATEMENT = _counts_statement()

_CELL = '<td class="govuk-table__cell">'
_LOCAL = Markup(' <span class="govuk-body-s">(local target)</span>')


def _href(endpoint: str, key: str) -> Callable[[int], str]:
    """The URL of ``endpoint`` for any id, built once (a page lists hundreds of them)."""
    marker = 987654321
    template = url_for(endpoint, **{key: marker})
    head, tail = template.split(str(marker), 1)
    return lambda record_id: f"{head}{record_id}{tail}"


class _Standing(NamedTuple):
    """What a deadline's standing is worked out from (:func:`cspr.deadlines.services.standing`)."""

    statutory: bool
    due_on: dt.date
    direction: str
    state: DeadlineState
    met_on: dt.date | None


@functools.lru_cache(maxsize=4096)
def _due_and_tag(calendar: WorkingCalendar, today: dt.date, deadline: _Standing) -> str:
    """A row's due date and status tag cells: the same for every deadline due that day by that clock.

    Kept for the process (the answer is the calendar's, the day's and the due date's alone): every
    dashboard of the partnership that day lists the same few hundred due dates.
    """
    where = deadlines.standing(deadline, calendar, today)
    tag = status_tag({"status": where.status, "working_days_late": where.working_days_late,
                      "working_days_left": where.working_days_left})
    return (f'{_CELL}{escape(long_date(deadline.due_on))}</td>\n      {_CELL}<strong class="govuk-tag '
            f'{escape(tag["classes"])}">{escape(tag["text"])}</strong></td>')


def due_rows(c: Context, until: dt.date) -> list[DueRow]:
    """Open deadlines due by ``until``, soonest first, each as its row of the dashboard, in one query.

    A row's cells: what it is about with its link, its step, its due date and its status tag.
    Every row is open, so where it stands depends only on its due date and its clock: its date
    and tag cells are worked out once per (due date, clock) (:func:`_due_and_tag`), its step cell
    once per step.
    """
    incident, review, plan = (_href("staff.incident", "incident_id"), _href("staff.review", "review_id"),
                              _href("staff.plan", "review_id"))
    calendar, today = c.calendar, c.today  # once a page, not once a row
    steps: dict[tuple[str, bool], str] = {}
    found = []
    for row in c.session.execute(DUE_STATEMENT, {"until": until}):
        (_id, _kind, label, subject, due_on, incident_id, review_id, action_id, statutory, direction, state,
         met_on, pseudonym, reference, title, plan_review_id, plan_title) = row
        due_and_tag = _due_and_tag(calendar, today, _Standing(statutory, due_on, direction, state, met_on))
        step = steps.get((label, statutory))
        if step is None:
            step = steps[label, statutory] = f"{_CELL}{escape(label)}{'' if statutory else _LOCAL}</td>"
        if incident_id and pseudonym is not None:
            text, href = f"{pseudonym} ({reference})", incident(incident_id)
        elif review_id and title is not None:
            text, href = title, review(review_id)
        elif action_id and plan_review_id is not None:
            text, href = f"Action plan: {plan_title}", plan(plan_review_id)
        else:
            text, href = subject, None
        about = (f'<a class="govuk-link" href="{escape(href)}">{escape(text)}</a>' if href
                 else escape(text))
        found.append(DueRow(due_on, Markup(
            f'<tr class="govuk-table__row">\n      {_CELL}{about}</td>\n      {step}\n      {due_and_tag}\n'
            '    </tr>')))
    return found


def stage_and_rag_counts(c: Context) -> tuple[dict[str, int], dict[Rag | None, int]]:
    """Reviews by stage (legacy ones apart) and actions by RAG (withdrawn ones apart), in one statement."""
    stages: dict[str, int] = {}
    rag: dict[Rag | None, int] = {}
    for what, value, n in c.session.execute(COUNTS_STATEMENT):
        if what == "stage":
            stages[value] = n
        else:
            rag[Rag(value) if value else None] = n
    return stages, rag
