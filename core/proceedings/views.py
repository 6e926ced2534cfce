"""Staff pages of parallel proceedings: on the case and the review, one page each, updates and dates."""

from __future__ import annotations

from typing import Any

from flask import abort, g, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cspr.accounts.permissions import Permission, allowed
from cspr.cases.models import Incident
from cspr.proceedings import inputs as i
from cspr.proceedings import services as proceedings
from cspr.proceedings.models import DateState, ExpectedDate, Proceeding
from cspr.reviews import services as reviews
from cspr.reviews.models import Review
from cspr.web.forms import form_for
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import Step, handle

STEPS = {
    "new": Step("Record parallel proceedings", form_for(i.ProceedingIn, submit="Record the proceedings"),
                lambda c, case, d: proceedings.record(c, **{case.__tablename__[:-1]: case}, **d),
                Permission.EDIT_PROCEEDINGS, "The proceedings are recorded.",
                hint="A police investigation, a criminal trial, an inquest, family court or other "
                     "proceedings running alongside the review."),
    "update": Step("Record an update", form_for(i.ProceedingUpdate, submit="Save the update"),
                   lambda c, p, d: proceedings.update(c, p, **d), Permission.EDIT_PROCEEDINGS,
                   "The update is recorded.", prefill=lambda p: _prefill(p)),
    "date": Step("Add an expected date", form_for(i.ExpectedDateIn, submit="Add the date"),
                 lambda c, p, d: proceedings.add_date(c, p, **d), Permission.EDIT_PROCEEDINGS,
                 "The expected date is added. A reminder comes if it passes without an update."),
}
MoveStep = Step("Move an expected date", form_for(i.MovedDateIn, submit="Move the date"),
                lambda c, pair, d: proceedings.move_date(c, pair[0], pair[1], **d),
                Permission.EDIT_PROCEEDINGS, "The date is moved.")


class _Prefill:
    def __init__(self, p: Proceeding) -> None:
        self.status, self.restricts_publication = p.status, p.restricts_publication
        self.description, self.note = p.description, None


def _prefill(p: Proceeding) -> Any:
    return _Prefill(p)


def _load(proceeding_id: int) -> Proceeding:
    row = ctx().session.scalar(select(Proceeding).where(Proceeding.id == proceeding_id)
                               .options(selectinload(Proceeding.dates)))
    if row is None:
        abort(404)
    return row


def _caption(p: Proceeding) -> str:
    return proceedings.KIND_LABELS[p.kind] + (f": {p.description}" if p.description else "")


@bp.context_processor
def _proceedings_on_pages() -> dict[str, Any]:
    def proceedings_of(incident: Incident | None = None, review: Review | None = None) -> list[Proceeding]:
        c = g.get("ctx")
        if c is None or not allowed(c.role, Permission.READ_PROCEEDINGS):
            return []
        return proceedings.of_case(c, incident=incident, review=review)

    return {"proceedings_of": proceedings_of, "proceeding_kinds": i.KINDS, "proceeding_statuses": i.STATUSES,
            "proceeding_live": lambda p: p.status.value in ("open", "pending")}


@bp.route("/incidents/<int:incident_id>/proceedings/new", methods=["GET", "POST"])
@roles(Permission.EDIT_PROCEEDINGS)
def new_incident_proceeding(incident_id: int) -> ResponseReturnValue:
    """Record proceedings alongside the incident's case."""
    incident = ctx().session.get(Incident, incident_id) or abort(404)
    return handle(STEPS["new"], incident, url_for("staff.incident", incident_id=incident.id),
                  f"{incident.pseudonym} ({incident.reference})")


@bp.route("/reviews/<int:review_id>/proceedings/new", methods=["GET", "POST"])
@roles(Permission.EDIT_PROCEEDINGS)
def new_review_proceeding(review_id: int) -> ResponseReturnValue:
    """Record proceedings alongside a review."""
    review = reviews.visible(ctx(), ctx().session.get(Review, review_id) or abort(404))
    return handle(STEPS["new"], review, url_for("staff.review", review_id=review.id), review.title)


@bp.route("/proceedings/<int:proceeding_id>")
@roles(Permission.READ_PROCEEDINGS)
def proceeding(proceeding_id: int) -> ResponseReturnValue:
    """One proceeding: where it stands, whether it restricts publication, its expected dates."""
    row = _load(proceeding_id)
    c = ctx()
    incident = c.session.get(Incident, row.incident_id) if row.incident_id else None
    review = c.session.get(Review, row.review_id) if row.review_id else None
    return render_template("staff/proceeding.html", proceeding=row, incident=incident, review=review,
                           caption=_caption(row), kinds=i.KINDS, statuses=i.STATUSES,
                           expected=DateState.EXPECTED, today=c.today,
                           live=row.status.value in ("open", "pending"),
                           admin=allowed(c.role, Permission.EDIT_PROCEEDINGS))


@bp.route("/proceedings/<int:proceeding_id>/update", methods=["GET", "POST"])
@roles(Permission.EDIT_PROCEEDINGS)
def update_proceeding(proceeding_id: int) -> ResponseReturnValue:
    """Record an update on the proceedings."""
    row = _load(proceeding_id)
    return handle(STEPS["update"], row, url_for("staff.proceeding", proceeding_id=row.id), _caption(row))


@bp.route("/proceedings/<int:proceeding_id>/dates/new", methods=["GET", "POST"])
@roles(Permission.EDIT_PROCEEDINGS)
def new_proceeding_date(proceeding_id: int) -> ResponseReturnValue:
    """Add a date expected in the proceedings."""
    row = _load(proceeding_id)
    return handle(STEPS["date"], row, url_for("staff.proceeding", proceeding_id=row.id), _caption(row))


@bp.route("/proceedings/<int:proceeding_id>/dates/<int:date_id>/move", methods=["GET", "POST"])
@roles(Permission.EDIT_PROCEEDINGS)
def move_proceeding_date(proceeding_id: int, date_id: int) -> ResponseReturnValue:
    """An expected date moved."""
    row = _load(proceeding_id)
    when = ctx().session.get(ExpectedDate, date_id)
    if when is None or when.proceeding_id != row.id:
        abort(404)
    return handle(MoveStep, (row, when), url_for("staff.proceeding", proceeding_id=row.id),
                  f"{_caption(row)}: {when.event}, {when.expected_on:%-d %B %Y}")
