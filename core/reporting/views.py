"""The partnership's dashboard and its tracker, with the exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from flask import Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from cspr.accounts.models import Role
from cspr.accounts.permissions import Permission
from cspr.accounts.views.sign_in import fresh_required
from cspr.actions.models import Action, Rag
from cspr.cases.models import Incident
from cspr.deadlines import services as deadlines
from cspr.deadlines.models import Deadline, DeadlineState
from cspr.deadlines.present import deadline_dict
from cspr.reporting import exports
from cspr.reviews.models import Review
from cspr.web.staff.pages import bp, ctx, roles


def _href(endpoint: str, key: str) -> Callable[[int], str]:
    """The URL of ``endpoint`` for any id, built once (a page lists hundreds of them)."""
    marker = 987654321
    template = url_for(endpoint, **{key: marker})
    head, tail = template.split(str(marker), 1)
    return lambda record_id: f"{head}{record_id}{tail}"


def subject_links(rows: Sequence[Any]) -> dict[str, dict]:
    """What each deadline is about, with its link, in one query per kind of subject (columns only)."""
    session = ctx().session
    links: dict[str, dict] = {}
    incident_ids = [d.incident_id for d in rows if d.incident_id]
    review_ids = [d.review_id for d in rows if d.review_id]
    action_ids = [d.action_id for d in rows if d.action_id]
    if incident_ids:
        href = _href("staff.incident", "incident_id")
        for i in session.execute(select(Incident.id, Incident.pseudonym, Incident.reference)
                                 .where(Incident.id.in_(incident_ids))):
            links[f"incident:{i.id}"] = {"text": f"{i.pseudonym} ({i.reference})", "href": href(i.id)}
    if review_ids or action_ids:
        href = _href("staff.review", "review_id")
        plan = _href("staff.plan", "review_id")
    if review_ids:
        for r in session.execute(select(Review.id, Review.title).where(Review.id.in_(review_ids))):
            links[f"review:{r.id}"] = {"text": r.title, "href": href(r.id)}
    if action_ids:
        rows_ = session.execute(select(Action.id, Review.id, Review.title)
                                .join(Action.recommendation).join(Review)
                                .where(Action.id.in_(action_ids))).all()
        for action_id, review_id, title in rows_:
            links[f"action:{action_id}"] = {"text": f"Action plan: {title}", "href": plan(review_id)}
    return links


#: The columns of a deadline the dashboard shows and counts its standing from (no whole rows).
DASHBOARD_COLUMNS = (Deadline.id, Deadline.kind, Deadline.label, Deadline.subject, Deadline.due_on,
                     Deadline.incident_id, Deadline.review_id, Deadline.action_id, Deadline.statutory,
                     Deadline.direction, Deadline.state, Deadline.met_on)


@bp.route("/")
@roles(Permission.SEE_DASHBOARD)
def dashboard() -> ResponseReturnValue:
    """What is due this week, what is overdue, reviews by stage, actions by status."""
    c = ctx()
    if c.role == Role.REVIEWER:
        return reviewer_home()
    week = c.today + dt.timedelta(days=7)
    due = c.session.execute(deadlines.due_or_overdue(week).with_only_columns(*DASHBOARD_COLUMNS)).all()
    links = subject_links(due)
    overdue = [deadline_dict(c, d) for d in due if d.due_on < c.today]
    this_week = [deadline_dict(c, d) for d in due if d.due_on >= c.today]
    stages = dict(c.session.execute(
        select(Review.stage, func.count()).where(Review.legacy.is_(False)).group_by(Review.stage)).all())
    rag = dict(c.session.execute(select(Action.rag, func.count()).group_by(Action.rag)).all())
    return render_template("staff/dashboard.html", overdue=overdue, this_week=this_week, links=links,
                           stages=stages, rag={r.value: rag.get(r, 0) for r in Rag})


def reviewer_home() -> ResponseReturnValue:
    """An independent reviewer's home: only the reviews assigned to them."""
    c = ctx()
    rows = c.session.scalars(select(Review).where(Review.reviewer_id == c.user_id)
                             .order_by(Review.id.desc())).all()
    return render_template("staff/reviewer_home.html", reviews=rows)


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
    return Response(exports.deadlines_ics(ctx()), mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="deadlines.ics"'})


__all__ = ["DeadlineState"]
