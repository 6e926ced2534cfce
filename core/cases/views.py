"""Case pages: record an incident, see its steps and deadlines, take each step."""

from __future__ import annotations

from flask import Response, abort, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cspr.accounts.permissions import Permission
from cspr.cases import children, incidents, notifications, panel, rapid_reviews
from cspr.cases import inputs as i
from cspr.cases.models import Incident
from cspr.deadlines.present import deadlines_by_kind, reviews_deadlines
from cspr.plugins import get_registry
from cspr.reporting import recurring
from cspr.web.forms import form_for
from cspr.web.staff.pages import bp, ctx, roles
from cspr.web.staff.steps import Step, changed, handle

IncidentForm = form_for(i.IncidentIn, submit="Continue")


def _recorded(incident: Incident) -> tuple[str, str]:
    return (f"Incident {incident.reference} is recorded. Notify the Panel within 5 working days.",
            url_for("staff.incident", incident_id=incident.id))


NEW_INCIDENT = Step("Record a serious incident", IncidentForm, lambda c, _none, d: incidents.record(c, **d),
                    Permission.EDIT_CASES, "The incident is recorded.", check=True, rehearse=True,
                    confirm="Record the incident", template="staff/incident_new.html", after=_recorded)


STEPS = {
    "notification": Step(
        "Record the notification to the Panel", form_for(i.NotificationIn),
        lambda c, inc, d: notifications.record(c, inc, **d), Permission.EDIT_CASES,
        "The notification is recorded. The rapid review's 15 working days have started.",
        omit=lambda inc: () if inc.looked_after_death() else ("ofsted_sos_notified_on",)),
    "meeting": Step(
        "Record the rapid review meeting", form_for(i.MeetingIn),
        lambda c, inc, d: rapid_reviews.record_meeting(c, inc, **d), Permission.EDIT_CASES,
        "The rapid review meeting is recorded."),
    "decision": Step(
        "Record the partners' decision", form_for(i.DecisionIn, submit="Continue"),
        lambda c, inc, d: rapid_reviews.decide(c, inc, **d), Permission.SIGN_OFF,
        "The decision is recorded and the rapid review is marked as sent to the Panel.",
        check=True, rehearse=True, confirm="Record the decision",
        aside=lambda inc: ("staff/recurring_themes.html",
                           {"recurrences": recurring.recurring_themes(ctx(), get_registry(), inc),
                            "windows": recurring.WINDOWS})),
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
        prefill=lambda inc: inc.notification,
        omit=lambda inc: () if inc.looked_after_death() else ("ofsted_sos_notified_on",)),
    "add-child": Step(
        "Add a child to the incident", form_for(i.ChildIn, submit="Add the child"),
        lambda c, inc, d: children.add(c, inc, **d), Permission.EDIT_CASES,
        "The child is added to the notification.",
        hint="The Panel's form takes up to 4 children. Never a name, address or date of birth."),
    "details": Step(
        "Record the agencies involved and the police's part",
        form_for(i.IncidentDetailsIn), lambda c, inc, d: children.set_details(c, inc, **d),
        Permission.EDIT_CASES, "The incident's details are saved.", prefill=lambda inc: inc),
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
            selectinload(Incident.reviews), selectinload(Incident.children)))
    if incident is None:
        abort(404)
    return incident


@bp.route("/incidents/new", methods=["GET", "POST"])
@roles(Permission.EDIT_CASES)
def new_incident() -> ResponseReturnValue:
    """Record a serious incident: the form, then 'Check your answers', then the confirm records it."""
    return handle(NEW_INCIDENT, None, url_for("staff.dashboard"), "")


@bp.route("/incidents/<int:incident_id>")
@roles(Permission.READ_CASES)
def incident(incident_id: int) -> ResponseReturnValue:
    """A case as a task list of its statutory steps, each with its deadline."""
    c = ctx()
    inc = load(incident_id)
    due = deadlines_by_kind(c, f"incident:{inc.id}")
    lac_death = inc.looked_after_death()
    reviews = sorted(inc.reviews, key=lambda r: r.id)
    return render_template("staff/incident.html", incident=inc, due=due, lac_death=lac_death,
                           steps=STEPS, reviews=reviews, review_due=reviews_deadlines(c, reviews),
                           children=panel.children_of(inc), child_rows=panel.child_rows,
                           police_labels=i.POLICE_LABELS, decision_labels=i.DECISION_LABELS,
                           response_labels=i.RESPONSE_LABELS, age_labels=i.AGE_LABELS,
                           agencies_text=panel.agencies_text(c, inc))


@bp.route("/incidents/<int:incident_id>/<step>", methods=["GET", "POST"])
def incident_step(incident_id: int, step: str) -> ResponseReturnValue:
    """One step of a case."""
    if step not in STEPS:
        abort(404)
    inc = load(incident_id)
    return handle(STEPS[step], inc, url_for("staff.incident", incident_id=inc.id),
                  f"{inc.pseudonym} ({inc.reference})")


ChildForm = form_for(i.ChildIn, submit="Save the child")


@bp.route("/incidents/<int:incident_id>/children/<int:position>", methods=["GET", "POST"])
def incident_child(incident_id: int, position: int) -> ResponseReturnValue:
    """Change what is recorded about one child of the incident."""
    inc = load(incident_id)
    child = next((ch for ch in panel.children_of(inc) if ch.position == position), None)
    if child is None:
        abort(404)
    step = Step(f"Child {position}", ChildForm,
                lambda c, record, d: children.update(c, record, position, d), Permission.EDIT_CASES,
                "The child's details are saved.", prefill=lambda _inc: child)
    return handle(step, inc, url_for("staff.incident", incident_id=inc.id),
                  f"{inc.pseudonym} ({inc.reference})")


@bp.route("/incidents/<int:incident_id>/panel-notification")
@bp.route("/incidents/<int:incident_id>/panel-notification.txt", endpoint="panel_notification_text")
@roles(Permission.READ_CASES)
def panel_notification(incident_id: int) -> ResponseReturnValue:
    """The notification as the Panel's online form asks it: a page to copy from, or a text file."""
    c = ctx()
    inc = load(incident_id)
    from flask import request

    if request.endpoint == "staff.panel_notification_text":
        c.audit("incident.panel_notification_exported", inc, reference=inc.reference)
        c.session.commit()
        return Response(panel.notification_text(c, inc), mimetype="text/plain",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{inc.reference}-panel-notification.txt"'})
    return render_template("staff/panel_notification.html", incident=inc,
                           sections=panel.notification_summary(c, inc),
                           text=panel.notification_text(c, inc))


@bp.route("/incidents/<int:incident_id>/rapid-review.docx")
@roles(Permission.READ_CASES)
def rapid_review_document(incident_id: int) -> ResponseReturnValue:
    """The rapid review as a Word document for the Panel, built from the data."""
    c = ctx()
    inc = load(incident_id)
    body = panel.rapid_review_docx(c, inc)
    c.audit("incident.rapid_review_document", inc, reference=inc.reference)
    c.session.commit()
    return Response(body, mimetype=panel.DOCX, headers={
        "Content-Disposition": f'attachment; filename="{inc.reference}-rapid-review.docx"'})
