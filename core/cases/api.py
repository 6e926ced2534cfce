"""Incidents, the Panel notification, the rapid review and the Panel's response."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from cspr.accounts.api import commit, ctx, requires
from cspr.accounts.permissions import Permission
from cspr.cases import children, incidents, notifications, panel, rapid_reviews
from cspr.cases import inputs as i
from cspr.cases import outputs as o
from cspr.cases.models import Incident
from cspr.deadlines.present import attach_deadlines
from cspr.web.api.resource import bounded_pages, refuses, scoped_blueprint

blp = scoped_blueprint("incidents", "Serious incidents, the Panel notification and the rapid review.")



def _load(incident_id: int) -> Incident:
    incident = ctx().session.scalar(
        select(Incident).where(Incident.id == incident_id).options(
            selectinload(Incident.notification), selectinload(Incident.rapid_review),
            selectinload(Incident.reviews), selectinload(Incident.children))
    )
    if incident is None:
        incidents.get(ctx(), incident_id)  # raises NotFound
    return incident


def _out(incident: Incident) -> Incident:
    attach_deadlines(ctx(), [incident], "incident")
    return incident


@blp.route("/incidents")
class IncidentList(MethodView):
    """The partnership's incidents."""

    @requires(Permission.READ_CASES)
    @refuses(blp, 403, 422)
    @blp.arguments(i.IncidentQuery, location="query")
    @blp.response(200, o.IncidentOut(many=True))
    @blp.paginate()
    @bounded_pages
    def get(self, query: dict, pagination_parameters) -> list[Incident]:  # noqa: ANN001
        """List incidents, newest awareness first."""
        base = select(Incident)
        if "stage" in query:
            base = base.where(Incident.stage == query["stage"])
        session = ctx().session
        pagination_parameters.item_count = session.scalar(
            select(func.count()).select_from(base.subquery()))
        rows = session.scalars(
            base.order_by(Incident.aware_on.desc(), Incident.id.desc())
            .offset(pagination_parameters.first_item).limit(pagination_parameters.page_size)
            .options(selectinload(Incident.notification), selectinload(Incident.rapid_review),
                     selectinload(Incident.reviews), joinedload(Incident.children))  # no extra SELECT
        ).unique().all()
        attach_deadlines(ctx(), rows, "incident")
        return rows

    @requires(Permission.EDIT_CASES)
    @refuses(blp, 400, 403, 422)
    @blp.arguments(i.IncidentIn)
    @blp.response(201, o.IncidentOut)
    def post(self, data: dict) -> Incident:
        """Record an incident; the 5-working-day clock to notify the Panel starts."""
        incident = incidents.record(ctx(), **data)
        commit()
        return _out(_load(incident.id))


@blp.route("/incidents/<int:incident_id>")
class IncidentDetail(MethodView):
    """One incident."""

    @requires(Permission.READ_CASES)
    @refuses(blp, 403)
    @blp.response(200, o.IncidentOut)
    def get(self, incident_id: int) -> Incident:
        """An incident with its notification, rapid review and deadlines."""
        return _out(_load(incident_id))

    @requires(Permission.EDIT_CASES)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.IncidentCorrection)
    @blp.response(200, o.IncidentOut)
    def patch(self, data: dict, incident_id: int) -> Incident:
        """Correct recorded facts, with a reason; dependent deadlines are recomputed."""
        reason = data.pop("reason")
        incidents.correct(ctx(), _load(incident_id), data, reason)
        commit()
        return _out(_load(incident_id))


@blp.route("/incidents/<int:incident_id>/notification")
class NotificationStep(MethodView):
    """The notification to the Panel."""

    @requires(Permission.EDIT_CASES)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.NotificationIn)
    @blp.response(201, o.IncidentOut)
    def post(self, data: dict, incident_id: int) -> Incident:
        """Record the notification; the rapid review's clock starts."""
        notifications.record(ctx(), _load(incident_id), **data)
        commit()
        return _out(_load(incident_id))

    @requires(Permission.EDIT_CASES)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.NotificationCorrection)
    @blp.response(200, o.IncidentOut)
    def patch(self, data: dict, incident_id: int) -> Incident:
        """Correct the notification, with a reason."""
        reason = data.pop("reason")
        notifications.correct(ctx(), _load(incident_id), data, reason)
        commit()
        return _out(_load(incident_id))


