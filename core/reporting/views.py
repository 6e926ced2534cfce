"""The partnership's dashboard, its tracker with the exports, and the yearly figures."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from cspr.accounts.models import Role
from cspr.accounts.permissions import Permission, allowed
from cspr.accounts.views.sign_in import fresh_required
from cspr.actions.rag import RAG_KEY
from cspr.cases.models import Incident
from cspr.deadlines import calendar_feed
from cspr.deadlines import services as deadlines
from cspr.deadlines.models import DeadlineState
from cspr.reporting import charts, exports, figure_files, figures
from cspr.reporting import dashboard as dashboard_figures
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.services.errors import InputError
from cspr.web.staff.pages import bp, ctx, roles


@bp.route("/")
@roles(Permission.SEE_DASHBOARD)
def dashboard() -> ResponseReturnValue:
    """What is due this week, what is overdue, reviews by stage, actions by status."""
    c = ctx()
    if c.role == Role.REVIEWER:
        return reviewer_home()
    if c.role == Role.SCRUTINEER:
        return scrutineer_home()
    due = dashboard_figures.due_rows(c, deadlines.soon_until(c.calendar, c.today))
    overdue = dashboard_figures.DueRows(d for d in due if d.due_on < c.today)
    this_week = dashboard_figures.DueRows(d for d in due if d.due_on >= c.today)
    stages, rag = dashboard_figures.stage_and_rag_counts(c)
    return render_template("staff/dashboard.html", overdue=overdue, this_week=this_week,
                           stages=stages, rag={s.value: rag.get(s.rag, 0) for s in RAG_KEY},
                           soon_days=deadlines.SOON_WORKING_DAYS)


def reviewer_home() -> ResponseReturnValue:
    """An independent reviewer's home: only the reviews assigned to them."""
    c = ctx()
    rows = c.session.scalars(select(Review).where(Review.reviewer_id == c.user_id)
                             .order_by(Review.id.desc())).all()
    return render_template("staff/reviewer_home.html", reviews=rows)


def scrutineer_home() -> ResponseReturnValue:
    """The independent scrutineer's home: the figures, and the published reviews with their action plans."""
    c = ctx()
    rows = c.session.scalars(reviews.reviews_for(c).where(Review.legacy.is_(False))
                             .order_by(Review.published_on.desc(), Review.id.desc())).all()
    return render_template("staff/scrutineer_home.html", reviews=rows)


@bp.route("/cases")
@roles(Permission.READ_CASES)
def tracker() -> ResponseReturnValue:
    """The case tracker: every case with its stage, dates and lateness; filters and exports."""
    rows = exports.tracker_rows(ctx())
    stage = request.args.get("stage", "")
    kind = request.args.get("kind", "")
    overdue_only = request.args.get("overdue") == "1"
    stages = sorted({r["stage"] for r in rows})
    kinds = sorted({r["kind"] for r in rows})
    shown = [r for r in rows if (not stage or r["stage"] == stage) and (not kind or r["kind"] == kind)
             and (not overdue_only or r["overdue_deadlines"])]
    ids = {i.reference: i.id for i in ctx().session.scalars(select(Incident))}
    return render_template("staff/tracker.html", rows=shown, total=len(rows), stages=stages,
                           kinds=kinds, stage=stage, kind=kind, overdue_only=overdue_only, ids=ids)


@bp.route("/cases.<any(csv, xlsx):fmt>")
@roles(Permission.EXPORT_TRACKER)
@fresh_required
def tracker_file(fmt: str) -> Response:
    """The tracker as CSV or an Excel workbook."""
    download = exports.tracker_download(ctx(), fmt)
    return Response(download.body, mimetype=download.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{download.filename}"'})


@bp.route("/deadlines.ics")
@roles(Permission.EXPORT_DEADLINES)
@fresh_required
def deadlines_ics() -> Response:
    """Open deadlines as an iCalendar file."""
    return Response(calendar_feed.deadlines_ics(ctx()), mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="deadlines.ics"'})


__all__ = ["DeadlineState"]


# -- the yearly figures ---------------------------------------------------------------

def _figures_query() -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The year and area asked for, and the errors to show (GOV.UK style) when they are wrong."""
    from marshmallow import ValidationError

    from cspr.reporting.inputs import FiguresQuery

    try:
        return FiguresQuery().load({k: v for k, v in request.args.items() if k in ("year", "area")}), []
    except ValidationError as exc:
        errors = [{"text": (m[0] if isinstance(m, list) else str(m)), "href": f"#{k}"}
                  for k, m in exc.messages.items()]
        return {}, errors


def _figures_for(query: dict[str, Any]) -> tuple[figures.YearlyFigures, list[dict[str, str]]]:
    c = ctx()
    errors: list[dict[str, str]] = []
    try:
        year = figures.reporting_year(c, query.get("year"))
        return figures.yearly_figures(c, year, query.get("area")), errors
    except InputError as exc:
        errors = [{"text": m, "href": f"#{k}"} for k, m in exc.errors.items()]
        return figures.yearly_figures(c, figures.reporting_year(c)), errors


def case_href(case: figures.Case) -> str:
    """Where a case behind a figure lives in the staff app."""
    if case.type == "incident":
        return url_for("staff.incident", incident_id=case.id)
    if case.type == "review":
        return url_for("staff.review", review_id=case.id)
    return url_for("staff.plan", review_id=case.review_id)


@bp.route("/figures")
@roles(Permission.READ_FIGURES)
def figures_page() -> ResponseReturnValue:
    """The yearly figures: every table, each figure linked to the cases behind it."""
    query, errors = _figures_query()
    found, more = _figures_for(query)
    c = ctx()
    this = figures.reporting_year(c)
    years = [figures.reporting_year(c, this.key - n) for n in range(6)]
    return render_template("staff/figures.html", figures=found, errors=errors + more, years=years,
                           charts=charts.charts(found),
                           areas=figures.areas(c), show_cases=allowed(c.role, Permission.READ_CASES))


@bp.route("/figures/cases")
@roles(Permission.READ_FIGURES)
def figure_cases() -> ResponseReturnValue:
    """The cases behind one figure of the year."""
    query, errors = _figures_query()
    found, more = _figures_for(query)
    try:
        figure = found.figure(request.args.get("figure", ""))
    except KeyError:
        abort(404)
    c = ctx()
    see = allowed(c.role, Permission.READ_CASES)
    cases = [(case, case_href(case)) for case in figure.cases] if see else []
    return render_template("staff/figure_cases.html", figures=found, figure=figure, cases=cases,
                           errors=errors + more)


@bp.route("/figures.<any(xlsx, docx):fmt>")
@roles(Permission.EXPORT_FIGURES)
@fresh_required
def figures_file(fmt: str) -> Response:
    """The year's figures as an Excel workbook (a sheet and a chart per table) or a Word section."""
    query, errors = _figures_query()
    c = ctx()
    try:
        if errors:
            raise InputError({})
        year = figures.reporting_year(c, query.get("year"))
        download = figure_files.figures_download(c, year, query.get("area"), fmt,
                                                 allowed(c.role, Permission.READ_CASES))
    except InputError:  # the page says what is wrong with the year or the area
        return redirect(url_for("staff.figures_page", **request.args))
    return Response(download.body, mimetype=download.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{download.filename}"'})
