"""Case pages: record an incident, see its steps and deadlines, take each step."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cspr.accounts.permissions import Permission
from cspr.cases import incidents, notifications, rapid_reviews
from cspr.cases import inputs as i
from cspr.cases.models import Harm, Incident
from cspr.deadlines.present import deadlines_by_kind, reviews_deadlines
from cspr.web.forms import form_for
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import Step, changed, handle, status_of, submit

IncidentForm = form_for(i.IncidentIn, submit="Record the incident")


STEPS = {
    "notification": Step(
        "Record the notification to the Panel", form_for(i.NotificationIn),
        lambda c, inc, d: notifications.record(c, inc, **d), Permission.EDIT_CASES,
        "The notification is recorded. The rapid review's 15 working days have started."),
    "meeting": Step(
        "Record the rapid review meeting", form_for(i.MeetingIn),
        lambda c, inc, d: rapid_reviews.record_meeting(c, inc, **d), Permission.EDIT_CASES,
        "The rapid review meeting is recorded."),
    "decision": Step(
        "Record the partners' decision", form_for(i.DecisionIn),
        lambda c, inc, d: rapid_reviews.decide(c, inc, **d), Permission.SIGN_OFF,
        "The decision is recorded and the rapid review is marked as sent to the Panel."),
    "panel-response": Step(
        "Record the Panel's response", form_for(i.PanelResponseIn),
        lambda c, inc, d: rapid_reviews.record_panel_response(c, inc, **d), Permission.SIGN_OFF,
        "The Panel's response is recorded."),
    "correct-notification": Step(
        "Correct the notification to the Panel",
        form_for(i.NotificationCorrection, submit="Save the correction"),
        lambda c, inc, d: notifications.correct(c, inc, changed(inc.notification, d), d["reason"]),
        Permission.EDIT_CASES,
        "The correction is saved and the rapid review's deadline was recomputed.",
        prefill=lambda inc: inc.notification),
    "correct": Step(
        "Correct the facts of the incident", form_for(i.IncidentCorrection, submit="Save the correction"),
        lambda c, inc, d: incidents.correct(c, inc, changed(inc, d), d["reason"]),
        Permission.EDIT_CASES,
        "The correction is saved and the deadlines that depend on it were recomputed.",
        prefill=lambda inc: inc),
}


def load(incident_id: int) -> Incident:
    """An incident of this partnership with what its page shows, or 404."""
    incident = ctx().session.scalar(
        select(Incident).where(Incident.id == incident_id).options(
            selectinload(Incident.notification), selectinload(Incident.rapid_review),
            selectinload(Incident.reviews)))
    if incident is None:
        abort(404)
    return incident


@bp.route("/incidents/new", methods=["GET", "POST"])
@roles(Permission.EDIT_CASES)
def new_incident() -> ResponseReturnValue:
    """Record a serious incident."""
    form = IncidentForm()
    incident = submit(form, lambda data: incidents.record(ctx(), **data))
    if incident:
        flash(f"Incident {incident.reference} is recorded. Notify the Panel within 5 working days.",
              "success")
        return redirect(url_for("staff.incident", incident_id=incident.id))
    return render_template("staff/incident_new.html", form=form), status_of(form)


@bp.route("/incidents/<int:incident_id>")
@roles(Permission.READ_CASES)
def incident(incident_id: int) -> ResponseReturnValue:
    """A case as a task list of its statutory steps, each with its deadline."""
    c = ctx()
    inc = load(incident_id)
    due = deadlines_by_kind(c, f"incident:{inc.id}")
    lac_death = inc.looked_after and inc.harm == Harm.DEATH
    reviews = sorted(inc.reviews, key=lambda r: r.id)
    return render_template("staff/incident.html", incident=inc, due=due, lac_death=lac_death,
                           steps=STEPS, reviews=reviews, review_due=reviews_deadlines(c, reviews))


@bp.route("/incidents/<int:incident_id>/<step>", methods=["GET", "POST"])
def incident_step(incident_id: int, step: str) -> ResponseReturnValue:
    """One step of a case."""
    if step not in STEPS:
        abort(404)
    inc = load(incident_id)
    return handle(STEPS[step], inc, url_for("staff.incident", incident_id=inc.id),
                  f"{inc.pseudonym} ({inc.reference})")