@blp.route("/incidents/<int:incident_id>/rapid-review/meeting")
class MeetingStep(MethodView):
    """The rapid review's start and meeting."""

    @requires(Permission.EDIT_CASES)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.MeetingIn)
    @blp.response(200, o.IncidentOut)
    def post(self, data: dict, incident_id: int) -> Incident:
        """Record when the rapid review started and met."""
        rapid_reviews.record_meeting(ctx(), _load(incident_id), **data)
        commit()
        return _out(_load(incident_id))


@blp.route("/incidents/<int:incident_id>/rapid-review/decision")
class DecisionStep(MethodView):
    """The partners' decision."""

    @requires(Permission.SIGN_OFF)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.DecisionIn)
    @blp.response(200, o.IncidentOut)
    def post(self, data: dict, incident_id: int) -> Incident:
        """Record the decision sent to the Panel; a local review starts if decided."""
        rapid_reviews.decide(ctx(), _load(incident_id), **data)
        commit()
        return _out(_load(incident_id))


@blp.route("/incidents/<int:incident_id>/rapid-review/panel-response")
class PanelResponseStep(MethodView):
    """The Panel's response."""

    @requires(Permission.SIGN_OFF)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.PanelResponseIn)
    @blp.response(200, o.IncidentOut)
    def post(self, data: dict, incident_id: int) -> Incident:
        """Record the Panel's response to the rapid review."""
        rapid_reviews.record_panel_response(ctx(), _load(incident_id), **data)
        commit()
        return _out(_load(incident_id))


@blp.route("/incidents/<int:incident_id>/children")
class ChildList(MethodView):
    """The children the incident concerns (up to four), as the Panel's form asks."""

    @requires(Permission.EDIT_CASES)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.ChildIn)
    @blp.response(201, o.IncidentOut)
    def post(self, data: dict, incident_id: int) -> Incident:
        """Add a child to the incident (409 past four)."""
        children.add(ctx(), _load(incident_id), **data)
        commit()
        return _out(_load(incident_id))


@blp.route("/incidents/<int:incident_id>/children/<int:position>")
class ChildDetail(MethodView):
    """One child of the incident."""

    @requires(Permission.EDIT_CASES)
    @refuses(blp, 400, 403, 409, 422)
    @blp.arguments(i.ChildChange)
    @blp.response(200, o.IncidentOut)
    def patch(self, data: dict, incident_id: int, position: int) -> Incident:
        """Change what is recorded about the child (only the fields named)."""
        children.update(ctx(), _load(incident_id), position, data)
        commit()
        return _out(_load(incident_id))

    @requires(Permission.EDIT_CASES)
    @refuses(blp, 403, 409)
    @blp.response(200, o.IncidentOut)
    def delete(self, incident_id: int, position: int) -> Incident:
        """Remove a child added in error (never child 1); the later children move up."""
        children.remove(ctx(), _load(incident_id), position)
        commit()
        return _out(_load(incident_id))


@blp.route("/incidents/<int:incident_id>/details")
class DetailsStep(MethodView):
    """The incident's details the Panel's form asks for."""

    @requires(Permission.EDIT_CASES)
    @refuses(blp, 400, 403, 422)
    @blp.arguments(i.IncidentDetailsIn)
    @blp.response(200, o.IncidentOut)
    def put(self, data: dict, incident_id: int) -> Incident:
        """Record the agencies involved and whether the police are investigating."""
        children.set_details(ctx(), _load(incident_id), **data)
        commit()
        return _out(_load(incident_id))


@blp.route("/incidents/<int:incident_id>/panel-notification")
class PanelNotification(MethodView):
    """The notification as the Panel's online form asks it."""

    @requires(Permission.READ_CASES)
    @refuses(blp, 403)
    @blp.response(200, o.PanelNotificationOut)
    def get(self, incident_id: int) -> dict:
        """The questions of the Panel's form with their answers, and the same as text."""
        incident = _load(incident_id)
        sections = panel.notification_summary(ctx(), incident)
        return {"sections": [{"title": s.title, "rows": [{"question": q, "answer": a} for q, a in s.rows]}
                             for s in sections],
                "text": panel.notification_text(ctx(), incident)}
