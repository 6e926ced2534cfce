"""What the deadlines API returns: a deadline and where it stands."""

from __future__ import annotations

from marshmallow import Schema, fields

from cspr.deadlines.models import DeadlineState
from cspr.deadlines.names import Anchor, Fact
from cspr.services.inputs import enum


class DeadlineOut(Schema):
    """A deadline and where it stands today by the partnership's calendar."""

    id = fields.Integer()
    kind = fields.String()
    label = fields.String()
    subject = fields.String(metadata={"example": "incident:12"})
    incident_id = fields.Integer(allow_none=True, metadata={"description": "The incident it is about."})
    review_id = fields.Integer(allow_none=True, metadata={
        "description": "The review it is about, if any: each review of an incident has its own deadlines."})
    counts_from = enum(Anchor, allow_none=True, metadata={"description": "The date it counts from."})
    met_by = enum(Fact, allow_none=True, metadata={"description": "The event that meets it."})
    due_on = fields.Date()
    statutory = fields.Boolean()
    direction = fields.String(metadata={"description": "within, before, or at_least (not before)"})
    state = enum(DeadlineState)
    met_on = fields.Date(allow_none=True)
    status = fields.String(metadata={
        "description": "met, met_late, overdue, due_today, open, not_before, cancelled"})
    working_days_late = fields.Integer(allow_none=True)
    working_days_left = fields.Integer(allow_none=True)
