"""What the cases API returns: an incident with its notification, rapid review and deadlines."""

from __future__ import annotations

from marshmallow import Schema, fields

from cspr.cases.models import AgeBand, Harm, PanelResponse, RapidReviewDecision
from cspr.deadlines.outputs import DeadlineOut
from cspr.reviews.models import ReviewKind
from cspr.services.inputs import enum


class NotificationOut(Schema):
    """A notification as stored."""

    sent_on = fields.Date()
    panel_reference = fields.String(allow_none=True)
    ofsted_sos_notified_on = fields.Date(allow_none=True)
    partners_told_on = fields.Date(allow_none=True)


class RapidReviewOut(Schema):
    """A rapid review as stored."""

    started_on = fields.Date(allow_none=True)
    meeting_on = fields.Date(allow_none=True)
    decision = enum(RapidReviewDecision, allow_none=True)
    rationale = fields.String(allow_none=True)
    sent_to_panel_on = fields.Date(allow_none=True)
    panel_response = enum(PanelResponse, allow_none=True)
    panel_response_on = fields.Date(allow_none=True)
    panel_response_notes = fields.String(allow_none=True)


class IncidentReviewOut(Schema):
    """A review an incident led to, with that review's own deadlines."""

    id = fields.Integer()
    kind = enum(ReviewKind)
    title = fields.String()
    stage = fields.String()
    deadlines = fields.List(fields.Nested(DeadlineOut))


class IncidentOut(Schema):
    """An incident with its notification, rapid review and deadlines."""

    id = fields.Integer()
    reference = fields.String()
    pseudonym = fields.String()
    la_case_reference = fields.String()
    la_area = fields.String()
    age_band = enum(AgeBand)
    harm = enum(Harm)
    looked_after = fields.Boolean()
    care_leaver = fields.Boolean()
    incident_on = fields.Date()
    aware_on = fields.Date()
    stage = fields.String()
    notification = fields.Nested(NotificationOut, allow_none=True)
    rapid_review = fields.Nested(RapidReviewOut, allow_none=True)
    review_ids = fields.List(fields.Integer())
    deadlines = fields.List(fields.Nested(DeadlineOut), metadata={"description": "The incident's own."})
    reviews = fields.List(fields.Nested(IncidentReviewOut), attribute="review_deadlines",
                          metadata={"description": "Each review the incident led to, with its deadlines."})
