"""What the cases API returns: an incident with its notification, rapid review and deadlines."""

from __future__ import annotations

from marshmallow import Schema, fields

from cspr.cases.models import (
    AbuseKind,
    AgeBand,
    ChildStatus,
    Disability,
    Ethnicity,
    Harm,
    PanelResponse,
    PoliceInvestigation,
    RapidReviewDecision,
    Sex,
)
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
    immediate_actions = fields.String(allow_none=True)
    sent_to_panel_on = fields.Date(allow_none=True)
    panel_response = enum(PanelResponse, allow_none=True)
    panel_response_on = fields.Date(allow_none=True)
    panel_response_notes = fields.String(allow_none=True)


class ChildOut(Schema):
    """A child the incident concerns, pseudonymous."""

    position = fields.Integer(metadata={"description": "1 to 4; child 1 is the incident's own child."})
    pseudonym = fields.String()
    sex = enum(Sex)
    age_band = enum(AgeBand)
    ethnicity = enum(Ethnicity)
    disability = enum(Disability)
    harm = enum(Harm)
    statuses = fields.List(fields.String(metadata={"enum": [s.value for s in ChildStatus]}))
    abuse = fields.List(fields.String(metadata={"enum": [a.value for a in AbuseKind]}),
                        metadata={"description": "Known or suspected."})


class SummaryRowOut(Schema):
    """A question of the Panel's form and its answer."""

    question = fields.String()
    answer = fields.String()


class SummarySectionOut(Schema):
    """A part of the Panel's form."""

    title = fields.String()
    rows = fields.List(fields.Nested(SummaryRowOut))


class PanelNotificationOut(Schema):
    """The notification as the Panel's online form asks it, to copy into it."""

    sections = fields.List(fields.Nested(SummarySectionOut))
    text = fields.String(metadata={"description": "The same, as plain text."})


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
    agencies_involved = fields.List(fields.String())
    police_investigating = enum(PoliceInvestigation)
    children = fields.List(fields.Nested(ChildOut))
    notification = fields.Nested(NotificationOut, allow_none=True)
    rapid_review = fields.Nested(RapidReviewOut, allow_none=True)
    review_ids = fields.List(fields.Integer())
    deadlines = fields.List(fields.Nested(DeadlineOut), metadata={"description": "The incident's own."})
    reviews = fields.List(fields.Nested(IncidentReviewOut), attribute="review_deadlines",
                          metadata={"description": "Each review the incident led to, with its deadlines."})
